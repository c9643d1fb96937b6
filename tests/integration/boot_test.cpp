// Integration tests of spawn -b on the debootstrapped bookworm fixture (root,
// real kernel): boot to multi-user through the console pty, root login,
// SIGTERM shutdown, poweroff, reboot, notify relay, refusals, --link-journal.
// One tree is extracted for the whole binary (each boot takes ~1-2 s).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <regex>

#include "boot_pty.hpp"
#include "core_util.hpp"
#include "harness.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using spawn::test::PtyRun;
using spawn::test::TempTree;

namespace {

TempTree* g_tree = nullptr;  // the shared bookworm tree

class BootEnv : public ::testing::Environment {
public:
    void SetUp() override { g_tree = new TempTree("bookworm"); }
    void TearDown() override {
        delete g_tree;
        g_tree = nullptr;
    }
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new BootEnv);

// Machine names unique per test run (other test binaries may boot in parallel).
std::string unique_machine(const char* what) {
    static int n = 0;
    return std::string("boot-") + what + "-" + std::to_string(getpid()) + "-" + std::to_string(++n);
}

std::vector<std::string> boot_argv(const std::string& tree, const std::string& machine,
                                   std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {spawn::test::spawn_bin(), "--register=no", "-bD", tree, "-M", machine};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

// Nothing of the machine is left on the host: no mounts below the tree, no cgroup.
void expect_clean(const std::string& tree, const std::string& machine) {
    EXPECT_TRUE(spawn::test::mounts_under(tree).empty()) << "mounts left below " << tree;
    for (const char* h : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd", "/sys/fs/cgroup"}) {
        fs::path cg = fs::path(h) / "machine.slice" / ("machine-" + machine + ".scope");
        EXPECT_FALSE(fs::exists(cg)) << cg << " left behind";
    }
}

// Logs in as root (empty password) at the console's login prompt.
void login_root(PtyRun& p) {
    ASSERT_TRUE(p.wait_for("login:", 60s)) << p.tail();
    p.type("root\r");
    ASSERT_TRUE(p.wait_for("# ", 20s)) << "no root shell prompt:\n" << p.tail();
}

// Runs a shell command at the root prompt and returns the text between
// markers (the command's output).
std::string shell(PtyRun& p, const std::string& cmd, std::chrono::milliseconds timeout = 60s) {
    static int n = 0;
    std::string tag = "MARK" + std::to_string(++n);
    // The markers are built by the shell, so the echoed command line does not match.
    p.type("echo " + tag.substr(0, 2) + "''" + tag.substr(2) + "-BEGIN; " + cmd + "; echo " + tag.substr(0, 2) +
           "''" + tag.substr(2) + "-END\r");
    if (!p.wait_for(tag + "-BEGIN", timeout)) return "<timeout>";
    size_t start = p.output().rfind(tag + "-BEGIN") + tag.size() + 6;
    if (!p.wait_for(tag + "-END", timeout)) return "<timeout>";
    size_t end = p.output().rfind(tag + "-END");
    return p.output().substr(start, end - start);
}

}  // namespace

TEST(Boot, MultiUserRootLoginAndPoweroff) {
    auto m = unique_machine("login");
    PtyRun p(boot_argv(g_tree->str(), m));
    login_root(p);
    std::string state = shell(p, "systemctl is-system-running --wait");
    EXPECT_TRUE(state.find("running") != std::string::npos || state.find("degraded") != std::string::npos)
        << "systemctl is-system-running: " << state << "\n" << p.tail();
    // The guest interface as systemd sees it.
    EXPECT_NE(shell(p, "systemd-detect-virt -c; cat /run/host/container-manager").find("spawn"), std::string::npos);
    EXPECT_NE(shell(p, "tr '\\0' '\\n' < /proc/1/environ | grep ^container=").find("container=spawn"),
              std::string::npos);

    auto t0 = std::chrono::steady_clock::now();
    p.type("poweroff\r");
    int st = p.wait_exit(15s);
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(st, 0) << p.tail();
    EXPECT_LT(took, 5s) << "poweroff took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                        << " ms";
    expect_clean(g_tree->str(), m);
}

TEST(Boot, SigtermShutsDownCleanly) {
    auto m = unique_machine("term");
    PtyRun p(boot_argv(g_tree->str(), m));
    ASSERT_TRUE(p.wait_for("login:", 60s)) << p.tail();
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_exit(30s), 0) << p.tail();
    // The console shows systemd's orderly shutdown, not a kill.
    EXPECT_NE(p.output().find("Reached target"), std::string::npos);
    EXPECT_NE(p.output().find("System Shutdown"), std::string::npos) << p.tail();
    EXPECT_NE(p.output().find("Halting system"), std::string::npos) << p.tail();
    // The guest's own journal records the shutdown.
    fs::path journal = g_tree->path() / "var/log/journal";
    ASSERT_TRUE(fs::is_directory(journal)) << "the fixture has a persistent journal directory";
    {
        auto r = spawn::test::run({"journalctl", "-D", journal.string(), "--no-pager", "-o", "cat", "-b", "0",
                                   "-g", "System Shutdown|System Halt|Reached target.*Shutdown"});
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_NE(r.out.find("Shutdown"), std::string::npos) << r.out << r.err;
    }
    expect_clean(g_tree->str(), m);
}

