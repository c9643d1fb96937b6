// Pure helpers of mctl: table layout as machinectl prints it, signal names,
// the Ctrl-] x3 escape, JSON strings, relative times.
#include <signal.h>
#include <time.h>

#include <gtest/gtest.h>

#include "../../src/mctl/mctl.hpp"
#include "../../src/mctl/pty_forward.hpp"

using namespace spawn::mctl;

TEST(Table, PadsColumnsLikeMachinectl) {
    Table t({"MACHINE", "CLASS", "SERVICE", "OS", "VERSION", "ADDRESSES"});
    t.add({"probe", "container", "spawn", "debian", "12", ""});
    EXPECT_EQ(t.render(true),
              "MACHINE CLASS     SERVICE OS     VERSION ADDRESSES\n"
              "probe   container spawn   debian 12      -\n");
    EXPECT_EQ(t.render(false), "probe container spawn debian 12 -\n");
}

TEST(Escape, ThreeCtrlBracketsWithinOneSecond) {
    EscapeDetector d;
    EXPECT_FALSE(d.feed("\x1d\x1d", 2, 1000000));
    EXPECT_TRUE(d.feed("\x1d", 1, 1500000));
    EscapeDetector slow;
    EXPECT_FALSE(slow.feed("\x1d", 1, 0));
    EXPECT_FALSE(slow.feed("\x1d", 1, 600000));
    EXPECT_FALSE(slow.feed("\x1d", 1, 1200000));  // the first one is too old: starts over
    EXPECT_FALSE(slow.feed("\x1d", 1, 1300000));
    EXPECT_TRUE(slow.feed("\x1d", 1, 1400000));
    EscapeDetector broken;
    EXPECT_FALSE(broken.feed("\x1d\x1dx\x1d", 4, 0));  // another key in between resets
}

TEST(Json, Strings) {
    EXPECT_EQ(json_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
    EXPECT_EQ(json_string(std::string("\x01", 1)), "\"\\u0001\"");
}

TEST(Time, RelativeAndUuid) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = static_cast<uint64_t>(ts.tv_sec) * 1000000;
    EXPECT_EQ(format_relative(now - 3723ull * 1000000).substr(0, 7), "1h 2min");
}
