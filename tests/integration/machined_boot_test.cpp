// mctl and the real machinectl/journalctl against a booted Debian guest
// (systemd and dbus inside: OpenMachineLogin/Shell, the guest journal).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "bus_fixture.hpp"
#include "harness.hpp"
#include "machined/registry.hpp"
#include "util/strings.hpp"

using namespace spawn;
using namespace spawn::test;
namespace fs = std::filesystem;

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Polls f() every 200 ms until it holds or the deadline passes; returns f().
template <typename F>
bool poll_until(F f, std::chrono::seconds deadline) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
        if (f()) return true;
        std::this_thread::sleep_for(200ms);
    }
    return f();
}

// The guest's systemd has finished booting (running or degraded).
bool system_up(const std::string& name) {
    auto r = run_mctl({"exec", name, "systemctl", "is-system-running"});
    return r.out == "running\n" || r.out == "degraded\n";
}

uint32_t leader_of(const std::string& name) {
    auto m = machined::Machined::connect();
    if (!m) return 0;
    auto i = m->get(name);
    return i ? i->leader : 0;
}

// mctl reboot: a new leader registers, and the new boot finishes (its
// signal handlers are up once it has).
void reboot_and_wait(const std::string& name) {
    uint32_t before = leader_of(name);
    auto r = run_mctl({"reboot", name});
    EXPECT_EQ(r.status, 0) << r.err;
    uint32_t after = 0;
    poll_until([&] {
        after = leader_of(name);
        return after != 0 && after != before;
    }, 60s);
    EXPECT_NE(after, 0u);
    EXPECT_NE(after, before) << "no new leader after reboot";
    ASSERT_TRUE(poll_until([&] { return system_up(name); }, 120s)) << "the guest did not boot again";
}

// A booted bookworm guest, registered, with its system up (dbus running).
class DebianGuest : public ::testing::Test {
protected:
    void SetUp() override {
        BusFixture::ensure_machined();
        tree_ = std::make_unique<TempTree>("bookworm");
        spawn_ = std::make_unique<BackgroundSpawn>(std::vector<std::string>{
            "-q", "-b", "-D", tree_->str(), "-M", name_, "--register=yes", "--console=passive"});
        ASSERT_TRUE(spawn_->wait_registered(name_, 30000)) << spawn_->output();
        ASSERT_TRUE(poll_until([&] { return system_up(name_); }, 120s)) << "the guest did not finish booting";
    }
    void TearDown() override {
        spawn_.reset();
        tree_.reset();
    }
    const std::string name_ = "spawn-deb";
    std::unique_ptr<TempTree> tree_;
    std::unique_ptr<BackgroundSpawn> spawn_;
};

}  // namespace

TEST_F(DebianGuest, ListStatusShowSeeTheBootedGuest) {
    auto l = run_mctl({"list", "--no-legend"});
    EXPECT_EQ(machine_row(l.out, name_).rfind(name_ + " container spawn debian 12", 0), 0u) << l.out;
    auto s = run_mctl({"status", name_});
    EXPECT_NE(s.out.find("OS: Debian GNU/Linux 12 (bookworm)"), std::string::npos) << s.out;
    EXPECT_NE(s.out.find("(systemd)"), std::string::npos);
    EXPECT_NE(s.out.find("init.scope"), std::string::npos) << s.out;
    EXPECT_NE(s.out.find("systemd-journald"), std::string::npos) << s.out;
    EXPECT_NE(s.out.find("systemd[1]: "), std::string::npos) << "no guest journal lines in status";
    auto v = run_mctl({"show", name_, "-p", "State", "--value"});
    EXPECT_EQ(v.out, "running\n");
}