// While the guest runs, spawn is the lean monitor (spawn/monitor_stage.hpp):
// the same process, running spawn-monitor's static image, with no shared
// library mapped (spawn's own libraries are 7 MB resident); spawn execs back
// when PID 1 ends and tears everything down, name lock included.
TEST(Boot, WhileTheGuestRunsSpawnIsTheLeanMonitor) {
    auto m = unique_machine("monitor");
    PtyRun p(boot_argv(g_tree->str(), m));
    ASSERT_TRUE(p.wait_for("login:", 60s)) << p.tail();
    const std::string proc = "/proc/" + std::to_string(p.pid());
    auto exe = [&] {
        std::error_code ec;
        return fs::read_symlink(proc + "/exe", ec).string();
    };
    EXPECT_TRUE(spawn::test::eventually([&] { return exe().rfind("/memfd:spawn-monitor", 0) == 0; }, 10s)) << exe();
    auto maps = spawn::test::read_file(proc + "/maps");
    EXPECT_EQ(maps.find(".so"), std::string::npos) << "a shared library is mapped:\n" << maps;
    EXPECT_EQ(spawn::test::read_file(proc + "/comm"), "spawn\n");
    // Its descriptors: none of spawn's libraries or files but the locks it holds.
    for (const auto& e : fs::directory_iterator(proc + "/fd")) {
        std::error_code ec;
        const auto target = fs::read_symlink(e.path(), ec).string();
        EXPECT_EQ(target.find(".so"), std::string::npos) << target;
    }
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_exit(30s), 0) << p.tail();
    EXPECT_NE(p.output().find("Halting system"), std::string::npos) << p.tail();
    expect_clean(g_tree->str(), m);
    EXPECT_FALSE(fs::exists("/run/spawn/names/" + m + ".lock"));
}

TEST(Boot, SecondSigtermKills) {
    auto m = unique_machine("kill");
    PtyRun p(boot_argv(g_tree->str(), m));
    ASSERT_TRUE(p.wait_for("Welcome to", 60s)) << p.tail();
    // The first SIGTERM asks PID 1 to halt; the second, before the guest has
    // finished shutting down, kills it.
    p.signal(SIGTERM);
    ASSERT_TRUE(p.wait_for("Send SIGTERM again", 10s)) << p.tail();
    p.signal(SIGTERM);
    int st = p.wait_exit(10s);
    EXPECT_EQ(st, 1) << p.tail();
    EXPECT_NE(p.output().find("terminated by signal SIGKILL"), std::string::npos) << p.tail();
    EXPECT_EQ(p.output().find("Halting system"), std::string::npos) << p.tail();
    expect_clean(g_tree->str(), m);
}

TEST(Boot, RebootBootsAgain) {
    auto m = unique_machine("reboot");
    PtyRun p(boot_argv(g_tree->str(), m));
    login_root(p);
    p.type("reboot\r");
    ASSERT_TRUE(p.wait_for("Welcome to", 60s)) << "no second boot:\n" << p.tail();
    ASSERT_TRUE(p.wait_for("login:", 60s)) << p.tail();
    EXPECT_EQ(p.count("Welcome to"), 2u);
    EXPECT_TRUE(p.running());
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_exit(30s), 0) << p.tail();
    expect_clean(g_tree->str(), m);
}

