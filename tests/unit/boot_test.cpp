// Unit tests of the boot (-b) planners: init / os-release search inside a
// tree, machine id, journal linking, exit policy, guest environment, notify
// relay, guest cgroup mounts. No root needed.
#include <gtest/gtest.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "boot/cgroup.hpp"
#include "boot/exit.hpp"
#include "boot/guest.hpp"
#include "boot/init.hpp"
#include "boot/journal.hpp"
#include "boot/machine_id.hpp"
#include "container/in_root.hpp"
#include "boot/notify.hpp"

namespace fs = std::filesystem;
using namespace spawn;
using namespace spawn::boot;

namespace {

struct TmpDir {
    fs::path p;
    TmpDir() {
        char t[] = "/tmp/spawn-boot-test-XXXXXX";
        p = ::mkdtemp(t);
    }
    ~TmpDir() { fs::remove_all(p); }
    void file(const std::string& rel, const std::string& content, fs::perms perms = fs::perms::owner_read |
                                                                                   fs::perms::owner_write) {
        fs::create_directories((p / rel.substr(1)).parent_path());
        std::ofstream(p / rel.substr(1)) << content;
        fs::permissions(p / rel.substr(1), perms);
    }
    void link(const std::string& rel, const std::string& target) {
        fs::create_directories((p / rel.substr(1)).parent_path());
        fs::create_symlink(target, p / rel.substr(1));
    }
};

constexpr auto kExec = fs::perms::owner_all;

}  // namespace

// ---- init and os-release -------------------------------------------------

TEST(BootInit, FindsFirstCandidate) {
    TmpDir t;
    t.file("/usr/lib/systemd/systemd", "#!", kExec);
    t.file("/sbin/init", "#!", kExec);
    auto r = find_init(t.p.string());
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, "/usr/lib/systemd/systemd");
}

TEST(BootInit, AbsoluteSymlinkResolvedInsideTree) {
    TmpDir t;
    // Debian: /sbin/init -> /lib/systemd/systemd, absolute; must resolve in the tree.
    t.file("/lib/systemd/systemd", "#!", kExec);
    fs::remove(t.p / "lib/systemd/systemd");
    fs::create_directories(t.p / "lib/systemd");
    t.file("/lib/systemd/real", "#!", kExec);
    t.link("/sbin/init", "/lib/systemd/real");
    auto r = find_init(t.p.string());
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, "/sbin/init");
}

TEST(BootInit, SymlinkToHostPathIsNotFollowedOutOfTree) {
    TmpDir t;
    // /bin/sh exists on the host but not in the tree: must not count.
    t.link("/sbin/init", "/bin/sh");
    t.link("/usr/lib/systemd/systemd", "../../../../../../../bin/sh");
    auto r = find_init(t.p.string());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find(t.p.string()), std::string::npos);
    EXPECT_NE(r.error().message().find("/sbin/init"), std::string::npos);
    EXPECT_NE(r.error().message().find("/usr/lib/systemd/systemd"), std::string::npos);
}

TEST(BootInit, NonExecutableIsSkipped) {
    TmpDir t;
    t.file("/usr/lib/systemd/systemd", "x");  // mode 0600
    t.file("/sbin/init", "#!", kExec);
    auto r = find_init(t.p.string());
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, "/sbin/init");
}

TEST(BootInit, OsRelease) {
    TmpDir t;
    auto none = check_os_release(t.p.string());
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message().find(t.p.string()), std::string::npos);
    EXPECT_NE(none.error().message().find("os-release"), std::string::npos);

    t.file("/usr/lib/os-release", "ID=debian\n");
    t.link("/etc/os-release", "../usr/lib/os-release");
    auto r = check_os_release(t.p.string());
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, "/etc/os-release");
}

TEST(BootInit, OsReleaseAbsoluteLinkOutsideTreeIsNotEnough) {
    TmpDir t;
    t.link("/etc/os-release", "/etc/hostname-not-here");  // dangling inside the tree
    EXPECT_FALSE(check_os_release(t.p.string()));
}

TEST(BootInit, ParseOsRelease) {
    auto m = parse_os_release("# c\nID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME='Deb \\\"x'\n\nBAD\n");
    EXPECT_EQ(m["ID"], "debian");
    EXPECT_EQ(m["VERSION_ID"], "12");
    EXPECT_EQ(m["PRETTY_NAME"], "Deb \\\"x") << "a backslash is literal in single quotes, as in the shell";
    EXPECT_EQ(parse_os_release("X=\"a\\\"b\"\n")["X"], "a\"b");
    EXPECT_EQ(m.count("BAD"), 0u);
}

