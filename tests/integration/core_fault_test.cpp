// Bad input and faults: each refusal is one clear line, a non-zero exit, and
// leaves no mount, cgroup or lock behind; the busy lock; SIGKILL of spawn.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core_util.hpp"
#include "harness.hpp"
#include "util/fd.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;

namespace {

int lines(const std::string& s) {
    int n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

// Runs spawn with args, expects failure with message, then checks nothing is
// left and the tree (when given) is usable again (lock released).
void expect_refused(const std::vector<std::string>& args, const std::string& message,
                    const TempTree* tree = nullptr, const std::string& machine = "") {
    auto before = host_mount_points();
    auto r = run(spawn_cmd(args));
    EXPECT_NE(r.status, 0) << "accepted: " << r.out;
    EXPECT_NE(r.err.find(message), std::string::npos) << "stderr: " << r.err;
    EXPECT_EQ(lines(r.err), 1) << "stderr: " << r.err;
    EXPECT_EQ(r.out, "");
    if (tree) {
        EXPECT_TRUE(mounts_under(tree->path()).empty());
        EXPECT_EQ(leaked_mounts(before, tree->str()), std::vector<std::string>{});
        EXPECT_TRUE(machine_cgroups(machine.empty() ? tree->path().filename().string() : machine).empty());
    }
}

}  // namespace

TEST(CoreFault, MissingTree) {
    expect_refused({"-D", "/var/tmp/spawn-no-such-tree", "true"}, "Directory tree /var/tmp/spawn-no-such-tree does not exist");
}

TEST(CoreFault, TreeIsAFile) {
    TempTree t("busybox");
    expect_refused({"-D", (t.path() / "etc/passwd").string(), "true"}, "is not a directory");
}

TEST(CoreFault, TreeWithoutUsr) {
    TempTree t("busybox");
    fs::path empty = t.path() / "root";
    expect_refused({"-D", empty.string(), "true"}, "no /usr directory");
}

TEST(CoreFault, HostRootAsTree) {
    expect_refused({"-D", "/", "true"}, "root directory");
    expect_refused({"-D", "/usr/..", "-M", "hostroot", "true"}, "root directory");  // past the parser
}

TEST(CoreFault, KernelDirsThatAreSymlinksOutsideAreRefused) {
    for (const char* d : {"proc", "sys", "dev"}) {
        TempTree t("busybox");
        fs::remove_all(t.path() / d);
        fs::create_symlink(std::string("/var/tmp/spawn-evil-") + d, t.path() / d);
        expect_refused({"-D", t.str(), "true"}, std::string("/") + d + " is a symlink", &t);
        fs::remove(t.path() / d);
    }
    TempTree rel("busybox");
    fs::remove_all(rel.path() / "proc");
    fs::create_symlink("../../../../proc", rel.path() / "proc");
    expect_refused({"-D", rel.str(), "true"}, "/proc is a symlink", &rel);
}

TEST(CoreFault, MissingCommandBinary) {
    TempTree t("busybox");
    expect_refused({"-D", t.str(), "/usr/bin/no-such-binary"},
                   "Failed to execute /usr/bin/no-such-binary: No such file or directory", &t);
    auto r = run(spawn_cmd({"-D", t.str(), "/usr/bin/no-such-binary"}));
    EXPECT_EQ(r.status, 1);  // as systemd-nspawn
    // The tree is usable again: no lock left.
    EXPECT_EQ(run(spawn_cmd({"-D", t.str(), "true"})).status, 0);
}

TEST(CoreFault, UnknownUser) {
    TempTree t("busybox");
    expect_refused({"-D", t.str(), "-u", "nosuchuser", "true"}, "User nosuchuser not found", &t);
}

TEST(CoreFault, SecondStartOfATreeIsBusy) {
    TempTree t("busybox");
    Background first(spawn_cmd({"-D", t.str(), "sleep", "1000"}));  // until the SIGTERM below
    ASSERT_TRUE(eventually([&] { return !machine_cgroups(t.path().filename().string()).empty(); },
                           std::chrono::seconds(5)));
    auto start = std::chrono::steady_clock::now();
    auto r = run(spawn_cmd({"-D", t.str(), "-M", "othername", "true"}));
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("Directory tree " + t.str() + " is currently busy."), std::string::npos) << r.err;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));  // fails at once
    EXPECT_TRUE(machine_cgroups("othername").empty());
    kill(first.pid(), SIGTERM);
    EXPECT_EQ(first.wait(std::chrono::seconds(10)), 1);
    // Released on exit.
    EXPECT_EQ(run(spawn_cmd({"-D", t.str(), "true"})).status, 0);
}

