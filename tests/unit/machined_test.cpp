// Pure parts of the machined area: --property planning for systemd and for
// direct cgroup writes (v1 and v2), unit names, names, os-release parsing.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "images/store.hpp"
#include "journal/reader.hpp"
#include "machined/registry.hpp"
#include "container/cgroup_limits.hpp"
#include "machined/scope.hpp"

using namespace spawn;
using namespace spawn::container;
using namespace spawn::machined;

TEST(ScopeUnitName, EscapesLikeSystemd) {
    EXPECT_EQ(scope_unit_name("web"), "machine-web.scope");
    EXPECT_EQ(scope_unit_name("my-box"), "machine-my\\x2dbox.scope");
    EXPECT_EQ(scope_unit_name("a.b_c"), "machine-a.b_c.scope");
}

TEST(Property, ParsesSizesPercentagesAndLists) {
    auto m = parse_property("MemoryMax=512M");
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->name, "MemoryMax");
    EXPECT_EQ(std::get<uint64_t>(m->value), 512ull << 20);
    EXPECT_EQ(std::get<uint64_t>(parse_property("MemoryMax=infinity")->value), UINT64_MAX);
    EXPECT_EQ(std::get<uint64_t>(parse_property("MemoryHigh=1G")->value), 1ull << 30);
    EXPECT_EQ(std::get<uint64_t>(parse_property("MemoryMax=4096")->value), 4096u);
    EXPECT_EQ(std::get<uint64_t>(parse_property("CPUQuota=50%")->value), 500000u);
    EXPECT_EQ(std::get<uint64_t>(parse_property("TasksMax=64")->value), 64u);
    EXPECT_EQ(std::get<std::string>(parse_property("AllowedCPUs=0-1,3")->value), "0-1,3");
    EXPECT_EQ(std::get<bool>(parse_property("Delegate=yes")->value), true);
}

TEST(Property, RefusesUnknownNamesAndBadValuesClearly) {
    auto u = parse_property("IPAddressDeny=any");
    ASSERT_FALSE(u.ok());
    EXPECT_NE(u.error().message().find("unsupported property \"IPAddressDeny\""), std::string::npos);
    EXPECT_NE(u.error().message().find("DeviceAllow"), std::string::npos);  // listed as supported
    EXPECT_FALSE(parse_property("MemoryMax").ok());
    EXPECT_FALSE(parse_property("=5").ok());
    EXPECT_NE(parse_property("MemoryMax=12Q").error().message().find("MemoryMax=12Q"), std::string::npos);
    EXPECT_FALSE(parse_property("MemoryMax=abc").ok());
    EXPECT_FALSE(parse_property("CPUQuota=50").ok());
    EXPECT_FALSE(parse_property("CPUQuota=0%").ok());
    EXPECT_FALSE(parse_property("CPUWeight=0").ok());
    EXPECT_FALSE(parse_property("CPUWeight=10001").ok());
    EXPECT_FALSE(parse_property("TasksMax=-1").ok());
    EXPECT_FALSE(parse_property("AllowedCPUs=all").ok());
    // Every item a CPU or an ascending range: nothing dropped later.
    for (const char* bad : {"AllowedCPUs=5-2", "AllowedCPUs=0-3,,6", "AllowedCPUs=9000", "AllowedCPUs=-1",
                            "AllowedMemoryNodes=0-", "AllowedCPUs="})
        EXPECT_FALSE(parse_property(bad).ok()) << bad;
    EXPECT_EQ(cpu_list_mask("0-3,9"), (std::vector<uint8_t>{0x0f, 0x02}));
    EXPECT_FALSE(parse_property("Delegate=maybe").ok());
    EXPECT_FALSE(parse_property("MemoryMax=99999999999T").ok());
}

static std::vector<CgroupWrite> plan(const std::vector<std::string>& props, CgroupLayout layout) {
    auto p = parse_properties(props);
    EXPECT_TRUE(p.ok()) << p.error().message();
    auto w = plan_cgroup_limits(*p, layout);
    EXPECT_TRUE(w.ok()) << w.error().message();
    return w.ok() ? *w : std::vector<CgroupWrite>{};
}

