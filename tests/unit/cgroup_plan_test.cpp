// The cgroup planner for each host layout, and systemd's unit name rules.
#include <gtest/gtest.h>

#include "container/cgroup_plan.hpp"

using namespace spawn::container;

TEST(CgroupPlan, UnifiedHost) {
    auto p = plan_cgroup(CgroupLayout::Unified, "web", "");
    EXPECT_EQ(p.unit, "machine-web.scope");
    EXPECT_EQ(p.relative, "/machine.slice/machine-web.scope");
    ASSERT_EQ(p.dirs.size(), 1u);
    EXPECT_EQ(p.dirs[0].path, "/sys/fs/cgroup/machine.slice/machine-web.scope");
    EXPECT_TRUE(p.dirs[0].v2);
}

TEST(CgroupPlan, HybridHost) {
    auto p = plan_cgroup(CgroupLayout::Hybrid, "web", "machine.slice");
    ASSERT_EQ(p.dirs.size(), 2u);
    EXPECT_EQ(p.dirs[0].path, "/sys/fs/cgroup/systemd/machine.slice/machine-web.scope");
    EXPECT_FALSE(p.dirs[0].v2);
    EXPECT_EQ(p.dirs[1].path, "/sys/fs/cgroup/unified/machine.slice/machine-web.scope");
    EXPECT_TRUE(p.dirs[1].v2);
}

TEST(CgroupPlan, LegacyHost) {
    auto p = plan_cgroup(CgroupLayout::Legacy, "web", "");
    ASSERT_EQ(p.dirs.size(), 1u);
    EXPECT_EQ(p.dirs[0].path, "/sys/fs/cgroup/systemd/machine.slice/machine-web.scope");
}

TEST(CgroupPlan, MachineNamesAreEscapedLikeSystemd) {
    EXPECT_EQ(plan_cgroup(CgroupLayout::Unified, "my-box.lan", "").unit, "machine-my\\x2dbox.lan.scope");
    EXPECT_EQ(unit_name_escape(".hidden"), "\\x2ehidden");
}

TEST(CgroupPlan, NestedSlices) {
    EXPECT_EQ(slice_path(""), "machine.slice");
    EXPECT_EQ(slice_path("machine.slice"), "machine.slice");
    EXPECT_EQ(slice_path("a-b-c.slice"), "a.slice/a-b.slice/a-b-c.slice");
    auto p = plan_cgroup(CgroupLayout::Unified, "x", "tenant-blue.slice", "/cg");
    EXPECT_EQ(p.dirs[0].path, "/cg/tenant.slice/tenant-blue.slice/machine-x.scope");
}

TEST(CgroupPlan, OwnCgroupFromProcSelfCgroup) {
    const char* hybrid =
        "12:pids:/system.slice/spawn@web.service\n"
        "1:name=systemd:/system.slice/spawn@web.service\n"
        "0::/system.slice/spawn@web.service\n";
    EXPECT_EQ(own_cgroup(hybrid, CgroupLayout::Hybrid), "/system.slice/spawn@web.service");
    EXPECT_EQ(own_cgroup("0::/user.slice/x:y.scope\n", CgroupLayout::Unified), "/user.slice/x:y.scope");
    EXPECT_EQ(own_cgroup("3:cpu:/\n", CgroupLayout::Unified), "");
}

TEST(CgroupPlan, KeepUnitPutsTheContainerBelowTheCallersUnit) {
    auto p = plan_cgroup_keep_unit(CgroupLayout::Unified, "/system.slice/spawn@web.service");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->unit, "spawn@web.service");
    EXPECT_EQ(p->relative, "/system.slice/spawn@web.service/payload");
    ASSERT_EQ(p->dirs.size(), 1u);
    EXPECT_EQ(p->dirs[0].path, "/sys/fs/cgroup/system.slice/spawn@web.service/payload");
    EXPECT_EQ(p->supervisor, std::vector<std::string>{"/sys/fs/cgroup/system.slice/spawn@web.service/supervisor"});
    auto h = plan_cgroup_keep_unit(CgroupLayout::Hybrid, "/system.slice/spawn@web.service");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->dirs.size(), 2u);
    EXPECT_EQ(h->supervisor.size(), 2u);
    // Not in a unit (spawn run by hand, or no systemd): machine.slice as usual.
    EXPECT_FALSE(plan_cgroup_keep_unit(CgroupLayout::Hybrid, "/"));
    EXPECT_FALSE(plan_cgroup_keep_unit(CgroupLayout::Unified, "/user.slice"));
    EXPECT_FALSE(plan_cgroup_keep_unit(CgroupLayout::Unified, ""));
}
