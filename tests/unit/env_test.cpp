// The payload's environment, the passwd lookup, the console mode rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "container/console.hpp"
#include "container/env.hpp"

using namespace spawn;
using namespace spawn::container;

namespace {
bool has(const std::vector<std::string>& env, const std::string& entry) {
    return std::find(env.begin(), env.end(), entry) != env.end();
}
const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# comment\n"
    "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
    "broken line\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n";
}  // namespace

TEST(Env, DefaultsForRoot) {
    Config c;
    EnvFacts f;
    f.term = "vt220";
    f.uuid = "0a1b2c3d-0000-4000-8000-000000000001";
    f.user = find_passwd(kPasswd, "root");
    auto env = build_environment(c, f);
    EXPECT_TRUE(has(env, "container=spawn"));
    EXPECT_TRUE(has(env, "container_uuid=0a1b2c3d-0000-4000-8000-000000000001"));
    EXPECT_TRUE(has(env, "TERM=vt220"));
    EXPECT_TRUE(has(env, "HOME=/root"));
    EXPECT_TRUE(has(env, "USER=root"));
    EXPECT_TRUE(has(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    EXPECT_FALSE(std::any_of(env.begin(), env.end(), [](auto& e) { return e.rfind("LISTEN_", 0) == 0; }));
}

TEST(Env, SetenvOverridesAndListenFds) {
    Config c;
    c.setenv = {"FOO=bar", "PATH=/opt/bin", "EMPTY="};
    EnvFacts f;
    f.user = find_passwd(kPasswd, "alice");
    f.listen_fds = 2;
    f.listen_pid = 1;
    auto env = build_environment(c, f);
    EXPECT_TRUE(has(env, "FOO=bar"));
    EXPECT_TRUE(has(env, "PATH=/opt/bin"));
    EXPECT_TRUE(has(env, "EMPTY="));
    EXPECT_TRUE(has(env, "HOME=/home/alice"));
    EXPECT_TRUE(has(env, "USER=alice"));
    EXPECT_TRUE(has(env, "LISTEN_FDS=2"));
    EXPECT_TRUE(has(env, "LISTEN_PID=1"));
    EXPECT_EQ(std::count_if(env.begin(), env.end(), [](auto& e) { return e.rfind("PATH=", 0) == 0; }), 1);
}

TEST(Env, PasswdLookup) {
    auto a = find_passwd(kPasswd, "1000");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->name, "alice");
    EXPECT_EQ(a->gid, 1000u);
    EXPECT_EQ(a->shell, "/bin/bash");
    EXPECT_FALSE(find_passwd(kPasswd, "bob"));
    EXPECT_FALSE(find_passwd(kPasswd, "broken line"));
}

TEST(Console, ModeResolution) {
    EXPECT_EQ(resolve_console_mode(std::nullopt, true, true), ConsoleMode::Interactive);
    EXPECT_EQ(resolve_console_mode(std::nullopt, false, true), ConsoleMode::Pipe);
    EXPECT_EQ(resolve_console_mode(std::nullopt, true, false), ConsoleMode::Pipe);
    EXPECT_EQ(resolve_console_mode(ConsoleMode::Autopipe, true, true), ConsoleMode::Interactive);
    EXPECT_EQ(resolve_console_mode(ConsoleMode::Autopipe, false, false), ConsoleMode::Pipe);
    EXPECT_EQ(resolve_console_mode(ConsoleMode::ReadOnly, false, false), ConsoleMode::ReadOnly);
    // --boot without a terminal: read-only, so the boot messages reach stdout (as nspawn).
    EXPECT_EQ(resolve_console_mode(std::nullopt, false, false, true), ConsoleMode::ReadOnly);
    EXPECT_EQ(resolve_console_mode(std::nullopt, true, true, true), ConsoleMode::Interactive);
    EXPECT_EQ(resolve_console_mode(ConsoleMode::Autopipe, false, false, true), ConsoleMode::Pipe);
    EXPECT_EQ(resolve_console_mode(ConsoleMode::Pipe, false, false, true), ConsoleMode::Pipe);
    EXPECT_TRUE(console_uses_pty(ConsoleMode::Passive));
    EXPECT_FALSE(console_uses_pty(ConsoleMode::Pipe));
}

TEST(Console, EscapeNeedsThreeCtrlBracketsWithinOneSecond) {
    using clock = std::chrono::steady_clock;
    auto t = clock::now();
    EscapeCounter e;
    EXPECT_FALSE(e.feed("\x1d\x1d", 2, t));
    EXPECT_TRUE(e.feed("\x1d", 1, t + std::chrono::milliseconds(500)));  // across reads
    EscapeCounter broken;
    EXPECT_FALSE(broken.feed("\x1d\x1d", 2, t));
    EXPECT_FALSE(broken.feed("x\x1d", 2, t + std::chrono::milliseconds(500)));  // another key starts over
    EXPECT_FALSE(broken.feed("\x1d", 1, t + std::chrono::milliseconds(600)));
    EXPECT_TRUE(broken.feed("\x1d", 1, t + std::chrono::milliseconds(700)));
    EscapeCounter slow;
    EXPECT_FALSE(slow.feed("\x1d", 1, t));
    EXPECT_FALSE(slow.feed("\x1d", 1, t + std::chrono::milliseconds(600)));
    EXPECT_FALSE(slow.feed("\x1d", 1, t + std::chrono::milliseconds(1200)));  // first one expired
    EXPECT_TRUE(slow.feed("\x1d\x1d", 2, t + std::chrono::milliseconds(1300)));
}

TEST(Env, SupplementaryGroups) {
    const char* group = "root:x:0:\nadm:x:4:alice,bob\nusers:x:100:bob\nalice:x:1000:\nwheel:x:10:carol,alice\n";
    EXPECT_EQ(supplementary_groups(group, "alice", 1000), (std::vector<gid_t>{4, 10}));
    EXPECT_EQ(supplementary_groups(group, "bob", 100), (std::vector<gid_t>{4}));
    EXPECT_TRUE(supplementary_groups(group, "root", 0).empty());
}