TEST_F(DebianGuest, ShellEndsWhenTheCommandDoesAndKeepsItsLateOutput) {
    // Through OpenMachineShell the command's exit (the pty's hangup) ends the
    // session: output after stdin ended is kept, a silent command ends at once.
    auto late = run_mctl({"shell", name_, "/bin/sh", "-c", "echo early; sleep 3; echo late"});
    EXPECT_NE(late.out.find("early"), std::string::npos) << late.out << late.err;
    EXPECT_NE(late.out.find("late"), std::string::npos) << late.out << late.err;
    auto t0 = std::chrono::steady_clock::now();
    auto quiet = run_mctl({"shell", name_, "/bin/true"});
    EXPECT_EQ(quiet.status, 0) << quiet.err;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    // Input typed ahead reaches the program (not dropped by the terminal reset).
    auto typed = run_mctl({"shell", name_, "/bin/sh"}, "echo typed-$((6*7))\n");
    EXPECT_NE(typed.out.find("typed-42"), std::string::npos) << typed.out << typed.err;
    // Leave no shell unit stopping behind: its stop-time vhangup could hit the
    // pty number the next test's login reuses.
    EXPECT_TRUE(poll_until([&] {
        auto units = run_mctl({"exec", name_, "systemctl", "list-units", "--no-legend", "container-shell@*"});
        return units.status == 0 && units.out.empty();
    }, 60s)) << "container-shell@ units left in the guest";
}

TEST_F(DebianGuest, LoginAndShellGoThroughTheGuestsDbus) {
    // The shell first: a getty machined starts for a login that was left at
    // once opens its pty by name later, and may land on a newer session's pty.
    auto sh = run_mctl({"shell", name_, "/bin/sh", "-c", "echo via-shell $(id -un)"});
    EXPECT_EQ(sh.status, 0) << sh.err;
    EXPECT_NE(sh.out.find("via-shell root"), std::string::npos) << sh.out;
    EXPECT_EQ(sh.err.find("entering machine"), std::string::npos) << sh.err;
    auto login = run_mctl({"login", name_}, "root\n");
    EXPECT_NE(login.out.find("login:"), std::string::npos) << login.out << login.err;
    EXPECT_EQ(login.err.find("OpenMachineLogin failed"), std::string::npos) << login.err;
    auto esc = run_mctl({"login", name_}, "\x1d\x1d\x1d");
    EXPECT_EQ(esc.status, 0);
    EXPECT_NE(esc.err.find("Connection to machine " + name_ + " terminated."), std::string::npos);
}