// ---- machine id ----------------------------------------------------------

TEST(BootMachineId, ParseAndFormat) {
    auto id = parse_machine_id("3d1219c7c4c5404aaa1f6d2a48adfda4\n");
    ASSERT_TRUE(id);
    EXPECT_EQ(uuid_to_string(*id), "3d1219c7c4c5404aaa1f6d2a48adfda4");
    EXPECT_EQ(uuid_to_dashed(*id), "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4");
    EXPECT_EQ(parse_machine_id("3d1219c7-c4c5-404a-aa1f-6d2a48adfda4"), id);
    EXPECT_FALSE(parse_machine_id("3d1219c7c4c5404aaa1f6d2a48adfdaz"));
    EXPECT_FALSE(parse_machine_id("3d12"));
}

TEST(BootMachineId, RandomIsV4AndDiffers) {
    auto a = random_uuid(), b = random_uuid();
    ASSERT_TRUE(a && b);
    EXPECT_NE(*a, *b);
    EXPECT_EQ((*a)[6] >> 4, 4);
    EXPECT_EQ((*a)[8] >> 6, 2);
}

TEST(BootMachineId, Decisions) {
    Uuid rnd = *parse_machine_id("11111111111111111111111111111111");
    Uuid cli = *parse_machine_id("22222222222222222222222222222222");
    Uuid tree = *parse_machine_id("33333333333333333333333333333333");
    // Tree's id kept.
    auto r = decide_machine_id(std::string("33333333333333333333333333333333\n"), std::nullopt, rnd);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->id, tree);
    EXPECT_TRUE(r->from_tree);
    // Same --uuid is fine, a different one refused naming both.
    EXPECT_TRUE(decide_machine_id(std::string("33333333333333333333333333333333"), tree, rnd));
    auto bad = decide_machine_id(std::string("33333333333333333333333333333333"), cli, rnd);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message().find("2222"), std::string::npos);
    // Empty / missing / uninitialized: --uuid, else random.
    for (auto content : {std::optional<std::string>(""), std::optional<std::string>(),
                         std::optional<std::string>("uninitialized\n")}) {
        auto a = decide_machine_id(content, cli, rnd);
        ASSERT_TRUE(a);
        EXPECT_EQ(a->id, cli);
        EXPECT_FALSE(a->from_tree);
        auto b = decide_machine_id(content, std::nullopt, rnd);
        ASSERT_TRUE(b);
        EXPECT_EQ(b->id, rnd);
    }
    // Garbage refused.
    EXPECT_FALSE(decide_machine_id(std::string("hello"), std::nullopt, rnd));
}

TEST(BootMachineId, ReadsTreeFile) {
    TmpDir t;
    t.file("/etc/machine-id", "33333333333333333333333333333333\n");
    auto text = read_tree_machine_id(container::open_tree_root(t.p.string())->get());
    ASSERT_TRUE(text);
    auto r = decide_machine_id(*text, std::nullopt, Uuid{});
    ASSERT_TRUE(r);
    EXPECT_EQ(uuid_to_string(r->id), "33333333333333333333333333333333");
    EXPECT_TRUE(r->from_tree);
    TmpDir empty;
    auto none = read_tree_machine_id(container::open_tree_root(empty.p.string())->get());
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    auto e = decide_machine_id(*none, std::nullopt, Uuid{});
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->from_tree);
}

// ---- journal linking -----------------------------------------------------

namespace {
JournalFacts facts() {
    JournalFacts f;
    f.tree = "/m/t";
    f.guest_id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    f.host_id = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    f.host_journal_exists = true;
    return f;
}
}  // namespace

TEST(BootJournal, NoDoesNothing) {
    auto p = plan_link_journal(LinkJournal::No, facts());
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->link);
}

TEST(BootJournal, GuestSymlinksHostToTree) {
    auto p = plan_link_journal(LinkJournal::Guest, facts());
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->link);
    EXPECT_TRUE(p->symlink_host_to_guest);
    EXPECT_FALSE(p->bind_host_into_guest);
    EXPECT_EQ(p->host_path, "/var/log/journal/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    EXPECT_EQ(p->guest_path, "/m/t/var/log/journal/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

TEST(BootJournal, HostBindsHostDirIntoTree) {
    auto p = plan_link_journal(LinkJournal::Host, facts());
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->mkdir_host);
    EXPECT_TRUE(p->bind_host_into_guest);
    EXPECT_FALSE(p->symlink_host_to_guest);
}

