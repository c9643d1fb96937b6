// The cgroup planner for each host layout, and systemd's unit name rules.
#include <gtest/gtest.h>

#include "container/cgroup_plan.hpp"

using namespace spawn::container;

TEST(CgroupPlan, UnifiedHost) {
    auto p = plan_cgroup(tracking_hierarchies(CgroupLayout::Unified), "web", "");
    EXPECT_EQ(p.unit, "machine-web.scope");
    EXPECT_EQ(p.relative, "/machine.slice/machine-web.scope");
    ASSERT_EQ(p.dirs.size(), 1u);
    EXPECT_EQ(p.dirs[0].path, "/sys/fs/cgroup/machine.slice/machine-web.scope");
    EXPECT_TRUE(p.dirs[0].v2);
    EXPECT_EQ(p.v2(), &p.dirs[0]);
    EXPECT_EQ(p.v1_with("pids"), nullptr);
}

TEST(CgroupPlan, HybridHost) {
    auto p = plan_cgroup(tracking_hierarchies(CgroupLayout::Hybrid), "web", "machine.slice");
    ASSERT_EQ(p.dirs.size(), 2u);
    EXPECT_EQ(p.dirs[0].path, "/sys/fs/cgroup/systemd/machine.slice/machine-web.scope");
    EXPECT_FALSE(p.dirs[0].v2);
    EXPECT_EQ(p.dirs[1].path, "/sys/fs/cgroup/unified/machine.slice/machine-web.scope");
    EXPECT_TRUE(p.dirs[1].v2);
}

// Every v1 controller hierarchy gets the scope too (not only the tracking ones).
TEST(CgroupPlan, HybridHostWithControllers) {
    auto hs = tracking_hierarchies(CgroupLayout::Hybrid);
    hs.push_back({"/sys/fs/cgroup/cpu,cpuacct", false, {"cpu", "cpuacct"}});
    hs.push_back({"/sys/fs/cgroup/pids", false, {"pids"}});
    hs.push_back({"/sys/fs/cgroup/devices", false, {"devices"}});
    auto p = plan_cgroup(hs, "web", "");
    ASSERT_EQ(p.dirs.size(), 5u);
    EXPECT_EQ(p.dirs[2].path, "/sys/fs/cgroup/cpu,cpuacct/machine.slice/machine-web.scope");
    ASSERT_NE(p.v1_with("cpuacct"), nullptr);
    EXPECT_EQ(p.v1_with("cpuacct")->path, "/sys/fs/cgroup/cpu,cpuacct/machine.slice/machine-web.scope");
    ASSERT_NE(p.v1_with("devices"), nullptr);
    EXPECT_EQ(p.v1_with("devices")->hierarchy, "/sys/fs/cgroup/devices");
    EXPECT_EQ(p.v1_with("memory"), nullptr);
    EXPECT_EQ(p.v2()->path, "/sys/fs/cgroup/unified/machine.slice/machine-web.scope");
}

TEST(CgroupPlan, LegacyHost) {
    auto p = plan_cgroup(tracking_hierarchies(CgroupLayout::Legacy), "web", "");
    ASSERT_EQ(p.dirs.size(), 1u);
    EXPECT_EQ(p.dirs[0].path, "/sys/fs/cgroup/systemd/machine.slice/machine-web.scope");
    EXPECT_EQ(p.v2(), nullptr);
}

TEST(CgroupPlan, MachineNamesAreEscapedLikeSystemd) {
    EXPECT_EQ(plan_cgroup(tracking_hierarchies(CgroupLayout::Unified), "my-box.lan", "").unit,
              "machine-my\\x2dbox.lan.scope");
    EXPECT_EQ(unit_name_escape(".hidden"), "\\x2ehidden");
}

TEST(CgroupPlan, NestedSlices) {
    EXPECT_EQ(slice_path(""), "machine.slice");
    EXPECT_EQ(slice_path("machine.slice"), "machine.slice");
    EXPECT_EQ(slice_path("a-b-c.slice"), "a.slice/a-b.slice/a-b-c.slice");
    auto p = plan_cgroup(tracking_hierarchies(CgroupLayout::Unified, "/cg"), "x", "tenant-blue.slice");
    EXPECT_EQ(p.dirs[0].path, "/cg/tenant.slice/tenant-blue.slice/machine-x.scope");
}