TEST(CgroupPlan, UnifiedFiles) {
    auto w = plan({"MemoryMax=512M", "MemoryHigh=256M", "TasksMax=100", "CPUQuota=150%", "CPUWeight=200", "IOWeight=50",
                   "MemorySwapMax=infinity", "AllowedCPUs=0"},
                  CgroupLayout::Unified);
    std::vector<CgroupWrite> want = {
        {"", "memory.max", "536870912"},  {"", "memory.high", "268435456"}, {"", "pids.max", "100"},
        {"", "cpu.max", "150000 100000"}, {"", "cpu.weight", "200"},        {"", "io.weight", "default 50"},
        {"", "memory.swap.max", "max"},   {"", "cpuset.cpus", "0"},
    };
    EXPECT_EQ(w, want);
}

TEST(CgroupPlan, LegacyControllerFiles) {
    auto w = plan({"MemoryMax=1G", "TasksMax=infinity", "CPUQuota=50%", "CPUWeight=100", "CPUShares=512"},
                  CgroupLayout::Legacy);
    std::vector<CgroupWrite> want = {
        {"memory", "memory.limit_in_bytes", "1073741824"}, {"pids", "pids.max", "max"},
        {"cpu", "cpu.cfs_period_us", "100000"},           {"cpu", "cpu.cfs_quota_us", "50000"},
        {"cpu", "cpu.shares", "1024"},                    {"cpu", "cpu.shares", "512"},
    };
    EXPECT_EQ(w, want);
    auto inf = plan({"MemoryMax=infinity"}, CgroupLayout::Legacy);
    ASSERT_EQ(inf.size(), 1u);
    EXPECT_EQ(inf[0].value, "-1");
}

TEST(Property, DeviceAllowIsCheckedHereAndLeftToTheDevicePolicy) {
    auto d = parse_property("DeviceAllow=/dev/loop-control rw");
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_EQ(std::get<std::string>(d->value), "/dev/loop-control rw");
    auto bad = parse_property("DeviceAllow=/dev/null xyz");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message().find("--property=DeviceAllow=/dev/null xyz: bad access"), std::string::npos);
    EXPECT_TRUE(plan({"DeviceAllow=char-pts rw"}, CgroupLayout::Hybrid).empty());  // no cgroup file of its own
}

TEST(CgroupLimits, DefaultTasksMaxUnlessGiven) {
    auto hs = container::tracking_hierarchies(CgroupLayout::Hybrid);
    hs.push_back({"/sys/fs/cgroup/pids", false, {"pids"}});
    auto d = CgroupLimits::plan({}, hs, CgroupLayout::Hybrid, true, "");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->writes(), (std::vector<CgroupWrite>{{"pids", "pids.max", "16384"}}));
    auto given = CgroupLimits::plan({"TasksMax=40"}, hs, CgroupLayout::Hybrid, true, "");
    ASSERT_TRUE(given.ok());
    EXPECT_EQ(given->writes(), (std::vector<CgroupWrite>{{"pids", "pids.max", "40"}}));
    auto keep_unit = CgroupLimits::plan({}, hs, CgroupLayout::Hybrid, false, "");
    EXPECT_TRUE(keep_unit->writes().empty());
    // No pids hierarchy: no default, but an explicit TasksMax is refused before anything is set up.
    auto bare = container::tracking_hierarchies(CgroupLayout::Hybrid);
    EXPECT_TRUE(CgroupLimits::plan({}, bare, CgroupLayout::Hybrid, true, "")->writes().empty());
    auto no_pids = CgroupLimits::plan({"TasksMax=40"}, bare, CgroupLayout::Hybrid, true, "");
    ASSERT_FALSE(no_pids.ok());
    EXPECT_NE(no_pids.error().message().find("--property=TasksMax=: no cgroup v1 pids hierarchy"), std::string::npos)
        << no_pids.error().message();
    // Unified: where the root's cgroup.controllers offers pids.
    auto v2 = container::tracking_hierarchies(CgroupLayout::Unified);
    auto u = CgroupLimits::plan({}, v2, CgroupLayout::Unified, true, "cpuset cpu io memory pids\n");
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->writes(), (std::vector<CgroupWrite>{{"", "pids.max", "16384"}}));
    EXPECT_TRUE(CgroupLimits::plan({}, v2, CgroupLayout::Unified, true, "cpu memory\n")->writes().empty());
}

