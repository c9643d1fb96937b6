// The start plan (start/plan.hpp): every mode of a start planned from made-up
// host facts, without root: what is derived, and derived once.
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "container/caps.hpp"
#include "start/plan.hpp"

using namespace spawn;
using namespace spawn::start;

namespace {

HostFacts hybrid_host() {
    HostFacts h;
    h.cgroup_layout = container::CgroupLayout::Hybrid;
    h.cgroup_hierarchies = container::tracking_hierarchies(container::CgroupLayout::Hybrid);
    h.cgroup_hierarchies.push_back({"/sys/fs/cgroup/pids", false, {"pids"}});
    h.cgroup_hierarchies.push_back({"/sys/fs/cgroup/devices", false, {"devices"}});
    h.own_cgroup_text = "9:name=systemd:/system.slice/spawn@deb.service\n0::/system.slice/spawn@deb.service\n";
    h.pid = 4242;
    h.devices.proc_devices = "Character devices:\n  1 mem\n136 pts\n\nBlock devices:\n  7 loop\n";
    h.devices.stat = [](const std::string&) -> Result<std::optional<container::DeviceNode>> {
        return std::optional<container::DeviceNode>();
    };
    return h;
}

Config command(std::vector<std::string> cmd = {"/bin/true"}) {
    Config c;
    c.directory = "/srv/tree";
    c.machine = "tree";
    c.command = std::move(cmd);
    return c;
}

const TreeFacts kTree{"/srv/tree", std::nullopt};
const Uuid kRandom = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x47, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

StartPlan plan(const Config& c, const HostFacts& h = hybrid_host(), const TreeFacts& t = kTree) {
    auto p = plan_start(c, h, t, kRandom);
    EXPECT_TRUE(p.ok()) << p.error().message();
    return p.ok() ? *p : StartPlan{};
}

}  // namespace

TEST(StartPlan, ACommandWithoutSystemd) {
    auto p = plan(command());
    EXPECT_EQ(p.machine, "tree");
    EXPECT_EQ(p.hostname, "tree");
    EXPECT_EQ(p.root, "/srv/tree");
    EXPECT_EQ(p.console, ConsoleMode::Pipe);  // no terminal
    EXPECT_EQ(p.term, "vt220");
    EXPECT_EQ(p.kill_signal, SIGKILL);
    EXPECT_EQ(p.netns, NetNamespace::Host);
    EXPECT_EQ(p.clone_flags, uint64_t{CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC});
    EXPECT_EQ(p.capabilities, container::kDefaultCapabilities);
    EXPECT_EQ(p.cgroup_owner, CgroupOwner::Spawn);
    EXPECT_EQ(p.cgroup.relative, "/machine.slice/machine-tree.scope");
    EXPECT_EQ(p.cgroup.dirs.size(), 4u);  // name=systemd, cgroup2, pids, devices
    EXPECT_FALSE(p.transient);
    EXPECT_FALSE(p.keep_unit);
    EXPECT_EQ(p.limits.writes(), (std::vector<container::CgroupWrite>{{"pids", "pids.max", "16384"}}));
    EXPECT_FALSE(p.devices.rules.empty());
    EXPECT_EQ(p.uuid, kRandom);  // no --uuid, no machine id in the tree
    EXPECT_FALSE(p.follow_guest_address);
    // Registration: no PoweroffSignal= without an explicit --kill-signal.
    EXPECT_EQ(p.registration.name, "tree");
    EXPECT_EQ(p.registration.poweroff_signal, 0);
    EXPECT_EQ(p.registration.bounding_set, p.capabilities);
    EXPECT_EQ(p.registration.uuid, p.uuid);
    EXPECT_EQ(p.registration.root_directory, "/srv/tree");
}

TEST(StartPlan, TerminalAndEnvironmentFacts) {
    auto h = hybrid_host();
    h.stdin_tty = h.stdout_tty = true;
    h.term = "xterm-256color";
    h.listen_fds = "2";
    h.listen_pid = "4242";
    auto p = plan(command(), h);
    EXPECT_EQ(p.console, ConsoleMode::Interactive);
    EXPECT_EQ(p.term, "xterm-256color");
    EXPECT_EQ(p.listen_fds, 2);
    h.listen_pid = "1";  // meant for another process
    EXPECT_EQ(plan(command(), h).listen_fds, 0);
    h.listen_pid = "4242";
    h.listen_fds = "5000";
    EXPECT_EQ(plan(command(), h).listen_fds, 0);
}

