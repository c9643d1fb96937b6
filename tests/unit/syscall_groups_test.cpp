// systemd 252's system call groups as generated data, and their resolution.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "config/syscall_groups.hpp"

using namespace spawn;


namespace {
std::vector<std::string> names(std::string_view item) {
    auto r = resolve_syscall_item(item);
    EXPECT_TRUE(r.ok()) << item << ": " << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : std::vector<std::string>{};
}
bool has(const std::vector<std::string>& v, const char* n) { return std::binary_search(v.begin(), v.end(), n); }
std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
}  // namespace

TEST(SyscallGroups, TableIsSystemd252s) {
    EXPECT_EQ(syscall_table_source().rfind("systemd 252 ", 0), 0u) << syscall_table_source();
    for (const char* g : {"@default", "@aio", "@basic-io", "@chown", "@clock", "@cpu-emulation", "@debug",
                          "@file-system", "@io-event", "@ipc", "@keyring", "@memlock", "@module", "@mount",
                          "@network-io", "@obsolete", "@pkey", "@privileged", "@process", "@raw-io", "@reboot",
                          "@resources", "@setuid", "@signal", "@swap", "@sync", "@system-service", "@timer",
                          "@known"})
        EXPECT_NE(find_syscall_group(g), nullptr) << g;
    EXPECT_EQ(find_syscall_group("@mount")->description, "Mounting and unmounting of file systems");
}

TEST(SyscallGroups, NestedGroupsResolveToNames) {
    // @privileged names @chown @clock @module @raw-io @reboot @swap and calls of its own.
    auto priv = names("@privileged");
    for (const char* n : {"chown", "settimeofday", "init_module", "iopl", "kexec_load", "swapon", "acct", "bpf"})
        EXPECT_TRUE(has(priv, n)) << n;
    EXPECT_TRUE(std::none_of(priv.begin(), priv.end(), [](const std::string& n) { return n.starts_with('@'); }));
    EXPECT_TRUE(std::is_sorted(priv.begin(), priv.end()));
    EXPECT_EQ(std::adjacent_find(priv.begin(), priv.end()), priv.end());
    // @known holds @obsolete.
    EXPECT_TRUE(has(names("@known"), "uselib"));
    // A single name is itself.
    EXPECT_EQ(names("mount"), std::vector<std::string>{"mount"});
}

TEST(SyscallGroups, UnknownGroupIsAnErrorNamingIt) {
    auto r = resolve_syscall_item("@bogus");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), "unknown system call group '@bogus'");
    EXPECT_EQ(find_syscall_group("mount"), nullptr);
}

TEST(SyscallGroups, EveryMemberResolvesAndKnownIsWhat252Knows) {
    // No dangling @group in the table.
    size_t in_groups = 0;
    for (const auto& g : syscall_groups()) {
        auto r = resolve_syscall_item(g.name);
        ASSERT_TRUE(r.ok()) << g.name << ": " << r.error().message();
        in_groups += r->size();
    }
    EXPECT_GT(in_groups, 1000u);
    // @known is 252's own list: it has calls no other group has ...
    for (const char* n : {"futex_wake", "map_shadow_stack", "fchmodat2", "keyctl", "landlock_add_rule", "uselib"})
        EXPECT_TRUE(syscall_is_known(n)) << n;
    // ... and lacks a few that groups name (so nspawn answers them ENOSYS, not EPERM) ...
    for (const char* n : {"nfsservctl", "set_tls", "uretprobe"}) EXPECT_FALSE(syscall_is_known(n)) << n;
    // ... and everything newer than it.
    for (const char* n : {"cachestat", "listmount", "statmount", "mseal", "lsm_get_self_attr", "open_tree_attr",
                          "file_getattr", "@mount"})
        EXPECT_FALSE(syscall_is_known(n)) << n;
}

// The committed table is what tools/gen-syscall-groups makes from this host's
// systemd-analyze, when that is the same systemd version.
TEST(SyscallGroups, GeneratedTableIsCurrent) {
    const char* root = getenv("SPAWN_SOURCE_ROOT");
    if (!root) GTEST_SKIP() << "SPAWN_SOURCE_ROOT not set (run through meson test)";
    if (system("command -v systemd-analyze >/dev/null 2>&1") != 0) GTEST_SKIP() << "no systemd-analyze here";
    FILE* v = popen("systemd-analyze --version | head -n1", "r");
    char buf[256] = {};
    if (v) {
        if (!fgets(buf, sizeof buf, v)) buf[0] = 0;
        pclose(v);
    }
    std::string version(buf);
    if (!version.empty() && version.back() == '\n') version.pop_back();
    if (version != syscall_table_source())
        GTEST_SKIP() << "systemd here is '" << version << "', the table is from '" << syscall_table_source() << "'";
    char tmpl[] = "/tmp/syscall-table-XXXXXX";
    int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    close(fd);
    std::string cmd = std::string(root) + "/tools/gen-syscall-groups " + tmpl + " 2>/dev/null";
    ASSERT_EQ(system(cmd.c_str()), 0) << cmd;
    std::string fresh = slurp(tmpl), committed = slurp(std::string(root) + "/src/lib/config/syscall_group_table.cpp");
    unlink(tmpl);
    EXPECT_FALSE(fresh.empty());
    EXPECT_EQ(fresh, committed) << "run tools/gen-syscall-groups and commit the result";
}
