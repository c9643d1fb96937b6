// run_program: what the OCI hooks are run with (real processes, no privileges).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include "util/forked.hpp"
#include "util/run_program.hpp"

namespace spawn {
namespace {

const std::vector<std::string> kNoEnv;

TEST(RunProgram, TheInputReachesStdinAndTheStatusComesBack) {
    // Exits with the number of bytes it read: all of a large input arrives.
    const std::string input(300000, 'x');
    auto end = run_program("/bin/sh", {"sh", "-c", "test $(wc -c) = 300000 && exit 7"}, kNoEnv, input, 0);
    EXPECT_EQ(end.how, ProgramEnd::How::Exited);
    EXPECT_EQ(end.value, 7);
    EXPECT_EQ(describe(end, 0), "exited with status 7");
    EXPECT_TRUE(run_program("/bin/sh", {"sh", "-c", "read x; test \"$x\" = state"}, kNoEnv, "state\n", 0).ok());
}

TEST(RunProgram, TheEnvironmentIsTheGivenOneAlone) {
    EXPECT_TRUE(run_program("/bin/sh", {"sh", "-c", "test \"$A\" = 1 && test -z \"$HOME\""}, {"A=1"}, "", 0).ok());
}

TEST(RunProgram, AProgramThatNeverReadsItsInputNeitherBlocksNorKillsUs) {
    const std::string input(1 << 20, 'x');  // far more than a socket buffer
    auto end = run_program("/bin/true", {}, kNoEnv, input, 5);
    EXPECT_TRUE(end.ok()) << describe(end, 5);
}

TEST(RunProgram, TheTimeLimitKillsIt) {
    const auto t0 = std::chrono::steady_clock::now();
    auto end = run_program("/bin/sleep", {"sleep", "30"}, kNoEnv, "", 1);
    EXPECT_EQ(end.how, ProgramEnd::How::TimedOut);
    EXPECT_EQ(describe(end, 1), "timed out after 1 s");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
}

TEST(RunProgram, SignalsAndMissingProgramsAreNamed) {
    auto killed = run_program("/bin/sh", {"sh", "-c", "kill -9 $$"}, kNoEnv, "", 0);
    EXPECT_EQ(describe(killed, 0), "killed by signal 9");
    auto missing = run_program("/nonexistent/hook", {}, kNoEnv, "", 0);
    EXPECT_EQ(describe(missing, 0), "could not be executed");
}

}  // namespace
}  // namespace spawn

TEST(OutputOfChild, WhatTheChildWritesAndHowItEnded) {
    auto r = spawn::output_of_child([](int out) { return write(out, "hello", 5) == 5 ? 3 : 1; }, "the test's output");
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->out, "hello");
    EXPECT_TRUE(WIFEXITED(r->status));
    EXPECT_EQ(WEXITSTATUS(r->status), 3);
    EXPECT_FALSE(r->succeeded());
    auto empty = spawn::output_of_child([](int) { return 0; }, "nothing");
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->out, "");
    EXPECT_TRUE(empty->succeeded());
}
