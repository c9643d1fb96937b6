// util/signals: the one parser and namer of signals (spawn --kill-signal,
// mctl --signal, /run/spawn/machines overrides, exit messages).
#include <signal.h>

#include <gtest/gtest.h>

#include "util/signals.hpp"

using spawn::parse_signal_name;
using spawn::signal_name;

TEST(Signals, Parse) {
    EXPECT_EQ(parse_signal_name("SIGTERM"), SIGTERM);
    EXPECT_EQ(parse_signal_name("TERM"), SIGTERM);
    EXPECT_EQ(parse_signal_name("9"), 9);
    EXPECT_EQ(parse_signal_name("64"), 64);
    EXPECT_EQ(parse_signal_name("SIGRTMIN"), SIGRTMIN);
    EXPECT_EQ(parse_signal_name("SIGRTMIN+4"), SIGRTMIN + 4);
    EXPECT_EQ(parse_signal_name("RTMAX"), SIGRTMAX);
    EXPECT_EQ(parse_signal_name("RTMAX-1"), SIGRTMAX - 1);
    for (const char* bad : {"NOPE", "0", "65", "-1", "IOT", "SIGCLD", "POLL", "SIGRTMIN+99", "RTMIN-1", "RTMAX+1", "", "SIG", "sigterm", "15x"})
        EXPECT_EQ(parse_signal_name(bad), std::nullopt) << bad;
}

TEST(Signals, Name) {
    EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
    EXPECT_EQ(signal_name(SIGINT), "SIGINT");
    EXPECT_EQ(signal_name(SIGCHLD), "SIGCHLD");
    EXPECT_EQ(signal_name(SIGRTMIN), "SIGRTMIN");
    EXPECT_EQ(signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
    EXPECT_EQ(signal_name(SIGRTMIN + 4), "SIGRTMIN+4");
}