TEST(BootJournal, SameMachineIdRefusedOrSkipped) {
    auto f = facts();
    f.host_id = f.guest_id;
    for (auto m : {LinkJournal::Host, LinkJournal::Guest}) {
        auto p = plan_link_journal(m, f);
        ASSERT_FALSE(p);
        EXPECT_NE(p.error().message().find("equals the host"), std::string::npos);
    }
    for (auto m : {LinkJournal::TryHost, LinkJournal::TryGuest, LinkJournal::Auto}) {
        auto p = plan_link_journal(m, f);
        ASSERT_TRUE(p);
        EXPECT_FALSE(p->link);
    }
}

TEST(BootJournal, AutoOnlyWhenHostDirExists) {
    auto f = facts();
    auto p = plan_link_journal(LinkJournal::Auto, f);
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->link);
    f.host_entry = HostEntry::Directory;
    p = plan_link_journal(LinkJournal::Auto, f);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->bind_host_into_guest);
    EXPECT_FALSE(p->mkdir_host);
}

TEST(BootJournal, ExistingLinkToGuestKept) {
    auto f = facts();
    f.host_entry = HostEntry::SymlinkToGuest;
    auto p = plan_link_journal(LinkJournal::Guest, f);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->link);
    EXPECT_FALSE(p->symlink_host_to_guest);
    EXPECT_FALSE(p->remove_host_symlink);
    // host mode replaces the link with a directory
    p = plan_link_journal(LinkJournal::Host, f);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->remove_host_symlink);
    EXPECT_TRUE(p->mkdir_host);
}

TEST(BootJournal, MissingHostJournalRefusedUnlessTry) {
    auto f = facts();
    f.host_journal_exists = false;
    EXPECT_FALSE(plan_link_journal(LinkJournal::Host, f));
    EXPECT_FALSE(plan_link_journal(LinkJournal::Guest, f));
    auto p = plan_link_journal(LinkJournal::TryGuest, f);
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->link);
    EXPECT_FALSE(p->warnings.empty());
}

TEST(BootJournal, MountPointsAndOddFilesRefused) {
    auto f = facts();
    f.guest_entry_is_mount = true;
    EXPECT_FALSE(plan_link_journal(LinkJournal::Host, f));
    f = facts();
    f.host_entry = HostEntry::Other;
    auto p = plan_link_journal(LinkJournal::Guest, f);
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message().find("neither a directory nor a symlink"), std::string::npos);
}

TEST(BootJournal, GuestModeAppliedOnRealFiles) {
    TmpDir host, tree;
    auto f = facts();
    f.tree = tree.p.string();
    f.host_journal = host.p.string();
    auto p = plan_link_journal(LinkJournal::Guest, f);
    ASSERT_TRUE(p);
    ASSERT_TRUE(apply_journal_plan(*p));
    auto link = host.p / f.guest_id;
    ASSERT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(fs::read_symlink(link), tree.p / "var/log/journal" / f.guest_id);
    EXPECT_TRUE(fs::is_directory(tree.p / "var/log/journal" / f.guest_id));
}

// ---- exit policy ---------------------------------------------------------

namespace {
int exited(int code) { return (code & 0xff) << 8; }
int signaled(int sig) { return sig & 0x7f; }
}  // namespace

TEST(BootExit, Policy) {
    ASSERT_TRUE(WIFEXITED(exited(3)));
    ASSERT_TRUE(WIFSIGNALED(signaled(SIGINT)));
    auto d = decide_exit(exited(0), true, false, "m");
    EXPECT_FALSE(d.reboot);
    EXPECT_EQ(d.exit_code, 0);
    d = decide_exit(exited(7), true, false, "m");
    EXPECT_EQ(d.exit_code, 7);
    d = decide_exit(signaled(SIGINT), true, false, "m");
    EXPECT_EQ(d.exit_code, 0);
    EXPECT_FALSE(d.reboot);
    d = decide_exit(signaled(SIGHUP), true, false, "m");
    EXPECT_TRUE(d.reboot);
    d = decide_exit(signaled(SIGHUP), true, true, "m");
    EXPECT_FALSE(d.reboot);
    EXPECT_EQ(d.exit_code, 133);
    d = decide_exit(signaled(SIGKILL), true, false, "m");
    EXPECT_EQ(d.exit_code, 1);
    EXPECT_NE(d.message.find("terminated by signal SIGKILL"), std::string::npos);
    d = decide_exit(signaled(SIGHUP), false, false, "m");  // not booting: no reboot loop
    EXPECT_FALSE(d.reboot);
    EXPECT_EQ(d.exit_code, 1);
}