// Out of the box (--resolv-conf=auto, --timezone=auto) a booted guest
// resolves with the host's resolvers and shows the host's zone.
TEST_F(DebianGuest, UsesTheHostsResolversAndZone) {
    auto r = run_mctl({"exec", name_, "cat", "/etc/resolv.conf"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, read_file("/etc/resolv.conf"));
    auto z = run_mctl({"exec", name_, "sh", "-c", "date +%Z; md5sum < /etc/localtime"});
    EXPECT_EQ(z.status, 0) << z.err;
    EXPECT_EQ(z.out, sh("date +%Z; md5sum < /etc/localtime").out);
}

// copy-to, copy-from and bind with a booted systemd guest: what goes in is
// seen by the guest's services too (the bind propagates into the mount
// namespaces systemd gives them).
TEST_F(DebianGuest, CopyAndBindReachTheBootedGuest) {
    ScratchDir host;
    std::ofstream(host.path() / "in") << "copied in\n";
    fs::create_directories(host.path() / "shared");
    std::ofstream(host.path() / "shared/f") << "bound\n";
    auto in = run_mctl({"copy-to", name_, (host.path() / "in").string(), "/root/in"});
    ASSERT_EQ(in.status, 0) << in.err;
    EXPECT_EQ(run_mctl({"exec", name_, "cat", "/root/in"}).out, "copied in\n");
    // (/etc/os-release is a symlink, copied as it is: the file is below /usr.)
    auto out = run_mctl({"copy-from", name_, "/usr/lib/os-release", (host.path() / "os-release").string()});
    ASSERT_EQ(out.status, 0) << out.err;
    EXPECT_EQ(read_file(host.path() / "os-release"), read_file(tree_->path() / "usr/lib/os-release"));
    auto bind = run_mctl({"bind", "--read-only", "--mkdir", name_, (host.path() / "shared").string(), "/srv/shared"});
    ASSERT_EQ(bind.status, 0) << bind.err;
    EXPECT_EQ(run_mctl({"exec", name_, "cat", "/srv/shared/f"}).out, "bound\n");
    // A transient service of the guest's systemd, with a mount namespace of its own, sees it too.
    auto svc = run_mctl({"exec", name_, "systemd-run", "--wait", "--pipe", "--quiet", "-p", "PrivateTmp=yes",
                         "cat", "/srv/shared/f"});
    EXPECT_EQ(svc.out, "bound\n") << svc.err;
    EXPECT_NE(run_mctl({"exec", name_, "sh", "-c", "echo x > /srv/shared/new"}).status, 0) << "read-only";
}

TEST_F(DebianGuest, ExecReturnsStatusAndSeparateStreams) {
    auto r = run_mctl({"exec", name_, "sh", "-c", "cat /proc/1/comm; read x; echo got-$x; echo oops >&2; exit 42"}, "line\n");
    EXPECT_EQ(r.status, 42);
    EXPECT_EQ(r.out, "systemd\ngot-line\n");
    EXPECT_EQ(r.err, "oops\n");
}

TEST_F(DebianGuest, JournalReadsTheGuestJournal) {
    auto u = run_mctl({"journal", name_, "-u", "systemd-logind", "-n", "50"});
    EXPECT_EQ(u.status, 0) << u.err;
    EXPECT_NE(u.out.find("systemd-logind"), std::string::npos) << u.out;
    EXPECT_EQ(u.out.find("systemd-journald["), std::string::npos) << "-u did not filter";
    auto n = run_mctl({"journal", name_, "-n", "3", "-o", "cat"});
    EXPECT_EQ(std::count(n.out.begin(), n.out.end(), '\n'), 3) << n.out;
    auto j = run_mctl({"journal", name_, "-b", "-n", "1", "-o", "json"});
    EXPECT_EQ(j.out.rfind("{\"__CURSOR\":", 0), 0u) << j.out;
    EXPECT_NE(j.out.find("\"_BOOT_ID\":"), std::string::npos);
    // -f prints new entries: one written from inside shows up. -f may still
    // be starting when the first is written (-n 0 skips what came before), so
    // one is written again each second until it shows, for at most a minute.
    {
        Interactive f({mctl_bin(), "journal", name_, "-f", "-n", "0", "-o", "cat"});
        bool seen = poll_until([&] {
            run_mctl({"exec", name_, "logger", "-t", "spawn-test", "followed-entry"});
            return f.wait_out("followed-entry", 1s);
        }, 60s);
        EXPECT_TRUE(seen) << f.out() << f.err();
    }
    // The real journalctl -M reads the same journal.
    std::string fake = "/run/spawn-test-fake-systemd";
    fs::create_directories(fake + "/system");
    auto real = run({"unshare", "-m", "--propagation", "private", "sh", "-c",
                     "mount --bind " + fake + " /run/systemd && journalctl --no-pager -M " + name_ +
                         " -t spawn-test -o cat"});
    EXPECT_NE(real.out.find("followed-entry"), std::string::npos) << real.out << real.err;
}

TEST_F(DebianGuest, RealMachinectlStatusAndLogin) {
    auto st = run(real_machinectl({"status", name_}));
    EXPECT_NE(st.out.find("OS: Debian GNU/Linux 12 (bookworm)"), std::string::npos) << st.out;
    RunOptions o;
    o.input = "\x1d\x1d\x1d";
    o.timeout = std::chrono::seconds(20);
    auto login = run(real_machinectl({"login", name_}), o);
    EXPECT_EQ(login.status, 0) << login.err;
    EXPECT_NE(login.err.find("Connected to machine " + name_), std::string::npos) << login.err;
}

TEST_F(DebianGuest, PoweroffEndsSpawnWithStatusZero) {
    auto r = run_mctl({"poweroff", name_});
    EXPECT_EQ(r.status, 0) << r.err;
    int st = spawn_->stop(0, 20000);
    ASSERT_NE(st, -1) << "spawn still runs 20 s after poweroff";
    EXPECT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0) << spawn_->output();
    EXPECT_FALSE(machine_listed(name_));
}

