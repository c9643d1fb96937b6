// The mount plan: order, flags and the security-relevant properties of every
// step, for the default container and with the custom-mount options.
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "config/derived.hpp"
#include "container/mount_plan.hpp"

using namespace spawn;
using namespace spawn::container;

namespace {

std::vector<MountStep> plan(const Config& c, CgroupLayout layout = CgroupLayout::Unified) {
    MountFacts facts;
    facts.cgroup = layout;
    return plan_mounts(c, facts);
}

// Index of the first step of kind on target, or -1.
long find(const std::vector<MountStep>& p, StepKind kind, const std::string& target) {
    for (size_t i = 0; i < p.size(); ++i)
        if (p[i].kind == kind && p[i].target == target) return static_cast<long>(i);
    return -1;
}

const MountStep& at(const std::vector<MountStep>& p, StepKind kind, const std::string& target) {
    long i = find(p, kind, target);
    EXPECT_GE(i, 0) << "no step for " << target;
    static MountStep none;
    return i < 0 ? none : p[static_cast<size_t>(i)];
}

}  // namespace

TEST(MountPlan, ProcIsNosuidNoexecNodevWithReadOnlySysAndMasks) {
    auto p = plan(Config{});
    const auto& proc = at(p, StepKind::Mount, "/proc");
    EXPECT_EQ(proc.fstype, "proc");
    EXPECT_EQ(proc.flags & (MS_NOSUID | MS_NOEXEC | MS_NODEV), MS_NOSUID | MS_NOEXEC | MS_NODEV);
    EXPECT_TRUE(proc.no_symlinks);
    const auto& sys = at(p, StepKind::Bind, "/proc/sys");
    EXPECT_TRUE(sys.read_only);
    EXPECT_TRUE(sys.source_in_root);
    EXPECT_EQ(sys.source, "/proc/sys");
    EXPECT_GT(find(p, StepKind::Bind, "/proc/sys"), find(p, StepKind::Mount, "/proc"));
    for (const char* m : {"/proc/kallsyms", "/proc/kcore", "/proc/keys", "/proc/sysrq-trigger", "/proc/timer_list"}) {
        const auto& s = at(p, StepKind::Bind, m);
        EXPECT_EQ(s.source, "/dev/null") << m;
        EXPECT_TRUE(s.source_in_root) << m;
        EXPECT_TRUE(s.read_only) << m;
        EXPECT_TRUE(s.no_symlinks) << m;
        // /dev/null must exist in the container before it masks anything.
        EXPECT_LT(find(p, StepKind::MakeNode, "/dev/null"), find(p, StepKind::Bind, m)) << m;
    }
}

TEST(MountPlan, SysIsReadOnly) {
    auto p = plan(Config{});
    const auto& sys = at(p, StepKind::Mount, "/sys");
    EXPECT_EQ(sys.fstype, "sysfs");
    EXPECT_TRUE(sys.flags & MS_RDONLY);
    EXPECT_TRUE(sys.no_symlinks);
}

TEST(MountPlan, DevHasTheDeviceNodesPtsAndShm) {
    auto p = plan(Config{});
    EXPECT_EQ(at(p, StepKind::Mount, "/dev").fstype, "tmpfs");
    struct Node {
        const char* path;
        unsigned maj, min;
    };
    for (Node n : {Node{"/dev/null", 1, 3}, Node{"/dev/zero", 1, 5}, Node{"/dev/full", 1, 7},
                   Node{"/dev/random", 1, 8}, Node{"/dev/urandom", 1, 9}, Node{"/dev/tty", 5, 0},
                   Node{"/dev/net/tun", 10, 200}}) {
        const auto& s = at(p, StepKind::MakeNode, n.path);
        EXPECT_EQ(s.dev, makedev(n.maj, n.min)) << n.path;
        EXPECT_TRUE(S_ISCHR(s.mode)) << n.path;
        EXPECT_GT(find(p, StepKind::MakeNode, n.path), find(p, StepKind::Mount, "/dev")) << n.path;
    }
    const auto& pts = at(p, StepKind::Mount, "/dev/pts");
    EXPECT_EQ(pts.fstype, "devpts");
    EXPECT_NE(pts.data.find("newinstance"), std::string::npos);
    EXPECT_NE(pts.data.find("ptmxmode=0666"), std::string::npos);
    EXPECT_EQ(at(p, StepKind::Symlink, "/dev/ptmx").source, "pts/ptmx");
    EXPECT_EQ(at(p, StepKind::Mount, "/dev/shm").fstype, "tmpfs");
    EXPECT_EQ(at(p, StepKind::Mount, "/run").fstype, "tmpfs");
}