// ---- guest environment ---------------------------------------------------

TEST(BootGuest, Environment) {
    Config cfg;
    cfg.setenv = {"TERM=linux", "FOO=bar"};
    GuestEnvInput in;
    in.container_uuid = "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4";
    in.term = "xterm";
    in.host_os = {{"ID", "debian"}, {"VERSION_ID", "12"}};
    auto env = guest_environment(cfg, in);
    auto has = [&](const std::string& e) { return std::find(env.begin(), env.end(), e) != env.end(); };
    EXPECT_TRUE(has("container=spawn"));
    EXPECT_TRUE(has("container_uuid=3d1219c7-c4c5-404a-aa1f-6d2a48adfda4"));
    EXPECT_TRUE(has("NOTIFY_SOCKET=/run/host/notify"));
    EXPECT_TRUE(has("container_host_id=debian"));
    EXPECT_TRUE(has("container_host_version_id=12"));
    EXPECT_TRUE(has("TERM=linux"));  // -E overrides
    EXPECT_FALSE(has("TERM=xterm"));
    EXPECT_TRUE(has("FOO=bar"));
    in.pipe_console = true;
    cfg.setenv.clear();
    env = guest_environment(cfg, in);
    EXPECT_TRUE(has("TERM=dumb"));
}

TEST(BootGuest, InitArgv) {
    Config cfg;
    cfg.command = {"systemd.unit=rescue.target", "--log-level=debug"};
    auto a = init_argv("/usr/lib/systemd/systemd", cfg);
    ASSERT_EQ(a.size(), 3u);
    EXPECT_EQ(a[0], "/usr/lib/systemd/systemd");
    EXPECT_EQ(a[1], "systemd.unit=rescue.target");
}

// ---- notify relay --------------------------------------------------------

TEST(BootNotify, Parse) {
    auto m = parse_notify("READY=1\nSTATUS=Up and running\nX=1");
    EXPECT_TRUE(m.ready);
    ASSERT_TRUE(m.status);
    EXPECT_EQ(*m.status, "Up and running");
    EXPECT_EQ(forward_text(m), "READY=1\nSTATUS=Container running: Up and running\n");
    EXPECT_EQ(forward_text(parse_notify("WATCHDOG=1")), "");
}

TEST(BootNotify, RelaysReadyToOwnNotifySocket) {
    TmpDir t;
    // The "service manager": our own NOTIFY_SOCKET listener.
    int mgr = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(mgr, 0);
    std::string mgr_path = (t.p / "mgr").string();
    ASSERT_EQ(NotifyRelay::bind_at(mgr, mgr_path.c_str()), 0);
    ASSERT_EQ(::setenv("NOTIFY_SOCKET", mgr_path.c_str(), 1), 0);

    auto relay = NotifyRelay::create();
    ASSERT_TRUE(relay);
    std::string guest_path = (t.p / "notify").string();  // stands for /run/host/notify
    ASSERT_EQ(NotifyRelay::bind_at(relay->fd(), guest_path.c_str()), 0);

    // The "guest" sends READY=1 the way sd_notify does.
    int g = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {};
    sa.sun_family = AF_UNIX;
    ::strncpy(sa.sun_path, guest_path.c_str(), sizeof sa.sun_path - 1);
    std::string msg = "READY=1\nSTATUS=Startup finished";
    ASSERT_EQ(::sendto(g, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa),
              static_cast<ssize_t>(msg.size()));
    ::close(g);

    auto seen = relay->dispatch();
    ASSERT_TRUE(seen) << seen.error().message();
    EXPECT_TRUE(seen->ready);
    EXPECT_TRUE(relay->ready());

    char buf[512];
    ssize_t n = ::recv(mgr, buf, sizeof buf, MSG_DONTWAIT);
    ::unsetenv("NOTIFY_SOCKET");
    ::close(mgr);
    ASSERT_GT(n, 0);
    std::string got(buf, static_cast<size_t>(n));
    EXPECT_NE(got.find("READY=1"), std::string::npos);
    EXPECT_NE(got.find("STATUS=Container running: Startup finished"), std::string::npos);
}