TEST(CgroupPlan, V2OnlyLimitsAreRefusedOnV1) {
    auto p = parse_properties({"MemoryHigh=1G"});
    ASSERT_TRUE(p.ok());
    auto w = plan_cgroup_limits(*p, CgroupLayout::Legacy);
    ASSERT_FALSE(w.ok());
    EXPECT_NE(w.error().message().find("MemoryHigh"), std::string::npos);
    EXPECT_NE(w.error().message().find("cgroup v1"), std::string::npos);
}

TEST(TransientScope, PlansWhatSystemdGets) {
    auto s = plan_transient_scope("web-1", 4242, "", {"MemoryMax=1G", "CPUQuota=20%", "AllowedCPUs=0-1"});
    ASSERT_TRUE(s.ok()) << s.error().message();
    EXPECT_EQ(s->unit, "machine-web\\x2d1.scope");
    EXPECT_EQ(s->mode, "fail");
    EXPECT_EQ(s->pids, std::vector<uint32_t>{4242});
    auto has = [&](const UnitProperty& p) {
        return std::find(s->properties.begin(), s->properties.end(), p) != s->properties.end();
    };
    EXPECT_TRUE(has({"Description", std::string("Container web-1")}));
    EXPECT_TRUE(has({"Slice", std::string("machine.slice")}));
    EXPECT_TRUE(has({"Delegate", true}));
    EXPECT_TRUE(has({"MemoryMax", uint64_t{1} << 30}));
    EXPECT_TRUE(has({"CPUQuotaPerSecUSec", uint64_t{200000}}));
    EXPECT_TRUE(has({"AllowedCPUs", std::string("0-1")}));
    // nspawn's device policy and systemd-nspawn@.service's TasksMax.
    EXPECT_TRUE(has({"DevicePolicy", std::string("closed")}));
    EXPECT_TRUE(has({"DeviceAllow", DeviceAllowList{{"/dev/net/tun", "rwm"}, {"char-pts", "rw"}}}));
    EXPECT_TRUE(has({"TasksMax", uint64_t{16384}}));
    auto custom = plan_transient_scope("x", 1, "tenants.slice", {});
    ASSERT_TRUE(custom.ok());
    EXPECT_EQ(std::find(custom->properties.begin(), custom->properties.end(), UnitProperty{"Slice", std::string("tenants.slice")}) !=
                  custom->properties.end(),
              true);
}

TEST(TransientScope, DeviceAllowAndTasksMaxFromTheCommandLine) {
    auto s = plan_transient_scope("x", 1, "", {"TasksMax=40", "DeviceAllow=/dev/loop-control rw", "DeviceAllow=char-misc"},
                                  {{"/dev/fuse", "r"}});
    ASSERT_TRUE(s.ok()) << s.error().message();
    size_t device_allow = 0, tasks = 0;
    for (const auto& p : s->properties) {
        if (p.name == "DeviceAllow") {
            ++device_allow;
            EXPECT_EQ(std::get<DeviceAllowList>(p.value),
                      (DeviceAllowList{{"/dev/net/tun", "rwm"}, {"char-pts", "rw"}, {"/dev/fuse", "r"},
                                       {"/dev/loop-control", "rw"}, {"char-misc", "rwm"}}));
        }
        if (p.name == "TasksMax") {
            ++tasks;
            EXPECT_EQ(std::get<uint64_t>(p.value), 40u);
        }
    }
    EXPECT_EQ(device_allow, 1u);  // one a(ss) property
    EXPECT_EQ(tasks, 1u);         // no default next to the user's
    EXPECT_FALSE(plan_transient_scope("x", 1, "", {"DeviceAllow=/dev/null xyz"}).ok());
}

TEST(TransientScope, RefusesBadInput) {
    EXPECT_FALSE(plan_transient_scope("../x", 1, "", {}).ok());
    // The option parser's rule and wording (one check of -S in the project).
    EXPECT_EQ(plan_transient_scope("x", 1, "a/b", {}).error().message(), "Invalid --slice: 'a/b' (not a valid unit name)");
    auto appended = plan_transient_scope("x", 1, "tenants", {});
    ASSERT_TRUE(appended.ok());
    EXPECT_NE(std::find(appended->properties.begin(), appended->properties.end(),
                        UnitProperty{"Slice", std::string("tenants.slice")}),
              appended->properties.end());
    EXPECT_FALSE(plan_transient_scope("x", 1, "", {"Delegate=no"}).ok());
    EXPECT_FALSE(plan_transient_scope("x", 1, "", {"Bogus=1"}).ok());
}