TEST(StartPlan, BootAndAsPid2) {
    auto b = command({});
    b.boot = true;
    auto p = plan(b);
    EXPECT_EQ(p.kill_signal, SIGRTMIN + 3);
    EXPECT_EQ(p.console, ConsoleMode::ReadOnly);  // -b without a terminal, as nspawn
    // The guest's machine id: the tree's when it has one.
    TreeFacts with_id{"/srv/tree", std::string("0123456789abcdef0123456789abcdef\n")};
    auto q = plan(b, hybrid_host(), with_id);
    EXPECT_EQ(uuid_to_string(q.uuid), "0123456789abcdef0123456789abcdef");
    EXPECT_TRUE(q.uuid_from_tree);
    // A --uuid the tree contradicts is refused (nspawn).
    b.uuid = kRandom;
    EXPECT_FALSE(plan_start(b, hybrid_host(), with_id, kRandom).ok());

    auto a = command();
    a.as_pid2 = true;
    a.kill_signal = SIGTERM;
    auto r = plan(a);
    EXPECT_EQ(r.kill_signal, SIGTERM);
    EXPECT_EQ(r.registration.poweroff_signal, SIGTERM);  // explicit: mctl poweroff sends it
    // Without -b, --uuid wins over the tree's id.
    auto u = command();
    u.uuid = kRandom;
    EXPECT_EQ(plan(u, hybrid_host(), with_id).uuid, kRandom);
    EXPECT_EQ(uuid_to_string(plan(command(), hybrid_host(), with_id).uuid), "0123456789abcdef0123456789abcdef");
}

TEST(StartPlan, CgroupOwnerFollowsTheHost) {
    auto h = hybrid_host();
    h.systemd_booted = true;
    auto s = plan(command(), h);
    EXPECT_EQ(s.cgroup_owner, CgroupOwner::Systemd);
    ASSERT_TRUE(s.transient);
    EXPECT_EQ(s.transient->unit, "machine-tree.scope");
    EXPECT_TRUE(s.cgroup.dirs.empty());

    auto k = command();
    k.keep_unit = true;
    auto ku = plan(k, h);
    EXPECT_EQ(ku.cgroup_owner, CgroupOwner::KeepUnit);
    ASSERT_TRUE(ku.keep_unit);
    EXPECT_EQ(ku.cgroup.relative, "/system.slice/spawn@deb.service/payload");
    EXPECT_TRUE(ku.limits.writes().empty());  // the unit's TasksMax= applies
    // --keep-unit without systemd: spawn's own scope, as without it.
    EXPECT_EQ(plan(k).cgroup_owner, CgroupOwner::Spawn);
    // No spawn cgroup to be found for --keep-unit.
    h.own_cgroup_text = "";
    EXPECT_FALSE(plan_start(k, h, kTree, kRandom).ok());
}

TEST(StartPlan, NetworkModes) {
    auto veth = command();
    veth.net.private_network = veth.net.veth = true;
    auto v = plan(veth);
    EXPECT_EQ(v.netns, NetNamespace::Private);
    EXPECT_TRUE(v.clone_flags & CLONE_NEWNET);
    EXPECT_TRUE(v.capabilities & container::cap_bit(CAP_NET_ADMIN));
    EXPECT_TRUE(v.network.private_network);
    EXPECT_FALSE(v.follow_guest_address);

    auto port = veth;
    port.net.ports.push_back({PortProtocol::Tcp, "", 8080, 80});
    EXPECT_TRUE(plan(port).follow_guest_address);
    port.net.addresses.push_back({"10.0.0.2/24", ""});  // installed with the links instead
    EXPECT_FALSE(plan(port).follow_guest_address);

    auto joined = command();
    joined.net.netns_path = "/run/netns/x";
    auto j = plan(joined);
    EXPECT_EQ(j.netns, NetNamespace::Joined);
    EXPECT_FALSE(j.clone_flags & CLONE_NEWNET);  // the child joins it
    EXPECT_TRUE(j.capabilities & container::cap_bit(CAP_NET_ADMIN));
    EXPECT_EQ(j.network.netns_path, "/run/netns/x");

    auto bad = command();
    bad.net.private_network = true;
    bad.net.bridge = "br0";
    bad.net.zone = "z";
    EXPECT_FALSE(plan_start(bad, hybrid_host(), kTree, kRandom).ok());
}

TEST(StartPlan, RegisterModeAndBadPropertiesBeforeAnythingExists) {
    auto c = command();
    c.register_mode = RegisterMode::No;
    EXPECT_EQ(plan(c).registration.mode, RegisterMode::No);
    c.register_mode = RegisterMode::Yes;
    EXPECT_EQ(plan(c).registration.mode, RegisterMode::Yes);
    c.properties = {"DeviceAllow=/dev/null xyz"};
    EXPECT_FALSE(plan_start(c, hybrid_host(), kTree, kRandom).ok());
    c.properties = {"MemoryHigh=1G"};  // no v1 equivalent on this layout
    EXPECT_FALSE(plan_start(c, hybrid_host(), kTree, kRandom).ok());
}

