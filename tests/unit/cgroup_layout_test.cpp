// The integration tests' stand-in leaders (FakeLeader) follow the host's
// cgroup layout: the hierarchy choice for each layout, and this host's probe.
#include <filesystem>

#include <gtest/gtest.h>

#include "cgroup_layout.hpp"

using spawn::test::CgroupMounts;
using spawn::test::leader_hierarchies;
using V = std::vector<std::string>;

TEST(FakeLeaderCgroups, PureCgroup2UsesTheRootHierarchyOnly) {
    EXPECT_EQ(leader_hierarchies({true, false, false}), V{"/sys/fs/cgroup"});
    // What probe_cgroup_mounts never reports together, the root wins anyway.
    EXPECT_EQ(leader_hierarchies({true, true, true}, "/b"), V{"/b"});
}

TEST(FakeLeaderCgroups, HybridUsesNameSystemdAndUnified) {
    EXPECT_EQ(leader_hierarchies({false, true, true}), (V{"/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"}));
}

TEST(FakeLeaderCgroups, LegacyUsesNameSystemdOnly) {
    EXPECT_EQ(leader_hierarchies({false, true, false}), V{"/sys/fs/cgroup/systemd"});
}

TEST(FakeLeaderCgroups, NothingMountedGivesNothing) { EXPECT_EQ(leader_hierarchies({}), V{}); }

TEST(FakeLeaderCgroups, ProbeOfThisHostIsOneOfTheLayouts) {
    auto m = spawn::test::probe_cgroup_mounts();
    auto h = leader_hierarchies(m);
    if (h.empty()) GTEST_SKIP() << "no cgroup hierarchy is mounted at /sys/fs/cgroup here";
    for (const auto& d : h) EXPECT_TRUE(std::filesystem::exists(d + "/cgroup.procs")) << d;
    if (m.root_is_cgroup2) {
        EXPECT_FALSE(m.systemd_is_v1 || m.unified_is_cgroup2);
    }
    // A probe of a path that is no cgroup mount at all finds nothing.
    auto none = spawn::test::probe_cgroup_mounts("/proc");
    EXPECT_FALSE(none.root_is_cgroup2 || none.systemd_is_v1 || none.unified_is_cgroup2);
}
