// Which hierarchies the machine gets a cgroup in: mountinfo and
// /proc/self/cgroup parsing, matching, and the refusal of a v1 hierarchy spawn
// cannot reach (the container would sit in its root, next to release_agent).
#include <gtest/gtest.h>

#include "container/cgroup_hierarchies.hpp"

using namespace spawn::container;

namespace {

// This kind of host: hybrid, one hierarchy per controller, plus a combined one.
const char* kMountinfo =
    "23 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
    "50 23 0:32 /machine.slice /srv/mem\\040x rw - cgroup cgroup rw,memory\n";

const char* kSelf =
    "9:name=systemd:/\n"
    "8:pids:/\n"
    "4:memory:/user.slice\n"
    "3:cpuset:/\n"
    "2:cpuacct,cpu:/\n"
    "0::/\n";

}  // namespace

TEST(CgroupHierarchies, ParsesCgroupMountsFromMountinfo) {
    auto m = parse_cgroup_mounts(kMountinfo);
    ASSERT_EQ(m.size(), 7u);
    EXPECT_EQ(m[0], (CgroupMount{"/sys/fs/cgroup/cpu,cpuacct", "/", false, {"cpu", "cpuacct"}}));
    EXPECT_EQ(m[1].controllers, std::vector<std::string>{"cpuset"});  // clone_children is an option
    EXPECT_EQ(m[4].controllers, std::vector<std::string>{"name=systemd"});  // xattr, release_agent= too
    EXPECT_TRUE(m[5].v2);
    EXPECT_TRUE(m[5].controllers.empty());
    EXPECT_EQ(m[6].mount_point, "/srv/mem x");  // \040 unescaped
    EXPECT_EQ(m[6].root, "/machine.slice");
}

TEST(CgroupHierarchies, ParsesProcCgroup) {
    auto l = parse_proc_cgroup(kSelf);
    ASSERT_EQ(l.size(), 6u);
    EXPECT_EQ(l[0], (ProcCgroupLine{9, {"name=systemd"}, "/"}));
    EXPECT_EQ(l[4], (ProcCgroupLine{2, {"cpu", "cpuacct"}, "/"}));  // sorted
    EXPECT_EQ(l[5], (ProcCgroupLine{0, {}, "/"}));
}

TEST(CgroupHierarchies, MatchesEveryHierarchyWithItsWholeMount) {
    auto h = match_cgroup_hierarchies(parse_cgroup_mounts(kMountinfo), parse_proc_cgroup(kSelf));
    ASSERT_TRUE(h.ok()) << h.error().message();
    std::vector<std::string> mounts;
    for (const auto& x : *h) mounts.push_back(x.mount);
    // name=systemd first, cgroup2, then the controllers; the memory mount of
    // the whole hierarchy, not the one of /machine.slice.
    EXPECT_EQ(mounts, (std::vector<std::string>{"/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified",
                                                "/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory",
                                                "/sys/fs/cgroup/cpuset", "/sys/fs/cgroup/cpu,cpuacct"}));
    EXPECT_TRUE((*h)[1].v2);
    EXPECT_EQ((*h)[5].name(), "cpu,cpuacct");
    EXPECT_TRUE((*h)[5].has("cpuacct"));
    EXPECT_EQ((*h)[1].name(), "cgroup2");
}

TEST(CgroupHierarchies, UnifiedHost) {
    auto h = match_cgroup_hierarchies(
        parse_cgroup_mounts("30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"),
        parse_proc_cgroup("0::/user.slice/user-0.slice/session-1.scope\n"));
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->size(), 1u);
    EXPECT_EQ((*h)[0], (CgroupHierarchy{"/sys/fs/cgroup", true, {}}));
}

// A hierarchy that exists (another mount namespace mounted it) but is not
// mounted here: the container could mount it and find release_agent at its
// root, so spawn refuses, naming it.
TEST(CgroupHierarchies, RefusesAHierarchyItCannotReach) {
    auto h = match_cgroup_hierarchies(parse_cgroup_mounts(kMountinfo),
                                      parse_proc_cgroup(std::string(kSelf) + "12:net_cls,net_prio:/\n"));
    ASSERT_FALSE(h.ok());
    const auto& m = h.error().message();
    EXPECT_NE(m.find("cgroup v1 hierarchy net_cls,net_prio is not mounted"), std::string::npos) << m;
    EXPECT_NE(m.find("release_agent"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos);
    auto named = match_cgroup_hierarchies(parse_cgroup_mounts(kMountinfo),
                                          parse_proc_cgroup(std::string(kSelf) + "13:name=evil:/\n"));
    ASSERT_FALSE(named.ok());
    EXPECT_NE(named.error().message().find("name=evil"), std::string::npos);
    // Mounted only below its root: the same.
    auto partial = match_cgroup_hierarchies(
        parse_cgroup_mounts("50 23 0:32 /machine.slice /srv/mem rw - cgroup cgroup rw,memory\n"),
        parse_proc_cgroup("4:memory:/\n"));
    ASSERT_FALSE(partial.ok());
    EXPECT_NE(partial.error().message().find("only mounted below its root (/machine.slice at /srv/mem)"),
              std::string::npos)
        << partial.error().message();
}

TEST(CgroupHierarchies, UnmountedCgroup2IsNoError) {
    auto h = match_cgroup_hierarchies(parse_cgroup_mounts(kMountinfo), parse_proc_cgroup("8:pids:/\n0::/\n"));
    ASSERT_TRUE(h.ok());
    auto none = match_cgroup_hierarchies({}, parse_proc_cgroup("0::/\n"));
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
}

TEST(CgroupHierarchies, FindsV1RootCgroups) {
    EXPECT_EQ(v1_root_hierarchies(kSelf), (std::vector<std::string>{"name=systemd", "pids", "cpuset", "cpu,cpuacct"}));
    EXPECT_TRUE(v1_root_hierarchies("9:name=systemd:/machine.slice/m.scope\n8:pids:/machine.slice/m.scope\n0::/\n").empty());
}