// The payload process (container/payload.hpp): nspawn's default limits
// from the host's facts, and each option as a row of the plan.
TEST(StartPlan, PayloadDefaultsAreNspawns) {
    auto h = hybrid_host();
    h.rlimits.pid1_nproc = {31000, 32000};
    h.rlimits.pid1_sigpending = {15000, 16000};
    h.rlimits.nr_open = 1048576;
    auto p = plan(command(), h).payload;
    const uint64_t inf = kRlimitInfinity;
    std::array<ResourceLimit, kRlimitCount> want;
    want.fill({inf, inf});
    want[RLIMIT_CORE] = {0, inf};
    want[RLIMIT_STACK] = {8 << 20, inf};
    want[RLIMIT_NOFILE] = {1024, 524288};  // HIGH_RLIMIT_NOFILE below nr_open
    want[RLIMIT_MEMLOCK] = {8 << 20, 8 << 20};
    want[RLIMIT_MSGQUEUE] = {819200, 819200};
    want[RLIMIT_NICE] = {0, 0};
    want[RLIMIT_RTPRIO] = {0, 0};
    want[RLIMIT_NPROC] = {31000, 32000};
    want[RLIMIT_SIGPENDING] = {15000, 16000};
    EXPECT_EQ(p.rlimits, want);
    EXPECT_TRUE(p.cpu_affinity.empty());
    EXPECT_FALSE(p.personality);
    EXPECT_FALSE(p.oom_score_adjust);
    EXPECT_FALSE(p.no_new_privileges);
    EXPECT_EQ(p.ambient_capabilities, 0u);
    h.rlimits.nr_open = 65536;  // a host with a lower nr_open: NOFILE's hard limit follows it
    EXPECT_EQ(plan(command(), h).payload.rlimits[RLIMIT_NOFILE], (ResourceLimit{1024, 65536}));
}

TEST(StartPlan, PayloadOptionsAreRowsOfThePlan) {
    auto c = command();
    c.rlimits[RLIMIT_NOFILE] = ResourceLimit{100, 200};
    c.rlimits[RLIMIT_CORE] = ResourceLimit{kRlimitInfinity, kRlimitInfinity};
    c.cpu_affinity = {0, 2, 3};
    c.personality = PER_LINUX32;
    c.oom_score_adjust = -500;
    c.no_new_privileges = true;
    c.ambient_capabilities = cap_bit(CAP_NET_RAW) | cap_bit(CAP_CHOWN);
    auto p = plan(c).payload;
    EXPECT_EQ(p.rlimits[RLIMIT_NOFILE], (ResourceLimit{100, 200}));
    EXPECT_EQ(p.rlimits[RLIMIT_CORE], (ResourceLimit{kRlimitInfinity, kRlimitInfinity}));
    EXPECT_EQ(p.rlimits[RLIMIT_STACK], (ResourceLimit{8 << 20, kRlimitInfinity}));  // the rest: defaults
    EXPECT_EQ(p.cpu_affinity, (std::vector<unsigned>{0, 2, 3}));
    EXPECT_EQ(p.personality, PER_LINUX32);
    EXPECT_EQ(p.oom_score_adjust, -500);
    EXPECT_TRUE(p.no_new_privileges);
    EXPECT_EQ(p.ambient_capabilities, cap_bit(CAP_NET_RAW) | cap_bit(CAP_CHOWN));
}

TEST(StartPlan, AmbientCapabilitiesMustBeInTheBoundingSet) {
    auto c = command();
    c.ambient_capabilities = cap_bit(CAP_SYS_TIME) | cap_bit(CAP_CHOWN);
    auto r = plan_start(c, hybrid_host(), kTree, kRandom);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(),
              "--ambient-capability: CAP_SYS_TIME not in the container's bounding set (retain it with --capability=)");
    c.capability_add = cap_bit(CAP_SYS_TIME);
    EXPECT_EQ(plan(c).payload.ambient_capabilities, cap_bit(CAP_SYS_TIME) | cap_bit(CAP_CHOWN));
    c.capability_drop = cap_bit(CAP_CHOWN);
    EXPECT_FALSE(plan_start(c, hybrid_host(), kTree, kRandom).ok());
    // CAP_NET_ADMIN is in the bounding set with a private network only.
    auto n = command();
    n.ambient_capabilities = cap_bit(CAP_NET_ADMIN);
    EXPECT_FALSE(plan_start(n, hybrid_host(), kTree, kRandom).ok());
    n.net.private_network = true;
    EXPECT_EQ(plan(n).payload.ambient_capabilities, cap_bit(CAP_NET_ADMIN));
}