// ---- --keep-unit cgroup ------------------------------------------------

TEST(BootCgroup, OwnCgroup) {
    std::string text = "9:name=systemd:/system.slice/spawn@deb.service\n4:memory:/x\n0::/system.slice/spawn@u.service\n";
    EXPECT_EQ(own_cgroup(text, container::CgroupLayout::Unified), "/system.slice/spawn@u.service");
    EXPECT_EQ(own_cgroup(text, container::CgroupLayout::Hybrid), "/system.slice/spawn@deb.service");
    EXPECT_EQ(own_cgroup(text, container::CgroupLayout::Legacy), "/system.slice/spawn@deb.service");
    EXPECT_FALSE(own_cgroup("4:memory:/x\n", container::CgroupLayout::Unified));
}

TEST(BootCgroup, KeepUnitOnPureCgroup2) {
    auto k = plan_keep_unit_cgroup(container::tracking_hierarchies(container::CgroupLayout::Unified), "/system.slice/spawn@deb.service");
    EXPECT_EQ(k.payload.unit, "spawn@deb.service");
    EXPECT_EQ(k.payload.relative, "/system.slice/spawn@deb.service/payload");
    ASSERT_EQ(k.payload.dirs.size(), 1u);
    EXPECT_TRUE(k.payload.dirs[0].v2);
    EXPECT_EQ(k.payload.dirs[0].path, "/sys/fs/cgroup/system.slice/spawn@deb.service/payload");
    ASSERT_EQ(k.supervisor.size(), 1u);
    EXPECT_EQ(k.supervisor[0], "/sys/fs/cgroup/system.slice/spawn@deb.service/supervisor");
    EXPECT_EQ(k.own_v2, "/sys/fs/cgroup/system.slice/spawn@deb.service");
}

TEST(BootCgroup, KeepUnitOnHybridAndLegacy) {
    auto h = plan_keep_unit_cgroup(container::tracking_hierarchies(container::CgroupLayout::Hybrid), "/system.slice/spawn@deb.service/");
    ASSERT_EQ(h.payload.dirs.size(), 2u);
    EXPECT_EQ(h.payload.dirs[0].path, "/sys/fs/cgroup/systemd/system.slice/spawn@deb.service/payload");
    EXPECT_FALSE(h.payload.dirs[0].v2);
    EXPECT_EQ(h.payload.dirs[1].path, "/sys/fs/cgroup/unified/system.slice/spawn@deb.service/payload");
    EXPECT_TRUE(h.payload.dirs[1].v2);
    EXPECT_EQ(h.supervisor.size(), 2u);
    EXPECT_EQ(h.own_v2, "/sys/fs/cgroup/unified/system.slice/spawn@deb.service");
    auto l = plan_keep_unit_cgroup(container::tracking_hierarchies(container::CgroupLayout::Legacy), "/a.service");
    ASSERT_EQ(l.payload.dirs.size(), 1u);
    EXPECT_EQ(l.payload.dirs[0].path, "/sys/fs/cgroup/systemd/a.service/payload");
    EXPECT_TRUE(l.own_v2.empty());
    auto root = plan_keep_unit_cgroup(container::tracking_hierarchies(container::CgroupLayout::Unified), "/");
    EXPECT_EQ(root.payload.dirs[0].path, "/sys/fs/cgroup/payload");
}

// v1 controller hierarchies (delegated to the unit too) get payload, not supervisor.
TEST(BootCgroup, KeepUnitPayloadInEveryV1Hierarchy) {
    auto hs = container::tracking_hierarchies(container::CgroupLayout::Hybrid);
    hs.push_back({"/sys/fs/cgroup/pids", false, {"pids"}});
    auto k = plan_keep_unit_cgroup(hs, "/system.slice/spawn@deb.service");
    ASSERT_EQ(k.payload.dirs.size(), 3u);
    EXPECT_EQ(k.payload.dirs[2].path, "/sys/fs/cgroup/pids/system.slice/spawn@deb.service/payload");
    EXPECT_TRUE(k.payload.dirs[2].has("pids"));
    EXPECT_EQ(k.payload.v1_with("pids"), &k.payload.dirs[2]);
    EXPECT_EQ(k.supervisor.size(), 2u);
}