TEST(MountPlan, KernelFileSystemsNeverFollowSymlinks) {
    for (const auto& s : plan(Config{})) {
        if (s.target.rfind("/proc", 0) == 0 || s.target.rfind("/sys", 0) == 0 || s.target.rfind("/dev", 0) == 0) {
            EXPECT_TRUE(s.no_symlinks) << describe(s);
        }
    }
}

TEST(MountPlan, CgroupMountsFollowTheHostLayout) {
    auto unified = plan(Config{}, CgroupLayout::Unified);
    EXPECT_EQ(at(unified, StepKind::Mount, "/sys/fs/cgroup").fstype, "cgroup2");
    EXPECT_EQ(find(unified, StepKind::Mount, "/sys/fs/cgroup/systemd"), -1);

    auto hybrid = plan(Config{}, CgroupLayout::Hybrid);
    EXPECT_EQ(at(hybrid, StepKind::Mount, "/sys/fs/cgroup").fstype, "tmpfs");
    const auto& sd = at(hybrid, StepKind::Mount, "/sys/fs/cgroup/systemd");
    EXPECT_EQ(sd.fstype, "cgroup");
    EXPECT_NE(sd.data.find("name=systemd"), std::string::npos);
    EXPECT_FALSE(sd.flags & MS_RDONLY);  // delegated: the guest's systemd writes there
    EXPECT_EQ(at(hybrid, StepKind::Mount, "/sys/fs/cgroup/unified").fstype, "cgroup2");
    // The tmpfs goes read-only after its mount points were made.
    EXPECT_GT(find(hybrid, StepKind::RemountRo, "/sys/fs/cgroup"), find(hybrid, StepKind::Mount, "/sys/fs/cgroup/unified"));

    auto legacy = plan(Config{}, CgroupLayout::Legacy);
    EXPECT_GE(find(legacy, StepKind::Mount, "/sys/fs/cgroup/systemd"), 0);
    EXPECT_EQ(find(legacy, StepKind::Mount, "/sys/fs/cgroup/unified"), -1);
}

TEST(MountPlan, BindsAndTmpfsComeAfterTheApiFileSystemsParentsFirst) {
    Config c;
    c.binds.push_back({"/srv/data", "/mnt/data/sub", false, true, ""});
    c.binds.push_back({"/etc/hosts", "/mnt/hosts", true, true, ""});
    c.binds.push_back({"+/usr/share", "/mnt/share", false, false, "norbind"});
    c.tmpfs.push_back({"/mnt", "mode=0700"});
    auto p = plan(c);
    long tmp = find(p, StepKind::Mount, "/tmp");
    long mnt = find(p, StepKind::Mount, "/mnt");
    long sub = find(p, StepKind::Bind, "/mnt/data/sub");
    ASSERT_GE(mnt, 0);
    EXPECT_GT(mnt, tmp);
    EXPECT_LT(mnt, sub);  // the tmpfs on /mnt first, the bind below it after
    EXPECT_EQ(p[static_cast<size_t>(mnt)].data, "mode=0700");
    const auto& ro = at(p, StepKind::Bind, "/mnt/hosts");
    EXPECT_TRUE(ro.read_only);
    EXPECT_EQ(ro.source, "/etc/hosts");
    EXPECT_FALSE(ro.source_in_root);
    EXPECT_TRUE(ro.flags & MS_REC);
    const auto& share = at(p, StepKind::Bind, "/mnt/share");
    EXPECT_TRUE(share.source_in_root);
    EXPECT_EQ(share.source, "/usr/share");
    EXPECT_FALSE(share.flags & MS_REC);
    EXPECT_FALSE(at(p, StepKind::Bind, "/mnt/data/sub").read_only);
}

TEST(MountPlan, ReadOnlyRootIsTheLastStep) {
    Config c;
    EXPECT_EQ(find(plan(c), StepKind::RemountRo, "/"), -1);
    c.read_only = true;
    c.binds.push_back({"/srv", "/srv", false, true, ""});
    auto p = plan(c);
    ASSERT_FALSE(p.empty());
    EXPECT_EQ(p.back().kind, StepKind::RemountRo);
    EXPECT_EQ(p.back().target, "/");
}