TEST_F(DebianGuest, RebootReRegistersTheNewLeaderAndRealMachinectlPowersOff) {
    reboot_and_wait(name_);
    auto off = run(real_machinectl({"poweroff", name_}));
    EXPECT_EQ(off.status, 0) << off.err;
    int st = spawn_->stop(0, 20000);
    ASSERT_NE(st, -1);
    EXPECT_EQ(WEXITSTATUS(st), 0);
    EXPECT_FALSE(machine_listed(name_));
}

TEST_F(DebianGuest, TerminateEndsTheGuest) {
    auto r = run_mctl({"terminate", name_});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(spawn_->stop(0, 10000), -1);
    EXPECT_FALSE(machine_listed(name_));
}

TEST(MctlStart, StartRunsSpawnInTheBackgroundUntilRegistered) {
    BusFixture::ensure_machined();
    const std::string name = "spawn-t-start";
    const std::string dir = "/var/lib/machines/" + name;
    fs::create_directories("/var/lib/machines");
    ASSERT_EQ(run({"sh", "-c", "mkdir " + dir + " && tar -xpf " + fixture_tarball("bookworm").string() + " -C " + dir}).status, 0);
    auto r = run_mctl({"start", name});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(machine_listed(name));
    uint32_t leader = leader_of(name);
    EXPECT_EQ(read_file("/proc/" + std::to_string(leader) + "/comm"), "systemd\n");
    auto again = run_mctl({"start", name});
    EXPECT_EQ(again.status, 1);
    EXPECT_EQ(again.err, "mctl: Machine '" + name + "' already exists\n");
    EXPECT_TRUE(poll_until([&] { return system_up(name); }, 120s)) << "the guest did not finish booting";
    EXPECT_EQ(run_mctl({"poweroff", name}).status, 0);
    EXPECT_TRUE(poll_until([&] { return !machine_listed(name); }, 60s)) << "still registered after poweroff";
    fs::remove_all(dir);

    // An image spawn cannot boot: the error from spawn is shown, nothing stays registered.
    fs::create_directories(dir + "/etc");
    auto bad = run_mctl({"start", name});
    fs::remove_all(dir);
    fs::remove("/run/spawn/log/" + name + ".log");
    ::rmdir("/run/spawn/log");
    EXPECT_EQ(bad.status, 1);
    EXPECT_NE(bad.err.find("starting machine '" + name + "' failed: "), std::string::npos) << bad.err;
    EXPECT_FALSE(machine_listed(name));
}

// --set-credential / --load-credential reach a booted systemd as system
// credentials: systemd-creds --system cat prints them, and a service with
// LoadCredential=ID:ID reads them (systemd 252 takes a system credential
// that way; ID alone is its own newer form).
TEST(DebianCredentials, BootedGuestSeesTheCredentials) {
    BusFixture::ensure_machined();
    TempTree tree("bookworm");
    ScratchDir host;
    std::ofstream(host.path() / "cred") << "from-a-file\n";
    std::ofstream(tree.path() / "etc/systemd/system/spawn-credtest.service")
        << "[Service]\nType=oneshot\nRemainAfterExit=yes\nLoadCredential=spawn-set:spawn-set\n"
           "ExecStart=/bin/sh -c 'cat $CREDENTIALS_DIRECTORY/spawn-set > /run/credtest.out'\n";
    const std::string name = "spawn-creds";
    BackgroundSpawn spawn({"-q", "-b", "-D", tree.str(), "-M", name, "--register=yes", "--console=passive",
                           "--set-credential=spawn-set:line one\\nline two",
                           "--load-credential=spawn-load:" + (host.path() / "cred").string()});
    ASSERT_TRUE(spawn.wait_registered(name, 30000)) << spawn.output();
    ASSERT_TRUE(poll_until([&] { return system_up(name); }, 120s)) << "the guest did not finish booting";
    auto set = run_mctl({"exec", name, "systemd-creds", "--system", "cat", "spawn-set"});
    EXPECT_EQ(set.status, 0) << set.err;
    EXPECT_EQ(set.out, "line one\nline two");
    auto load = run_mctl({"exec", name, "systemd-creds", "--system", "cat", "spawn-load"});
    EXPECT_EQ(load.out, "from-a-file\n") << load.err;
    auto svc = run_mctl({"exec", name, "sh", "-c", "systemctl start spawn-credtest && cat /run/credtest.out"});
    EXPECT_EQ(svc.status, 0) << svc.err << run_mctl({"exec", name, "systemctl", "status", "spawn-credtest"}).out;
    EXPECT_EQ(svc.out, "line one\nline two");
}