TEST(CoreFault, ReadOnlyStartsShareTheTree) {
    TempTree t("busybox");
    const std::string a = "corero-a" + std::to_string(getpid()), b = "corero-b" + std::to_string(getpid());
    Background first(spawn_cmd({"-D", t.str(), "--read-only", "-M", a, "sleep", "1000"}));  // until the SIGTERM below
    ASSERT_TRUE(eventually([&] { return !machine_cgroups(a).empty(); }, std::chrono::seconds(5)));
    auto r = run(spawn_cmd({"-D", t.str(), "--read-only", "-M", b, "echo", "shared"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "shared\n");
    // A writable start still conflicts with the read-only one.
    auto w = run(spawn_cmd({"-D", t.str(), "-M", b, "true"}));
    EXPECT_NE(w.err.find("is currently busy"), std::string::npos) << w.err;
    kill(first.pid(), SIGTERM);
    first.wait(std::chrono::seconds(10));
}

TEST(CoreFault, SigkillOfSpawnLeavesNoContainerProcessAndNoMount) {
    TempTree t("busybox");
    auto before = host_mount_points();
    const std::string marker = "spawn-core-marker-" + std::to_string(getpid());
    Background bg(spawn_cmd({"-D", t.str(), "/bin/sh", "-c", "sh -c 'echo ready; sleep 1000; : " + marker + "' & sleep 1000; : " + marker}));
    // The container's sh (PID 1) and its child sh run (spawn's own command
    // line has the marker from the start, so the output tells).
    ASSERT_TRUE(eventually([&] { return bg.out() == "ready\n"; }, std::chrono::seconds(5)))
        << "container did not start: " << bg.err();
    auto container_pids = pids_with_marker(marker);
    kill(bg.pid(), SIGKILL);
    EXPECT_EQ(bg.wait(std::chrono::seconds(5)), 128 + SIGKILL);
    // Every process of the container is gone within a second.
    EXPECT_TRUE(eventually([&] { return pids_with_marker(marker).empty(); }, std::chrono::seconds(1)));
    EXPECT_TRUE(eventually([&] {
        for (pid_t p : container_pids)
            if (kill(p, 0) == 0 && !read_file("/proc/" + std::to_string(p) + "/cmdline").empty()) return false;
        return true;
    }, std::chrono::seconds(1)));
    EXPECT_TRUE(mounts_under(t.path()).empty());
    EXPECT_EQ(leaked_mounts(before, t.str()), std::vector<std::string>{});
    // The next start cleans the stale cgroup and runs.
    auto r = run(spawn_cmd({"-D", t.str(), "echo", "again"}));
    EXPECT_EQ(r.out, "again\n") << r.err;
    EXPECT_TRUE(machine_cgroups(t.path().filename().string()).empty());
}

TEST(CoreFault, InvalidNamesAndValuesStopBeforeAnythingIsSetUp) {
    TempTree t("busybox");
    const std::vector<std::vector<std::string>> bad = {
        {"-M", "bad name"}, {"-M", "-lead"}, {"-M", ".host"}, {"--hostname="}, {"--kill-signal=NOPE"},
        {"--console=bogus"}, {"--uuid=xyz"}, {"--bind="}, {"--tmpfs=relative"}, {"-u", ""},
        {"--chdir=relative"}, {"-E", "=x"}, {"--register=maybe"}};
    for (const auto& args : bad) {
        std::vector<std::string> a = {"-D", t.str()};
        a.insert(a.end(), args.begin(), args.end());
        a.push_back("true");
        SCOPED_TRACE(args[0] + (args.size() > 1 ? " " + args[1] : ""));
        expect_refused(a, "", &t);
    }
    EXPECT_EQ(run(spawn_cmd({"-D", t.str(), "true"})).status, 0);  // no lock left
}

TEST(CoreFault, MissingBindSourceIsReportedByTheChild) {
    TempTree t("busybox");
    expect_refused({"-D", t.str(), "--bind=+/usr/no-such-dir:/mnt/x", "true"}, "/usr/no-such-dir", &t);
    expect_refused({"-D", t.str(), "--bind=/var/tmp/spawn-no-such-source:/mnt/x", "true"},
                   "/var/tmp/spawn-no-such-source", &t);
}

TEST(CoreFault, SymlinksInTheTreeCannotRedirectBindsToTheHost) {
    TempTree t("busybox");
    char tmpl[] = "/var/tmp/spawn-src-XXXXXX";
    fs::path src = mkdtemp(tmpl);
    std::ofstream(src / "probe") << "probe\n";
    // /mnt/evil -> /etc: naively followed, the bind would land on the host's /etc.
    fs::create_directories(t.path() / "mnt");
    fs::create_symlink("/etc", t.path() / "mnt" / "evil");
    const std::string name = "spawn-core-probe-" + std::to_string(getpid());
    auto before = host_mount_points();
    auto r = run(spawn_cmd({"-D", t.str(), "--bind=" + src.string() + ":/mnt/evil/" + name, "cat",
                            "/etc/" + name + "/probe"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "probe\n");                      // it landed on the container's /etc
    EXPECT_FALSE(fs::exists("/etc/" + name));          // never on the host's
    EXPECT_TRUE(fs::exists(t.path() / "etc" / name));  // the mount point was made inside the tree
    EXPECT_EQ(leaked_mounts(before, t.str()), std::vector<std::string>{});
    fs::remove_all(src);
}

// Two starts of one machine name on two trees at the same instant: one runs,
// the other fails at once saying so, and touches nothing of the winner's (its
// cgroup stays, its process is not killed). Repeated: the race is narrow.
TEST(CoreFault, TwoStartsOfOneNameAtOnceLeaveTheWinnerAlone) {
    TempTree a("busybox"), b("busybox");
    const std::string name = "corerace" + std::to_string(getpid());
    for (int trial = 0; trial < 20; ++trial) {
        std::vector<std::string> script{"/bin/sh", "-c", "echo up; exec sleep 600"};
        auto argv = [&](const TempTree& t) {
            auto v = spawn_cmd({"-M", name, "-D", t.str()});
            v.insert(v.end(), script.begin(), script.end());
            return v;
        };
        Background first(argv(a)), second(argv(b));
        Background* loser = nullptr;
        ASSERT_TRUE(eventually([&] {
            if (first.wait(std::chrono::milliseconds(0)) != -1) loser = &first;
            else if (second.wait(std::chrono::milliseconds(0)) != -1) loser = &second;
            return loser != nullptr;
        }, std::chrono::seconds(20))) << "trial " << trial << ": both still run";
        Background* winner = loser == &first ? &second : &first;
        EXPECT_NE(loser->err().find("already running"), std::string::npos) << "trial " << trial << ": " << loser->err();
        // The winner runs on, in its cgroup.
        ASSERT_TRUE(eventually([&] { return winner->out() == "up\n"; }, std::chrono::seconds(20)))
            << "trial " << trial << ": " << winner->err();
        EXPECT_EQ(winner->wait(std::chrono::milliseconds(0)), -1) << "trial " << trial << ": " << winner->err();
        EXPECT_FALSE(machine_cgroups(name).empty()) << "trial " << trial;
        kill(winner->pid(), SIGTERM);
        EXPECT_NE(winner->wait(std::chrono::seconds(10)), -1);
        EXPECT_TRUE(eventually([&] { return machine_cgroups(name).empty(); }, std::chrono::seconds(5))) << "trial " << trial;
        EXPECT_FALSE(fs::exists(std::string("/run/spawn/names/") + name + ".lock")) << "trial " << trial;
        if (HasFailure()) break;
    }
}

// Any signal that would end spawn is a stop request: spawn tears down (no
// cgroup, no mount left) instead of dying half-way.
TEST(CoreFault, EveryTerminatingSignalTearsDown) {
    TempTree t("busybox");
    auto before = host_mount_points();
    for (int sig : {SIGUSR1, SIGUSR2, SIGALRM, SIGPWR, SIGRTMIN + 5, SIGHUP}) {
        const std::string name = "coresig" + std::to_string(sig) + "-" + std::to_string(getpid());
        Background bg(spawn_cmd({"-D", t.str(), "-M", name, "sleep", "1000"}));
        ASSERT_TRUE(eventually([&] { return !machine_cgroups(name).empty(); }, std::chrono::seconds(10)))
            << strsignal(sig) << ": " << bg.err();
        kill(bg.pid(), sig);
        EXPECT_EQ(bg.wait(std::chrono::seconds(20)), 1) << strsignal(sig) << ": " << bg.err();
        EXPECT_TRUE(machine_cgroups(name).empty()) << strsignal(sig);
        EXPECT_EQ(leaked_mounts(before, t.str()), std::vector<std::string>{}) << strsignal(sig);
    }
}

// A system bus that accepts connections and never answers costs spawn
// (--register=auto) and mctl a bounded wait, named in one line, instead of
// sd-bus's 90 s; spawn then runs the machine unregistered.
TEST(CoreFault, ABusThatNeverAnswersIsABoundedWait) {
    ScratchDir d;
    const std::string path = (d.path() / "bus").string();
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path.c_str());
    spawn::UniqueFd listener(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(listener);
    int fd = listener.get();
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ASSERT_EQ(listen(fd, 16), 0);  // connections queue; none is ever accepted or answered
    RunOptions o;
    o.env = {"DBUS_SYSTEM_BUS_ADDRESS=unix:path=" + path};
    o.timeout = std::chrono::seconds(60);
    TempTree t("busybox");
    auto begin = std::chrono::steady_clock::now();
    auto r = run({spawn_bin(), "-q", "--register=auto", "-D", t.str(), "echo", "ran"}, o);
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(30));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "ran\n");
    EXPECT_NE(r.err.find("the system bus at unix:path=" + path + " did not answer within 10 s"), std::string::npos)
        << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    begin = std::chrono::steady_clock::now();
    auto m = run({mctl_bin(), "list"}, o);
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(30));
    EXPECT_EQ(m.status, 1);
    EXPECT_NE(m.err.find("did not answer within 10 s"), std::string::npos) << m.err;
}

// Where SELinux is not enabled (this kind of machine), -Z and -L are refused
// in one line before anything is set up.
TEST(CoreFault, SelinuxLabelsWithoutSelinuxAreRefused) {
    if (access("/sys/fs/selinux/enforce", F_OK) == 0) GTEST_SKIP() << "SELinux is enabled on this host";
    TempTree t("busybox");
    const std::string name = "coreselinux" + std::to_string(getpid());
    auto before = host_mount_points();
    for (const char* opt : {"-Zsystem_u:system_r:container_t:s0", "--selinux-apifs-context=system_u:object_r:x:s0"}) {
        auto r = run(spawn_cmd({"-D", t.str(), "-M", name, opt, "/bin/true"}));
        EXPECT_EQ(r.status, 1) << opt;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_NE(r.err.find("SELinux is not enabled on this host"), std::string::npos) << r.err;
        EXPECT_TRUE(machine_cgroups(name).empty());
        EXPECT_EQ(leaked_mounts(before, t.str()), std::vector<std::string>{});
    }
}

// A stop request that reaches PID 1 before it catches the kill signal (a
// booting systemd's first milliseconds: a namespace's init drops a signal it
// leaves at SIG_DFL) is sent again once it does, instead of being lost with
// spawn waiting for ever. Found as a hang of Boot/BootNotify.AtStart under load.
TEST(CoreFault, AStopBeforePid1CatchesTheKillSignalIsNotLost) {
    TempTree t("busybox");
    ScratchDir d;
    const std::string flag = (d.path() / "trapped").string();
    Background bg(spawn_cmd({"-D", t.str(), "--bind=" + d.str() + ":/flag", "--kill-signal=SIGUSR1", "/bin/sh", "-c",
                             "echo up; while ! test -e /flag/go; do sleep 0.05; done;"
                             " trap 'exit 7' USR1; touch /flag/trapped; while :; do sleep 0.05; done"}));
    ASSERT_TRUE(eventually([&] { return bg.out().find("up") != std::string::npos; }, std::chrono::seconds(10)))
        << bg.err();
    kill(bg.pid(), SIGTERM);  // PID 1 has no handler yet: the kernel drops the SIGUSR1
    std::ofstream(d.path() / "go") << "";
    ASSERT_TRUE(eventually([&] { return fs::exists(flag); }, std::chrono::seconds(10)));
    EXPECT_EQ(bg.wait(std::chrono::seconds(10)), 7) << bg.err();
}

TEST(CoreFault, AForkBombStopsAtTheMachinesTasksLimitAndTheHostGoesOn) {
    if (!fs::exists("/sys/fs/cgroup/pids/cgroup.procs") && !fs::exists("/sys/fs/cgroup/unified/cgroup.procs") &&
        !fs::exists("/sys/fs/cgroup/cgroup.procs"))
        GTEST_SKIP() << "no pids controller on this host";
    TempTree t("busybox");
    // A subshell forks until the kernel refuses (the shell gives up there);
    // PID 1 counts the processes with the shell's own glob (no fork left for
    // ls), then ends (PID 1's exit ends them all).
    auto r = run(spawn_cmd({"-D", t.str(), "--property=TasksMax=20", "/bin/sh", "-c",
                            "(i=0; while [ $i -lt 60 ]; do sleep 60 & i=$((i+1)); done) 2>/dev/null; "
                            "set -- /proc/[0-9]*; echo $#"}));
    EXPECT_EQ(r.status, 0) << r.err;
    ASSERT_FALSE(r.out.empty()) << r.err;
    const int tasks = std::stoi(r.out);
    EXPECT_LE(tasks, 20) << "the limit did not hold";
    EXPECT_GE(tasks, 15) << "the loop never reached the limit";
    // The host goes on: it forks, and a new machine starts.
    EXPECT_EQ(sh("true").status, 0);
    auto again = run(spawn_cmd({"-D", t.str(), "echo", "again"}));
    EXPECT_EQ(again.out, "again\n") << again.err;
}