TEST(StartPlan, ExitDecisions) {
    auto c = command();
    auto p = plan(c);
    auto ok = decide_exit(c, p, CLD_EXITED, 3);
    EXPECT_EQ(ok.code, 3);
    EXPECT_EQ(ok.level, ExitDecision::Level::None);  // pipes: no status line, as nspawn
    auto sig = decide_exit(c, p, CLD_KILLED, SIGTERM);
    EXPECT_EQ(sig.code, 1);
    EXPECT_EQ(sig.level, ExitDecision::Level::Error);
    EXPECT_EQ(sig.message, "Container tree terminated by signal SIGTERM.");

    auto b = command({});
    b.boot = true;
    auto bp = plan(b);
    auto off = decide_exit(b, bp, CLD_KILLED, SIGINT);  // the guest powered off
    EXPECT_EQ(off.code, 0);
    EXPECT_EQ(off.level, ExitDecision::Level::Info);
    auto reboot = decide_exit(b, bp, CLD_KILLED, SIGHUP);
    EXPECT_TRUE(reboot.boot_again);
    b.keep_unit = true;
    auto unit = decide_exit(b, bp, CLD_KILLED, SIGHUP);
    EXPECT_FALSE(unit.boot_again);
    EXPECT_EQ(unit.code, 133);
    b.quiet = true;
    EXPECT_EQ(decide_exit(b, bp, CLD_KILLED, SIGINT).level, ExitDecision::Level::None);
}

TEST(StartPlan, AUserNamespaceIsClonedWithTheOthersAndShapesTheMounts) {
    Config c = command();
    c.userns.mode = UserNsMode::Pick;
    auto p = plan(c);
    EXPECT_TRUE(p.clone_flags & CLONE_NEWUSER);
    EXPECT_TRUE(p.userns.enabled());
    EXPECT_EQ(p.userns.ownership, UserNsOwnership::Auto);
    for (const auto& s : p.mounts) {
        if (s.fstype == "proc") {
            EXPECT_TRUE(s.inner) << "the container mounts its own procfs";
        }
    }
    c.userns.mode = UserNsMode::Fixed;
    c.userns.base = 1048576;
    c.userns.count = 3;  // no GID 5: devpts without gid=5
    for (const auto& s : plan(c).mounts)
        if (s.fstype == "devpts") {
            EXPECT_EQ(s.data.find("gid=5"), std::string::npos);
        }
    c.userns.mode = UserNsMode::FromTree;
    EXPECT_FALSE(plan_start(c, hybrid_host(), TreeFacts{"/srv/tree", std::nullopt, 1000, 1000}, kRandom).ok());
    EXPECT_FALSE(plan(command()).clone_flags & CLONE_NEWUSER);
}

// -Z / -L need SELinux on the host: refused in one line before anything is
// set up where it is not; applied (the helper's exec label, the API file
// systems' context=) where it is.
TEST(StartPlan, SelinuxLabelsNeedSelinux) {
    Config z;
    z.machine = "m";
    z.selinux_context = "system_u:system_r:container_t:s0";
    auto refused = plan_start(z, hybrid_host(), kTree, kRandom);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message(),
              "SELinux is not enabled on this host: --selinux-context=system_u:system_r:container_t:s0 cannot be applied");
    Config l;
    l.machine = "m";
    l.selinux_apifs_context = "system_u:object_r:container_file_t:s0";
    EXPECT_NE(plan_start(l, hybrid_host(), kTree, kRandom).error().message().find("--selinux-apifs-context="),
              std::string::npos);

    HostFacts selinux = hybrid_host();
    selinux.selinux_enabled = true;
    l.selinux_context = z.selinux_context;
    auto p = plan(l, selinux);
    EXPECT_EQ(p.selinux_label, "system_u:system_r:container_t:s0");
    int labelled = 0;
    for (const auto& st : p.mounts) {
        bool api = st.kind == container::StepKind::Mount &&
                   (st.target == "/dev" || st.target == "/dev/shm" || st.target == "/dev/pts" ||
                    st.target == "/dev/mqueue" || st.target == "/run" || st.target == "/tmp");
        bool has = st.data.find("context=\"system_u:object_r:container_file_t:s0\"") != std::string::npos;
        EXPECT_EQ(api, has) << st.target << " " << st.data;
        labelled += has;
    }
    EXPECT_EQ(labelled, 6);
}