// A -U guest in each ownership mode: root inside is the picked range on the
// host, and everything mctl does works through the user namespace.
class DebianUserNsGuest : public ::testing::TestWithParam<const char*> {};

TEST_P(DebianUserNsGuest, BootsAndIsManagedThroughTheUserNamespace) {
    BusFixture::ensure_machined();
    TempTree tree("bookworm");
    const std::string name = std::string("spawn-u") + GetParam();
    BackgroundSpawn spawn({"-q", "-b", "-U", std::string("--private-users-ownership=") + GetParam(), "-D", tree.str(),
                           "-M", name, "--register=yes", "--console=passive"});
    ASSERT_TRUE(spawn.wait_registered(name, 60000)) << spawn.output();
    ASSERT_TRUE(poll_until([&] { return system_up(name); }, 120s)) << "the guest did not finish booting\n" << spawn.output();

    // Root inside is the range's base on the host, and files it makes are the range's (map: host 0 on disk).
    auto id = run_mctl({"exec", name, "sh", "-c", "cat /proc/self/uid_map; id -u; touch /root/made-inside"});
    ASSERT_EQ(id.status, 0) << id.err;
    std::istringstream in(id.out);
    uint64_t inner = 1, base = 0, count = 0;
    in >> inner >> base >> count;
    EXPECT_EQ(inner, 0u);
    EXPECT_EQ(count, 65536u);
    EXPECT_EQ(base % 65536, 0u) << id.out;
    EXPECT_GE(base, 0x80000u) << id.out;
    EXPECT_NE(id.out.find("\n0\n"), std::string::npos) << id.out;
    struct stat st {};
    ASSERT_EQ(stat((tree.path() / "root/made-inside").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, std::string(GetParam()) == "map" ? 0u : base);
    uint32_t leader = leader_of(name);
    auto status = read_file("/proc/" + std::to_string(leader) + "/status");
    EXPECT_NE(status.find("Uid:\t" + std::to_string(base) + "\t"), std::string::npos) << status;

    auto sh = run_mctl({"shell", name, "/bin/sh", "-c", "echo via-shell $(id -un)"});
    EXPECT_NE(sh.out.find("via-shell root"), std::string::npos) << sh.out << sh.err;
    auto login = run_mctl({"login", name}, "root\n");
    EXPECT_NE(login.out.find("login:"), std::string::npos) << login.out << login.err;
    auto journal = run_mctl({"journal", name, "-u", "systemd-logind", "-n", "50"});
    EXPECT_EQ(journal.status, 0) << journal.err;
    EXPECT_NE(journal.out.find("systemd-logind"), std::string::npos) << journal.out;

    reboot_and_wait(name);
    auto off = run_mctl({"poweroff", name});
    EXPECT_EQ(off.status, 0) << off.err;
    int end = spawn.stop(0, 30000);
    ASSERT_NE(end, -1) << "spawn still runs 30 s after poweroff";
    EXPECT_EQ(WEXITSTATUS(end), 0) << spawn.output();
    EXPECT_FALSE(machine_listed(name));
    EXPECT_NE(access(("/run/systemd/nspawn-uid/" + std::to_string(base)).c_str(), F_OK), 0) << "range lock left";
}

INSTANTIATE_TEST_SUITE_P(Ownership, DebianUserNsGuest, ::testing::Values("map", "chown"));