// -x without -M names the machine at random. Booted again after a reboot
// (by spawn exec'd back from its monitor, which parses the command line
// again), it keeps that name, as in one process.
TEST(Boot, ARandomlyNamedThrowawayMachineKeepsItsNameAcrossAReboot) {
    PtyRun p({spawn::test::spawn_bin(), "--register=no", "-bxD", g_tree->str()});
    login_root(p);
    const std::string first = shell(p, "hostname");
    EXPECT_EQ(first.rfind("\r\n" + g_tree->path().filename().string() + "-", 0), 0u) << first;
    p.type("reboot\r");
    ASSERT_TRUE(p.wait_for("Welcome to", 60s)) << "no second boot:\n" << p.tail();
    login_root(p);
    EXPECT_EQ(shell(p, "hostname"), first);
    p.type("poweroff\r");
    EXPECT_EQ(p.wait_exit(30s), 0) << p.tail();
    std::string name = first;
    std::erase_if(name, [](char c) { return c == '\r' || c == '\n'; });
    expect_clean(g_tree->str(), name);
}

TEST(Boot, RebootUnderKeepUnitExits133) {
    auto m = unique_machine("keepunit");
    PtyRun p(boot_argv(g_tree->str(), m, {"--keep-unit"}));
    login_root(p);
    p.type("reboot\r");
    EXPECT_EQ(p.wait_exit(30s), 133) << p.tail();
    EXPECT_EQ(p.count("Welcome to"), 1u);
    expect_clean(g_tree->str(), m);
}

// spawn's own READY=1 (Type=notify units): at start by default, as nspawn;
// with --notify-ready=yes only the guest's init's READY=1, relayed.
class BootNotify : public ::testing::TestWithParam<bool> {};

TEST_P(BootNotify, ReadyReachesOurNotifySocket) {
    const bool wait_for_guest = GetParam();
    auto m = unique_machine(wait_for_guest ? "notifyg" : "notify");
    char dir[] = "/tmp/spawn-notify-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir));
    std::string path = std::string(dir) + "/notify";
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    struct sockaddr_un sa = {};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    struct timeval tv = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    std::vector<std::string> extra;
    if (wait_for_guest) extra.push_back("--notify-ready=yes");
    PtyRun p(boot_argv(g_tree->str(), m, extra), {"NOTIFY_SOCKET=" + path});
    std::vector<std::string> datagrams;
    auto end = std::chrono::steady_clock::now() + 60s;
    auto ready = [&] {
        for (const auto& d : datagrams)
            if (d.find("READY=1") != std::string::npos) return true;
        return false;
    };
    while (!ready() && std::chrono::steady_clock::now() < end) {
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) datagrams.emplace_back(buf, static_cast<size_t>(n));
        p.wait_for("\x01never", 10ms);  // keep the console drained
    }
    ASSERT_TRUE(ready()) << p.tail();
    const std::string& first_ready = *std::find_if(datagrams.begin(), datagrams.end(),
                                                   [](const std::string& d) { return d.find("READY=1") != std::string::npos; });
    if (wait_for_guest)
        EXPECT_EQ(first_ready.find("Container running."), std::string::npos) << first_ready;  // the guest's
    else
        EXPECT_EQ(first_ready, "READY=1\nSTATUS=Container running.");  // spawn's, at start
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_exit(30s), 0);
    close(fd);
    fs::remove_all(dir);
    expect_clean(g_tree->str(), m);
}

INSTANTIATE_TEST_SUITE_P(Boot, BootNotify, ::testing::Values(false, true),
                         [](const auto& i) { return i.param ? std::string("WhenTheGuestIsReady") : std::string("AtStart"); });

