// /run/spawn/machines/NAME: the machine's state for mctl (poweroff signal,
// --system-call-filter lists): format and parse round trip.
#include <gtest/gtest.h>

#include <signal.h>

#include "machined/machine_state.hpp"

using namespace spawn;
using namespace spawn::machined;

TEST(MachineState, FormatIsKeyValueLines) {
    MachineState s;
    EXPECT_EQ(format_machine_state(s), "");
    EXPECT_TRUE(s.empty());
    s.poweroff_signal = SIGUSR2;
    // Only the signal: the file stays what spawn always wrote.
    EXPECT_EQ(format_machine_state(s), "PoweroffSignal=12\n");
    s.syscall_filter = {{"@clock", "settimeofday"}, {"@mount", "keyctl"}};
    EXPECT_EQ(format_machine_state(s),
              "PoweroffSignal=12\nSystemCallFilter=@clock settimeofday\nSystemCallFilter=~@mount keyctl\n");
    s.poweroff_signal = 0;
    s.syscall_filter.allow.clear();
    EXPECT_EQ(format_machine_state(s), "SystemCallFilter=~@mount keyctl\n");
}

TEST(MachineState, RoundTrip) {
    for (const MachineState& s : {MachineState{}, MachineState{SIGTERM, {}, {}}, MachineState{0, {{"@clock"}, {}}, {}},
                                  MachineState{0, {{}, {"@mount"}}, {}},
                                  MachineState{SIGRTMIN + 4, {{"@debug", "@clock", "acct"}, {"@mount", "sethostname"}}, {}},
                                  MachineState{0, {}, 0xa80425fbULL}, MachineState{0, {}, 0}}) {
        auto back = parse_machine_state(format_machine_state(s));
        ASSERT_TRUE(back.ok()) << back.error().message();
        EXPECT_EQ(*back, s) << format_machine_state(s);
    }
}

TEST(MachineState, ParseSkipsOtherKeysAndCombinesLines) {
    auto s = parse_machine_state(
        "# written by hand\nRebootSignal=SIGHUP\nPoweroffSignal=SIGTERM\n\nSystemCallFilter=@clock\n"
        "SystemCallFilter=acct\nSystemCallFilter=~@mount");  // no final newline
    ASSERT_TRUE(s.ok()) << s.error().message();
    EXPECT_EQ(s->poweroff_signal, SIGTERM);
    EXPECT_EQ(s->syscall_filter.allow, (std::vector<std::string>{"@clock", "acct"}));
    EXPECT_EQ(s->syscall_filter.deny, (std::vector<std::string>{"@mount"}));
}

TEST(MachineState, BadValuesAreErrorsNamingTheLine) {
    auto g = parse_machine_state("PoweroffSignal=15\nSystemCallFilter=@bogus\n");
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.error().message(),
              "line 2: Invalid --system-call-filter: '@bogus' (unknown system call group '@bogus'; the groups are "
              "those of `systemd-analyze syscall-filter`)");
    auto s = parse_machine_state("PoweroffSignal=NOPE\n");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message(), "line 1: bad PoweroffSignal 'NOPE'");
    for (const char* bad : {"CapabilityBoundingSet=12\n", "CapabilityBoundingSet=0x\n", "CapabilityBoundingSet=0xzz\n"}) {
        auto b = parse_machine_state(bad);
        ASSERT_FALSE(b.ok()) << bad;
        EXPECT_NE(b.error().message().find("line 1: bad CapabilityBoundingSet"), std::string::npos) << bad;
    }
    // A file mctl cannot read fails closed instead of entering unfiltered.
    auto e = parse_machine_state("SystemCallFilter=\n");
    EXPECT_FALSE(e.ok());
}

TEST(MachineState, PathsAndNames) {
    EXPECT_EQ(machine_state_path("deb"), "/run/spawn/machines/deb");
    for (const char* bad : {"", "..", "a/b"}) {
        auto r = read_machine_state(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().message(), fmt::format("invalid machine name '{}' for a state file", bad));
    }
    // A machine without a file has the defaults.
    auto none = read_machine_state("spawn-unit-test-no-such-machine");
    ASSERT_TRUE(none.ok()) << none.error().message();
    EXPECT_TRUE(none->empty());
}