TEST(CgroupApply, WritesThePlanIntoAFakeHierarchy) {
    char tmpl[] = "/tmp/spawn-cg-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    std::string root = tmpl;
    std::filesystem::create_directories(root + "/machine.slice/machine-x.scope");
    for (const char* f : {"cgroup.subtree_control", "machine.slice/cgroup.subtree_control",
                          "machine.slice/machine-x.scope/memory.max", "machine.slice/machine-x.scope/pids.max"})
        std::ofstream(root + "/" + f) << "";
    auto cg = container::plan_cgroup(container::tracking_hierarchies(CgroupLayout::Unified, root), "x", "");
    auto w = plan({"MemoryMax=1M", "TasksMax=5"}, CgroupLayout::Unified);
    auto r = apply_cgroup_limits(w, cg);
    EXPECT_TRUE(r.ok()) << r.error().message();
    auto slurp = [](const std::string& p) {
        std::ifstream in(p);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    EXPECT_EQ(slurp(root + "/machine.slice/machine-x.scope/memory.max"), "1048576");
    EXPECT_EQ(slurp(root + "/machine.slice/machine-x.scope/pids.max"), "5");
    std::string sc = slurp(root + "/machine.slice/cgroup.subtree_control");
    EXPECT_TRUE(sc == "+memory" || sc == "+pids") << sc;  // each write replaces the file here
    auto missing = apply_cgroup_limits(plan({"CPUWeight=5"}, CgroupLayout::Unified), cg);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message().find("cpu.weight"), std::string::npos);
    std::filesystem::remove_all(root);
}

// v1: each write goes to the hierarchy holding its controller; nothing is created.
TEST(CgroupApply, V1WritesGoToTheControllersHierarchy) {
    char tmpl[] = "/tmp/spawn-cg-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    std::string root = tmpl;
    auto hs = container::tracking_hierarchies(CgroupLayout::Hybrid, root);
    hs.push_back({root + "/cpu,cpuacct", false, {"cpu", "cpuacct"}});
    hs.push_back({root + "/pids", false, {"pids"}});
    auto cg = container::plan_cgroup(hs, "x", "");
    for (const char* h : {"/cpu,cpuacct", "/pids"}) {
        std::filesystem::create_directories(root + h + cg.relative);
        for (const char* f : {"/cpu.cfs_quota_us", "/cpu.cfs_period_us", "/pids.max"})
            std::ofstream(root + h + cg.relative + f) << "";
    }
    auto r = apply_cgroup_limits(plan({"CPUQuota=50%", "TasksMax=7"}, CgroupLayout::Hybrid), cg);
    EXPECT_TRUE(r.ok()) << r.error().message();
    std::ifstream q(root + "/cpu,cpuacct" + cg.relative + "/cpu.cfs_quota_us"), t(root + "/pids" + cg.relative + "/pids.max");
    std::string qs, ts;
    q >> qs;
    t >> ts;
    EXPECT_EQ(qs, "50000");
    EXPECT_EQ(ts, "7");
    auto no_memory = apply_cgroup_limits(plan({"MemoryMax=1M"}, CgroupLayout::Hybrid), cg);
    ASSERT_FALSE(no_memory.ok());
    EXPECT_FALSE(std::filesystem::exists(root + "/memory"));
    std::filesystem::remove_all(root);
}

TEST(Journal, UnitNamesAndFormats) {
    EXPECT_EQ(journal::unit_name("sshd"), "sshd.service");
    EXPECT_EQ(journal::unit_name("init.scope"), "init.scope");
    EXPECT_EQ(journal::unit_name("foo.socket"), "foo.socket");
    EXPECT_TRUE(journal::parse_format("json").ok());
    EXPECT_TRUE(journal::parse_format("cat").ok());
    EXPECT_FALSE(journal::parse_format("xml").ok());
}