TEST(Boot, WithoutATerminalTheBootLogReachesStdout) {
    // No terminal: the console is read-only (as nspawn), so the guest's boot
    // and shutdown messages reach spawn's stdout (a log file, a service's journal).
    // The guest is told to power off right away (init argument).
    auto m = unique_machine("log");
    auto r = spawn::test::run(boot_argv(g_tree->str(), m, {"systemd.unit=poweroff.target"}),
                              {.input = "", .timeout = 60s, .env = {}});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("running in system mode"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Powering off."), std::string::npos) << r.out;
    expect_clean(g_tree->str(), m);
}

TEST(Boot, TreeWithoutOsReleaseIsRefused) {
    TempTree t("busybox");
    fs::remove(t.path() / "etc/os-release");
    fs::remove(t.path() / "usr/lib/os-release");
    auto m = unique_machine("noos");
    auto r = spawn::test::run(boot_argv(t.str(), m), {.input = "", .timeout = 30s, .env = {}});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("os-release"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(t.str()), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line expected: " << r.err;
    expect_clean(t.str(), m);
}

TEST(Boot, TreeWithoutInitIsRefused) {
    TempTree t("busybox");  // has os-release, no systemd and no /sbin/init
    for (const char* p : {"usr/sbin/init", "sbin/init", "usr/lib/systemd/systemd"}) fs::remove(t.path() / p);
    auto m = unique_machine("noinit");
    auto r = spawn::test::run(boot_argv(t.str(), m), {.input = "", .timeout = 30s, .env = {}});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("no init"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("/sbin/init"), std::string::npos) << r.err;
    expect_clean(t.str(), m);
}

TEST(Boot, LinkJournalHostPutsJournalOnHost) {
    TempTree t("bookworm");  // its own tree: the machine id is fixed with --uuid
    const std::string id = "5ab0c0de5ab0c0de5ab0c0de5ab0c0de";
    fs::path host_journal = "/var/log/journal";
    bool created = !fs::exists(host_journal);
    if (created) fs::create_directories(host_journal);
    fs::path host_dir = host_journal / id;
    fs::remove_all(host_dir);

    auto m = unique_machine("journal");
    {
        PtyRun p(boot_argv(t.str(), m, {"--link-journal=host", "--uuid=" + id}));
        ASSERT_TRUE(p.wait_for("login:", 60s)) << p.tail();
        p.signal(SIGTERM);
        EXPECT_EQ(p.wait_exit(30s), 0) << p.tail();
    }
    bool has_journal = false;
    if (fs::is_directory(host_dir))
        for (const auto& e : fs::directory_iterator(host_dir))
            if (e.path().extension() == ".journal") has_journal = true;
    EXPECT_TRUE(has_journal) << host_dir << " has no journal file";
    if (has_journal) {
        // The guest's boot and shutdown were journaled on the host side.
        auto r = spawn::test::run({"journalctl", "-D", host_dir.string(), "--no-pager", "-o", "cat"});
        EXPECT_NE(r.out.find("Reached target multi-user.target"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("Shutdown"), std::string::npos) << r.out;
    }
    // The guest's side is only a mount point while it runs: empty in the tree now.
    fs::path guest_dir = t.path() / "var/log/journal" / id;
    EXPECT_TRUE(!fs::exists(guest_dir) || fs::is_empty(guest_dir));
    expect_clean(t.str(), m);

    fs::remove_all(host_dir);
    if (created) fs::remove_all(host_journal);
}

TEST(Boot, LinkJournalRefusesHostMachineId) {
    // The tree claims the host's machine id: linking is refused (no try-).
    TempTree t("busybox");
    auto host_id = spawn::test::read_file("/etc/machine-id");
    ASSERT_FALSE(host_id.empty());
    {
        FILE* f = fopen((t.path() / "etc/machine-id").c_str(), "w");
        ASSERT_TRUE(f);
        fputs(host_id.c_str(), f);
        fclose(f);
    }
    fs::create_directories(t.path() / "usr/lib/systemd");
    fs::copy_file("/bin/true", t.path() / "usr/lib/systemd/systemd");  // an "init" that exits
    auto m = unique_machine("sameid");
    auto r = spawn::test::run(boot_argv(t.str(), m, {"--link-journal=guest"}), {.input = "", .timeout = 30s, .env = {}});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("equals the host"), std::string::npos) << r.err;
    expect_clean(t.str(), m);
}

TEST(Boot, KeepUnitUnderSystemdUsesPayloadAndSupervisorCgroups) {
    // Pretend to be spawn@.service on a systemd host: /run/systemd/system
    // exists (in a private mount namespace) and spawn starts in a unit's
    // cgroup (name=systemd and cgroup2 on this hybrid host).
    if (!fs::exists("/sys/fs/cgroup/unified/cgroup.procs")) GTEST_SKIP() << "needs the hybrid layout";
    const std::string unit = "spawn-test-" + std::to_string(getpid()) + ".service";
    std::vector<fs::path> units = {fs::path("/sys/fs/cgroup/systemd") / unit, fs::path("/sys/fs/cgroup/unified") / unit};
    for (auto& u : units) ASSERT_TRUE(fs::create_directory(u)) << u;
    auto m = unique_machine("unit");
    std::string script = "set -e; mkdir -p /run/systemd; mount -t tmpfs tmpfs /run/systemd; "
                         "mkdir /run/systemd/system; ";
    for (auto& u : units) script += "echo $$ > " + u.string() + "/cgroup.procs; ";
    script += "exec " + spawn::test::spawn_bin() + " --register=no --keep-unit -bD " + g_tree->str() + " -M " + m;
    {
        PtyRun p({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script});
        ASSERT_TRUE(p.wait_for("login:", 60s)) << p.tail();
        std::string self = spawn::test::read_file("/proc/" + std::to_string(p.pid()) + "/cgroup");
        EXPECT_NE(self.find("/" + unit + "/supervisor"), std::string::npos) << self;
        std::string kids = spawn::test::read_file("/proc/" + std::to_string(p.pid()) + "/task/" +
                                                  std::to_string(p.pid()) + "/children");
        int leader = std::atoi(kids.c_str());
        ASSERT_GT(leader, 0) << kids;
        std::string cg = spawn::test::read_file("/proc/" + std::to_string(leader) + "/cgroup");
        EXPECT_NE(cg.find("0::/" + unit + "/payload/init.scope"), std::string::npos) << cg;
        EXPECT_NE(cg.find("name=systemd:/" + unit + "/payload/init.scope"), std::string::npos) << cg;
        EXPECT_FALSE(fs::exists("/sys/fs/cgroup/unified/machine.slice/machine-" + m + ".scope"));
        p.signal(SIGTERM);
        EXPECT_EQ(p.wait_exit(30s), 0) << p.tail();
    }
    for (auto& u : units) {
        EXPECT_FALSE(fs::exists(u / "payload")) << "payload cgroup left in " << u;
        fs::remove(u / "supervisor");
        EXPECT_TRUE(fs::remove(u)) << u;
    }
}

// A guest that made its /var/log a symlink to a host directory: the journal
// link's directories are made in the tree without following it (with and
// without a user namespace), so nothing appears on the host.
TEST(Boot, LinkJournalNeverFollowsASymlinkTheGuestPlanted) {
    for (bool userns : {false, true}) {
        TempTree t("busybox");
        spawn::test::ScratchDir host;
        fs::remove_all(t.path() / "var/log");
        fs::create_directories(t.path() / "var");
        fs::create_symlink(host.path(), t.path() / "var/log");
        fs::create_directories(t.path() / "usr/lib/systemd");
        fs::copy_file("/bin/true", t.path() / "usr/lib/systemd/systemd");  // an "init" that exits
        const std::string id = "6ab0c0de5ab0c0de5ab0c0de5ab0c0de";
        std::vector<std::string> extra{"--link-journal=host", "--uuid=" + id};
        if (userns) extra.push_back("-U");
        auto m = unique_machine("jsym");
        auto r = spawn::test::run(boot_argv(t.str(), m, extra), {.input = "", .timeout = 30s, .env = {}});
        EXPECT_NE(r.status, 0) << "userns=" << userns;
        EXPECT_NE(r.err.find("symlink"), std::string::npos) << r.err;
        EXPECT_TRUE(fs::is_empty(host.path())) << "a directory was made through the guest's symlink, userns=" << userns;
        expect_clean(t.str(), m);
        fs::remove_all("/var/log/journal/" + id);
    }
}

// -x and every --volatile mode boot the Debian tree to running (or degraded)
// and leave the tree as it was. --volatile=yes has an empty /etc (no users):
// it is checked up to the multi-user target, as with systemd-nspawn.
TEST(Boot, ThrowawayRootsBootAndLeaveTheTreeUntouched) {
    const fs::path tree = g_tree->path();
    for (std::string mode : {"--volatile=yes", "--ephemeral", "--volatile=overlay", "--volatile=state"}) {
        SCOPED_TRACE(mode);
        auto m = unique_machine("throwaway");
        std::vector<std::string> extra = {mode};
        // An empty /etc is a first boot: no interactive wizard on the console.
        if (mode == "--volatile=yes") extra.push_back("systemd.firstboot=off");
        PtyRun p(boot_argv(tree.string(), m, extra));
        if (mode == "--volatile=yes") {
            ASSERT_TRUE(p.wait_for("Multi-User System", 90s)) << p.tail();
            p.signal(SIGTERM);
        } else {
            login_root(p);
            std::string state = shell(p, "systemctl is-system-running --wait");
            EXPECT_TRUE(state.find("running") != std::string::npos || state.find("degraded") != std::string::npos)
                << "systemctl is-system-running: " << state << "\n" << p.tail();
            EXPECT_NE(shell(p, "touch /var/spawn-throwaway && echo wrote").find("wrote"), std::string::npos);
            p.type("poweroff\r");
        }
        EXPECT_EQ(p.wait_exit(30s), 0) << p.tail();
        EXPECT_FALSE(fs::exists(tree / "var/spawn-throwaway"));
        expect_clean(tree.string(), m);
    }
}

// A raw disk image made from the Debian tree (a GPT with the x86-64 root of
// the Discoverable Partitions Specification) boots to running; its loop
// device is released after poweroff; with -x the image is not written.
TEST(Boot, ARawDiskImageBoots) {
    if (!fs::exists("/dev/loop-control")) GTEST_SKIP() << "no loop devices (/dev/loop-control)";
    spawn::test::ScratchDir d;
    const std::string image = (d.path() / "deb.raw").string();
    auto made = spawn::test::sh("truncate -s 602M '" + image + "' && printf 'label: gpt\\nstart=2048, size=1228800, "
                                "type=4f68bce3-e8cd-4db1-96e7-fbcaf984b709\\n' | sfdisk -q '" + image +
                                "' && mkfs.ext4 -F -q -d '" + g_tree->str() + "' -E offset=1048576 '" + image + "' 600M");
    ASSERT_EQ(made.status, 0) << made.err;
    auto backed_by_image = [&] {
        for (const auto& e : fs::directory_iterator("/sys/block")) {
            auto b = e.path() / "loop/backing_file";
            if (fs::exists(b) && spawn::test::read_file(b).find(image) != std::string::npos) return true;
        }
        return false;
    };
    for (const char* mode : {"", "-x"}) {
        SCOPED_TRACE(*mode ? mode : "writable");
        auto m = unique_machine("image");
        std::vector<std::string> argv = {spawn::test::spawn_bin(), "--register=no", "-b", "-i", image, "-M", m};
        if (*mode) argv.push_back(mode);
        const std::string sum = *mode ? spawn::test::sh("sha256sum '" + image + "'").out : "";
        PtyRun p(argv);
        login_root(p);
        std::string state = shell(p, "systemctl is-system-running --wait");
        EXPECT_TRUE(state.find("running") != std::string::npos || state.find("degraded") != std::string::npos)
            << "systemctl is-system-running: " << state << "\n" << p.tail();
        EXPECT_NE(shell(p, "findmnt -no FSTYPE /").find(*mode ? "overlay" : "ext4"), std::string::npos);
        EXPECT_TRUE(backed_by_image());
        p.type("poweroff\r");
        EXPECT_EQ(p.wait_exit(30s), 0) << p.tail();
        EXPECT_TRUE(spawn::test::eventually([&] { return !backed_by_image(); }, 5s)) << "the loop device is left";
        if (*mode) {
            EXPECT_EQ(spawn::test::sh("sha256sum '" + image + "'").out, sum) << "-x wrote the image";
        }
    }
}