TEST(MountPlan, DefaultTmpfsOptions) {
    Config c;
    c.tmpfs.push_back({"/scratch", ""});
    EXPECT_EQ(at(plan(c), StepKind::Mount, "/scratch").data, "mode=0755");
}

TEST(MountPlan, CgroupMountsAreTheOnlyStepsThatNeedTheCgroupNamespace) {
    auto p = plan(Config{}, CgroupLayout::Hybrid);
    auto late = plan_part(p, true);
    auto early = plan_part(p, false);
    EXPECT_EQ(late.size() + early.size(), p.size());
    ASSERT_FALSE(late.empty());
    for (const auto& s : late) EXPECT_EQ(s.target.rfind("/sys/fs/cgroup", 0), 0u) << describe(s);
    for (const auto& s : early) EXPECT_NE(s.target.rfind("/sys/fs/cgroup", 0), 0u) << describe(s);
}

TEST(MountPlan, ProcSysNetIsWritableOnlyWithAnOwnNetworkNamespace) {
    Config c;
    EXPECT_EQ(find(plan(c), StepKind::Bind, "/proc/sys/net"), -1);
    c.net.private_network = true;
    auto p = plan(c);
    const auto& net = at(p, StepKind::Bind, "/proc/sys/net");
    EXPECT_TRUE(net.read_write);
    EXPECT_FALSE(net.read_only);
    EXPECT_GT(find(p, StepKind::Bind, "/proc/sys/net"), find(p, StepKind::Bind, "/proc/sys"));
    Config v;
    v.net.veth = true;
    EXPECT_TRUE(own_network(v.net));
    EXPECT_FALSE(own_network(Config{}.net));
}

// An OCI bundle's masked and read-only paths: last, over spawn's own mounts
// and the custom ones, skipped when missing; under a user namespace those in
// /proc and /sys are the container's own (inner) steps, after its proc.
TEST(MountPlan, BundlePathsAreMaskedAndMadeReadOnlyLastAndOptionally) {
    Config c;
    c.masked_paths = {"/proc/kcore", "/etc/secret"};
    c.read_only_paths = {"/proc/sys"};
    c.binds.push_back({"/srv/data", "/etc", false, true, "", BindIdmap::None, 0, false});
    auto p = plan(c);
    long masked = find(p, StepKind::Inaccessible, "/etc/secret");
    ASSERT_GE(masked, 0);
    EXPECT_GT(masked, find(p, StepKind::Bind, "/etc")) << "after the bind it lies in";
    EXPECT_TRUE(p[static_cast<size_t>(masked)].optional);
    const MountStep& ro = p.back();
    EXPECT_EQ(ro.kind, StepKind::Bind);
    EXPECT_EQ(ro.target, "/proc/sys");
    EXPECT_TRUE(ro.source_in_root && ro.read_only && ro.optional);
    EXPECT_GT(p.size() - 1, static_cast<size_t>(find(p, StepKind::Mount, "/proc")));

    MountFacts facts;
    facts.userns = true;
    auto u = plan_mounts(c, facts);
    for (const auto& s : u) {
        if (s.target == "/proc/kcore" && s.kind == StepKind::Inaccessible) {
            EXPECT_TRUE(s.inner);
        } else if (s.target == "/etc/secret") {
            EXPECT_FALSE(s.inner);
        }
    }
}

// With a user namespace, a joined PID or IPC namespace belongs to the host's
// user namespace: its proc (with the masks) and its mqueue are mounted by the
// outer child, not by the container.
TEST(MountPlan, JoinedNamespacesFileSystemsAreOuter) {
    Config c;
    MountFacts facts;
    facts.userns = true;
    auto inner_of = [&](const char* fstype) {
        for (const auto& s : plan_mounts(c, facts))
            if (s.kind == StepKind::Mount && s.fstype == fstype) return s.inner;
        ADD_FAILURE() << "no " << fstype << " mount";
        return false;
    };
    auto kcore_inner = [&] {
        for (const auto& s : plan_mounts(c, facts))
            if (s.target == "/proc/kcore") return s.inner;
        return true;
    };
    EXPECT_TRUE(inner_of("proc"));
    EXPECT_TRUE(inner_of("mqueue"));
    EXPECT_TRUE(kcore_inner());
    facts.joined = CLONE_NEWPID | CLONE_NEWIPC;
    EXPECT_FALSE(inner_of("proc"));
    EXPECT_FALSE(inner_of("mqueue"));
    EXPECT_FALSE(kcore_inner());
    EXPECT_TRUE(inner_of("devpts"));
}
