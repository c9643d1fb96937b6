// spawn runs a command in a tree: PID 1, hostname, exit status, stdin, the
// environment, /proc, /sys, /dev, no mount or fd leak, custom mounts,
// --private-network, --as-pid2, -u, --chdir.
#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "cgroup_layout.hpp"
#include "core_util.hpp"
#include "harness.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    std::string w;
    while (in >> w) out.push_back(w);
    return out;
}

std::string tree_name(const TempTree& t) { return t.path().filename().string(); }

}  // namespace

TEST(CoreRun, EchoAndExitStatus) {
    TempTree t("busybox");
    auto r = run(spawn_cmd({"-D", t.str(), "/bin/echo", "hi"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "hi\n");
    auto e = run(spawn_cmd({"-D", t.str(), "/bin/sh", "-c", "exit 7"}));
    EXPECT_EQ(e.status, 7) << e.err;
}

TEST(CoreRun, CommandIsPid1AndHostnameIsTheMachine) {
    TempTree t("busybox");
    auto r = run(spawn_cmd({"-D", t.str(), "/bin/sh", "-c", "echo $$; hostname"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(words(r.out), (std::vector<std::string>{"1", tree_name(t)}));
    auto m = run(spawn_cmd({"-D", t.str(), "-M", "coretest1", "hostname"}));
    EXPECT_EQ(m.out, "coretest1\n") << m.err;
    auto h = run(spawn_cmd({"-D", t.str(), "-M", "coretest1", "--hostname", "other", "hostname"}));
    EXPECT_EQ(h.out, "other\n") << h.err;
}

TEST(CoreRun, StdinIsPipedAndClosed) {
    TempTree t("busybox");
    RunOptions o;
    o.input = "x\nsecond line\n";
    o.timeout = std::chrono::seconds(10);
    auto r = run(spawn_cmd({"-D", t.str(), "cat"}), o);
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "x\nsecond line\n");
    // Without -q either: nothing but the payload's output on stdout.
    auto nq = run({spawn_bin(), "--register=no", "-D", t.str(), "cat"}, o);
    EXPECT_EQ(nq.out, "x\nsecond line\n");
}

TEST(CoreRun, HostProcessesAreInvisible) {
    TempTree t("busybox");
    auto r = run(spawn_cmd({"-D", t.str(), "/bin/sh", "-c", "ls /proc | grep '^[0-9]*$'"}));
    EXPECT_EQ(r.status, 0) << r.err;
    auto pids = words(r.out);
    EXPECT_FALSE(pids.empty());
    for (const auto& p : pids) EXPECT_LT(std::stoi(p), 10) << "host process visible: " << p;
    EXPECT_EQ(std::count(pids.begin(), pids.end(), std::to_string(getpid())), getpid() < 10 ? 1 : 0);
}

TEST(CoreRun, Environment) {
    TempTree t("busybox");
    auto r = run(spawn_cmd({"-D", t.str(), "-E", "FOO=bar baz", "--uuid=01234567-89ab-cdef-0123-456789abcdef", "env"}));
    ASSERT_EQ(r.status, 0) << r.err;
    for (const char* e : {"container=spawn", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                          "HOME=/root", "USER=root", "TERM=vt220", "FOO=bar baz"})
        EXPECT_NE(r.out.find(std::string(e) + "\n"), std::string::npos) << e << " missing in:\n" << r.out;
    EXPECT_NE(r.out.find("container_uuid=01234567-89ab-cdef-0123-456789abcdef\n"), std::string::npos) << r.out;
}

TEST(CoreRun, ProcSysAndSysAreReadOnly) {
    TempTree t("busybox");
    auto r = run(spawn_cmd({"-D", t.str(), "/bin/sh", "-c",
                            "echo x > /proc/sys/kernel/hostname && echo WROTE-PROC; "
                            "touch /sys/kernel/x 2>/dev/null && echo WROTE-SYS; "
                            "grep -E ' /proc/sys | /sys ' /proc/self/mountinfo"}));
    EXPECT_EQ(r.out.find("WROTE"), std::string::npos) << r.out;
    bool proc_sys_ro = false, sys_ro = false;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        auto f = words(line);
        if (f.size() < 6) continue;
        bool ro = f[5].rfind("ro", 0) == 0;
        if (f[4] == "/proc/sys") proc_sys_ro = ro;
        if (f[4] == "/sys") sys_ro = ro;
    }
    EXPECT_TRUE(proc_sys_ro) << r.out;
    EXPECT_TRUE(sys_ro) << r.out;
}

TEST(CoreRun, SensitiveProcFilesAreMasked) {
    TempTree t("busybox");
    for (const char* f : {"/proc/kallsyms", "/proc/kcore", "/proc/keys", "/proc/sysrq-trigger", "/proc/timer_list"}) {
        if (!fs::exists(f)) continue;
        auto r = run(spawn_cmd({"-D", t.str(), "/bin/sh", "-c", std::string("wc -c < ") + f}));
        EXPECT_EQ(r.status, 0) << f << ": " << r.err;
        EXPECT_EQ(words(r.out), std::vector<std::string>{"0"}) << f;
    }
}

TEST(CoreRun, DevContents) {
    TempTree t("busybox");
    auto r = run(spawn_cmd({"-D", t.str(), "/bin/sh", "-c",
                            "for d in null zero full random urandom tty net/tun; do "
                            "  [ -c /dev/$d ] && echo $d $(stat -c %t:%T /dev/$d); done; "
                            "readlink /dev/ptmx; [ -c /dev/pts/ptmx ] && echo pts; ls /dev/pts | wc -l; "
                            "grep ' /dev/shm ' /proc/self/mountinfo | grep -c tmpfs; "
                            "grep ' /dev/pts ' /proc/self/mountinfo | grep -c 'ptmxmode=666'; "
                            "grep ' /run ' /proc/self/mountinfo | grep -c tmpfs"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out,
              "null 1:3\nzero 1:5\nfull 1:7\nrandom 1:8\nurandom 1:9\ntty 5:0\nnet/tun a:c8\n"
              "pts/ptmx\npts\n1\n1\n1\n1\n");
}

TEST(CoreRun, NoMountLeaksToTheHost) {
    TempTree t("busybox");
    auto before = host_mount_points();
    auto r = run(spawn_cmd({"-D", t.str(), "--tmpfs=/scratch", "/bin/sh", "-c",
                            "mkdir -p /run/m && mount -t tmpfs none /run/m && grep -c . /proc/self/mountinfo"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_GT(std::atoi(r.out.c_str()), 5) << r.out;
    EXPECT_TRUE(mounts_under(t.path()).empty());
    EXPECT_EQ(leaked_mounts(before, t.str()), std::vector<std::string>{});
    EXPECT_TRUE(machine_cgroups(tree_name(t)).empty());
}

TEST(CoreRun, OnlyStdioReachesTheContainer) {
    TempTree t("busybox");
    int fd = open("/etc/hostname", O_RDONLY);  // not close-on-exec: spawn inherits it
    ASSERT_GE(fd, 0);
    ASSERT_GE(dup2(fd, 42), 0);
    auto r = run(spawn_cmd({"-D", t.str(), "/bin/sh", "-c", "ls /proc/1/fd; exit 0"}));
    close(42);
    close(fd);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(words(r.out), (std::vector<std::string>{"0", "1", "2"})) << r.out;
}

TEST(CoreRun, BindBindRoTmpfs) {
    TempTree t("busybox");
    char tmpl[] = "/var/tmp/spawn-bind-XXXXXX";
    fs::path host = mkdtemp(tmpl);
    std::ofstream(host / "in.txt") << "from host\n";
    auto r = run(spawn_cmd({"-D", t.str(), "--bind", host.string() + ":/mnt/rw", "--bind-ro",
                            host.string() + ":/mnt/ro", "--tmpfs", "/scratch:mode=0700", "/bin/sh", "-c",
                            "cat /mnt/rw/in.txt; echo out > /mnt/rw/out.txt; "
                            "echo no > /mnt/ro/x 2>/dev/null || echo RO-REFUSED; "
                            "stat -c %a /scratch; grep ' /scratch ' /proc/self/mountinfo | grep -c tmpfs"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "from host\nRO-REFUSED\n700\n1\n");
    EXPECT_EQ(read_file(host / "out.txt"), "out\n");
    EXPECT_FALSE(fs::exists(host / "x"));
    EXPECT_FALSE(fs::exists(t.path() / "scratch" / "anything"));
    EXPECT_TRUE(mounts_under(t.path()).empty());
    fs::remove_all(host);
}

TEST(CoreRun, ReadOnlyRoot) {
    TempTree t("busybox");
    auto r = run(spawn_cmd({"-D", t.str(), "--read-only", "/bin/sh", "-c",
                            "touch /root/x 2>/dev/null && echo WROTE; touch /tmp/ok && echo TMP-OK"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "TMP-OK\n");
    EXPECT_FALSE(fs::exists(t.path() / "root" / "x"));
}

TEST(CoreRun, PrivateNetworkHasOnlyLoopbackUp) {
    TempTree t("busybox");
    auto r = run(spawn_cmd({"-D", t.str(), "--private-network", "/bin/sh", "-c",
                            "ls /sys/class/net; ip -o link | grep -c 'lo:.*UP'; "
                            "cat /proc/sys/net/ipv4/ip_forward > /tmp/v && cat /tmp/v > /proc/sys/net/ipv4/ip_forward && echo NET-SYSCTL-RW; "
                            "echo x > /proc/sys/kernel/hostname 2>/dev/null || echo KERNEL-SYSCTL-RO"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "lo\n1\nNET-SYSCTL-RW\nKERNEL-SYSCTL-RO\n");
    // Without a network namespace of its own, /proc/sys/net is the host's: read-only.
    auto host = run(spawn_cmd({"-D", t.str(), "/bin/sh", "-c",
                               "cat /proc/sys/net/ipv4/ip_forward > /tmp/v; (cat /tmp/v > /proc/sys/net/ipv4/ip_forward) 2>/dev/null || echo RO"}));
    EXPECT_EQ(host.out, "RO\n");
}

TEST(CoreRun, AsPid2RunsAStubInitThatReapsZombies) {
    TempTree t("busybox");
    // An orphan (its parent sh exits at once, so the stub init inherits it)
    // is killed; once the stub has reaped it, its /proc entry is gone (a
    // zombie keeps it). Then no zombie is left anywhere in the container.
    auto r = run(spawn_cmd({"-D", t.str(), "-a", "/bin/sh", "-c",
                            "echo $$; cat /proc/1/comm; sh -c 'sleep 1000 & echo $! > /tmp/orphan'; "
                            "o=$(cat /tmp/orphan); kill $o; "
                            "n=0; while [ -e /proc/$o ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n+1)); done; "
                            "cat /proc/[0-9]*/stat 2>/dev/null | grep -c ') Z '; exit 5"}));
    EXPECT_EQ(r.status, 5) << r.err;
    EXPECT_EQ(words(r.out), (std::vector<std::string>{"2", "spawn-stub", "0"})) << r.out;
}

TEST(CoreRun, UserAndChdir) {
    TempTree t("busybox");
    auto r = run(spawn_cmd({"-D", t.str(), "-u", "daemon", "--chdir=/tmp", "/bin/sh", "-c",
                            "id -u; id -g; pwd; echo $HOME $USER"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "1\n1\n/tmp\n/usr/sbin daemon\n");
}

TEST(CoreRun, ContainerCgroupExistsWhileRunningAndIsRemoved) {
    TempTree t("busybox");
    const std::string name = "corecg" + std::to_string(getpid());
    auto r = run(spawn_cmd({"-D", t.str(), "-M", name, "/bin/sh", "-c", "cat /proc/self/cgroup"}));
    EXPECT_EQ(r.status, 0) << r.err;
    // Inside its cgroup namespace the container sees itself at the root.
    EXPECT_NE(r.out.find("0::/\n"), std::string::npos) << r.out;
    EXPECT_TRUE(machine_cgroups(name).empty());
    const std::string seconds = std::to_string(100000 + getpid());  // marks its PID 1
    Background bg(spawn_cmd({"-D", t.str(), "-M", name, "sleep", seconds}));  // until the SIGTERM below
    EXPECT_TRUE(eventually([&] { return !machine_cgroups(name).empty(); }, std::chrono::seconds(5)));
    auto cgs = machine_cgroups(name);
    ASSERT_FALSE(cgs.empty());
    for (const auto& c : cgs) EXPECT_NE(c.find("/machine.slice/machine-" + name + ".scope"), std::string::npos) << c;
    // Its PID 1 is in the machine's scope in every hierarchy, each cgroup v1
    // controller's included (it joins those itself: Cgroup::join_v1_self).
    pid_t leader = 0;
    ASSERT_TRUE(eventually([&] {
        for (pid_t p : pids_with_marker("sleep " + seconds))
            if (read_file("/proc/" + std::to_string(p) + "/comm") == "sleep\n") leader = p;
        return leader > 0;
    }, std::chrono::seconds(5)));
    const std::string placed = read_file("/proc/" + std::to_string(leader) + "/cgroup");
    size_t lines = 0;
    for (const auto& line : lines_of(placed)) {
        ++lines;
        EXPECT_TRUE(line.ends_with(":/machine.slice/machine-" + name + ".scope")) << line;
    }
    EXPECT_EQ(lines, cgs.size()) << placed;
    // SIGTERM to spawn sends --kill-signal (SIGKILL without -b) to PID 1.
    kill(bg.pid(), SIGTERM);
    EXPECT_EQ(bg.wait(std::chrono::seconds(10)), 1);
    EXPECT_NE(bg.err().find("Container " + name + " terminated by signal SIGKILL."), std::string::npos) << bg.err();
    EXPECT_TRUE(machine_cgroups(name).empty());
}

TEST(CoreRun, ListenFdsArePassedThrough) {
    TempTree t("busybox");
    char tmpl[] = "/tmp/spawn-listen-XXXXXX";
    int tmp = mkstemp(tmpl);
    ASSERT_GE(tmp, 0);
    ASSERT_EQ(write(tmp, "socket-data\n", 12), 12);
    close(tmp);
    char outl[] = "/tmp/spawn-listen-out-XXXXXX";
    int out = mkstemp(outl);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out, 1);
        int fd = open(tmpl, O_RDONLY);
        int extra = open("/etc/hostname", O_RDONLY);
        dup2(fd, 30);
        dup2(extra, 40);
        dup2(30, 3);  // fd 3: the one "socket" announced by LISTEN_FDS
        dup2(40, 4);  // not announced: must not reach the container
        setenv("LISTEN_FDS", "1", 1);
        setenv("LISTEN_PID", std::to_string(getpid()).c_str(), 1);
        reset_signals();
        execl(spawn_bin().c_str(), spawn_bin().c_str(), "-q", "--register=no", "-D", t.str().c_str(), "/bin/sh",
              "-c", "echo $LISTEN_FDS $LISTEN_PID; ls /proc/1/fd; cat <&3", static_cast<char*>(nullptr));
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    close(out);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    EXPECT_EQ(read_file(outl), "1 1\n0\n1\n2\n3\nsocket-data\n");
    unlink(tmpl);
    unlink(outl);
}

TEST(CoreRun, SigtermSendsTheKillSignalThenASecondOneKills) {
    TempTree t("busybox");
    using namespace std::chrono_literals;
    // --kill-signal=SIGTERM: the stub init forwards it to the command, which
    // dies of it. The command says when it runs (then execs sleep).
    Background a(spawn_cmd({"-D", t.str(), "-M", "coreterma", "--kill-signal=SIGTERM", "-a", "/bin/sh", "-c",
                            "echo running; exec sleep 100"}));
    ASSERT_TRUE(eventually([&] { return a.out().find("running\n") != std::string::npos; }, 30s)) << a.err();
    kill(a.pid(), SIGTERM);
    EXPECT_EQ(a.wait(std::chrono::seconds(10)), 128 + SIGTERM) << a.err();
    // A command that survives it (catches it and goes on): the second SIGTERM
    // kills the container.
    Background b(spawn_cmd({"-D", t.str(), "-M", "coretermb", "--kill-signal=SIGTERM", "-a", "/bin/sh", "-c",
                            "trap 'echo got-TERM' TERM; echo trap-set; while :; do sleep 0.1; echo tick; done"}));
    ASSERT_TRUE(eventually([&] { return b.out().find("trap-set\n") != std::string::npos; }, 30s)) << b.err();
    kill(b.pid(), SIGTERM);
    // Still running after the first: the command got the signal and ticks on.
    EXPECT_TRUE(eventually([&] {
        auto out = b.out();
        auto got = out.find("got-TERM\n");
        return got != std::string::npos && out.find("tick\n", got) != std::string::npos;
    }, 30s)) << b.out() << b.err();
    EXPECT_EQ(b.wait(std::chrono::milliseconds(0)), -1);  // still running
    kill(b.pid(), SIGTERM);
    EXPECT_EQ(b.wait(std::chrono::seconds(10)), 1);
    EXPECT_NE(b.err().find("terminated by signal SIGKILL"), std::string::npos) << b.err();
    EXPECT_TRUE(machine_cgroups("coretermb").empty());
}

TEST(CoreRun, UserGetsSupplementaryGroupsFromTheTree) {
    TempTree t("busybox");
    {
        std::ofstream g(t.path() / "etc/group", std::ios::app);
        g << "extra:x:4242:daemon\n";
    }
    auto r = run(spawn_cmd({"-D", t.str(), "-u", "daemon", "id", "-G"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(words(r.out), (std::vector<std::string>{"1", "4242"}));
}

TEST(CoreRun, SliceOfItsOwnIsRemovedWithTheContainer) {
    // -S puts the scope in a slice of its own (seen from the host while it
    // runs); once the container is gone, neither the scope nor that (now
    // empty) slice is left on the host.
    using namespace std::chrono_literals;
    TempTree t("busybox");
    // The container runs until the test creates /release in its tree.
    Background bg({spawn_bin(), "-q", "-D", t.str(), "-S", "spawnownslice", "/bin/sh", "-c",
                   "while [ ! -e /release ]; do sleep 0.05; done"});
    // Where systemd names units: name=systemd (hybrid, legacy) or the cgroup2 root.
    const fs::path slice = host_leader_hierarchies().at(0) + "/spawnownslice.slice";
    EXPECT_TRUE(eventually([&] { return fs::is_directory(slice); }, 30s)) << "the slice was not created: " << bg.err();
    std::ofstream(t.path() / "release").close();
    ASSERT_EQ(bg.wait(30s), 0) << bg.err();
    for (const char* h : {"/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"})
        EXPECT_FALSE(fs::exists(fs::path(h) / "spawnownslice.slice")) << h << "/spawnownslice.slice left behind";
}

// /run, /tmp and /dev/shm carry nspawn's caps (20% and 10% of RAM, 800k and
// 400k inodes), so a container cannot fill the host's memory through them.
TEST(CoreRun, TmpfsMountsAreCappedAsNspawns) {
    TempTree t("busybox");
    auto r = run(spawn_cmd({"-D", t.str(), "cat", "/proc/self/mountinfo"}));
    ASSERT_EQ(r.status, 0) << r.err;
    uint64_t mem_kib = 0;
    for (const auto& line : {read_file("/proc/meminfo")})
        if (auto at = line.find("MemTotal:"); at != std::string::npos) mem_kib = std::stoull(line.substr(at + 9));
    ASSERT_GT(mem_kib, 0u);
    struct Cap {
        const char* path;
        unsigned percent;
        uint64_t inodes;
    };
    for (Cap cap : {Cap{"/run", 20, 800 * 1024}, Cap{"/tmp", 10, 400 * 1024}, Cap{"/dev/shm", 10, 400 * 1024}}) {
        std::istringstream in(r.out);
        std::string line, found;
        while (std::getline(in, line)) {
            auto w = words(line);
            if (w.size() > 4 && w[4] == cap.path) found = line;  // the last mount there is the one seen
        }
        ASSERT_FALSE(found.empty()) << cap.path << " is not a mount point:\n" << r.out;
        auto opt = [&](const std::string& key) -> uint64_t {
            auto at = found.find("," + key + "=");
            EXPECT_NE(at, std::string::npos) << cap.path << ": no " << key << " in " << found;
            return at == std::string::npos ? 0 : std::stoull(found.substr(at + key.size() + 2));
        };
        uint64_t expect_kib = mem_kib * cap.percent / 100;
        uint64_t size_kib = opt("size");
        EXPECT_GE(size_kib, expect_kib * 99 / 100) << found;
        EXPECT_LE(size_kib, expect_kib * 101 / 100) << found;
        EXPECT_EQ(opt("nr_inodes"), cap.inodes) << found;
    }
}

// --inaccessible: an empty, mode 000, read-only node of the same type over
// the path; with a user namespace the container's root cannot unmount it
// (the mount is locked: made by the host's side).
TEST(CoreRun, InaccessibleMasksEachKindOfPath) {
    TempTree t("busybox");
    fs::create_directories(t.path() / "srv/secret");
    std::ofstream(t.path() / "srv/secret/data") << "hidden\n";
    std::ofstream(t.path() / "srv/file") << "hidden\n";
    ASSERT_EQ(mkfifo((t.path() / "srv/fifo").c_str(), 0644), 0);
    const char* probe =
        "stat -c '%A %s' /srv/secret /srv/file /srv/fifo; ls -A /srv/secret | wc -l; cat /srv/file | wc -c;"
        " echo x > /srv/file 2>/dev/null || echo file-read-only; touch /srv/secret/new 2>/dev/null || echo dir-read-only;"
        " echo x > /dev/null 2>/dev/null || echo dev-unusable";
    for (bool userns : {false, true}) {
        std::vector<std::string> args = {"-D", t.str(), "--inaccessible=/srv/secret", "--inaccessible=/srv/file",
                                         "--inaccessible=/srv/fifo", "--inaccessible=/dev/null", "/bin/sh", "-c", probe};
        if (userns) args.insert(args.begin(), "-U");
        auto r = run(spawn_cmd(args));
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(r.out, "d--------- 40\n---------- 0\np--------- 0\n0\n0\nfile-read-only\ndir-read-only\ndev-unusable\n")
            << (userns ? "-U" : "");
    }
    auto u = run(spawn_cmd({"-U", "-D", t.str(), "--inaccessible=/srv/secret", "/bin/sh", "-c",
                            "umount /srv/secret 2>/dev/null; cat /srv/secret/data 2>/dev/null || echo still-masked"}));
    EXPECT_EQ(u.out, "still-masked\n") << u.err;
    EXPECT_EQ(read_file(t.path() / "srv/secret/data"), "hidden\n");  // the tree is untouched
    // A path that does not exist, or a bad value: one line, exit 1.
    auto before = host_mount_points();
    auto missing = run(spawn_cmd({"-D", t.str(), "--inaccessible=/nonexistent", "/bin/true"}));
    EXPECT_EQ(missing.status, 1);
    EXPECT_EQ(missing.err, "spawn: --inaccessible=/nonexistent: No such file or directory\n");
    EXPECT_EQ(leaked_mounts(before, t.str()), std::vector<std::string>{});
    for (const char* bad : {"--inaccessible=", "--inaccessible=relative", "--inaccessible=/a/../b", "--inaccessible=/"}) {
        auto r = run(spawn_cmd({"-D", t.str(), bad, "/bin/true"}));
        EXPECT_EQ(r.status, 1) << bad;
        EXPECT_NE(r.err.find("Invalid --inaccessible:"), std::string::npos) << r.err;
    }
    EXPECT_EQ(run(spawn_cmd({"-D", t.str(), "--inaccessible"})).err, "spawn: Option --inaccessible requires an argument\n");
}

// --pivot-root=NEW[:OLD]: a tree holding another root (OSTree-style); the
// tree's own root stays visible at OLD when given. With and without -U.
TEST(CoreRun, PivotRootIntoASubtree) {
    TempTree t("busybox");
    fs::create_directory(t.path() / "nested");
    ASSERT_EQ(run({"tar", "-xpf", fixture_tarball("busybox").string(), "-C", (t.path() / "nested").string()}).status, 0);
    std::ofstream(t.path() / "nested/marker") << "inner\n";
    std::ofstream(t.path() / "outer-marker") << "outer\n";
    auto only = run(spawn_cmd({"-D", t.str(), "--pivot-root=/nested", "/bin/sh", "-c",
                               "cat /marker; test -e /outer-marker || echo no-outer"}));
    EXPECT_EQ(only.out, "inner\nno-outer\n") << only.err;
    for (bool userns : {false, true}) {
        std::vector<std::string> args = {"-D", t.str(), "--pivot-root=/nested:/oldroot", "/bin/sh", "-c",
                                         "cat /marker /oldroot/outer-marker"};
        if (userns) args.insert(args.begin(), "-U");
        auto r = run(spawn_cmd(args));
        EXPECT_EQ(r.out, "inner\nouter\n") << r.err;
    }
    auto before = host_mount_points();
    auto missing = run(spawn_cmd({"-D", t.str(), "--pivot-root=/missing", "/bin/true"}));
    EXPECT_EQ(missing.status, 1);
    EXPECT_EQ(missing.err, "spawn: --pivot-root=/missing: No such file or directory\n");
    auto file = run(spawn_cmd({"-D", t.str(), "--pivot-root=/outer-marker", "/bin/true"}));
    EXPECT_EQ(file.err, "spawn: --pivot-root=/outer-marker: not a directory in the tree\n");
    EXPECT_EQ(leaked_mounts(before, t.str()), std::vector<std::string>{});
    for (const char* bad : {"--pivot-root=", "--pivot-root=rel", "--pivot-root=/a:b", "--pivot-root=/", "--pivot-root=/a/../b"}) {
        auto r = run(spawn_cmd({"-D", t.str(), bad, "/bin/true"}));
        EXPECT_EQ(r.status, 1) << bad;
        EXPECT_NE(r.err.find("Invalid --pivot-root:"), std::string::npos) << r.err;
    }
}

namespace {

std::string exe_of(pid_t pid) {
    std::error_code ec;
    return fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).string();
}

}  // namespace

// Once the container has run for a moment, spawn is its lean monitor
// (spawn/monitor_stage.hpp): the same process, running spawn-monitor sealed,
// with no shared library mapped. Exec'd back when PID 1 ends, spawn exits
// with its status and leaves nothing. The payload ends when the test says.
TEST(CoreRun, AMachineThatRunsOnIsWatchedByTheLeanMonitor) {
    TempTree t("busybox");
    const std::string name = "core-monitor-" + std::to_string(getpid());
    Interactive s(spawn_cmd({"-D", t.str(), "-M", name, "/bin/sh", "-c", "echo ready; read code; exit $code"}));
    ASSERT_TRUE(s.wait_out("ready\n", std::chrono::seconds(20))) << s.err();
    EXPECT_TRUE(eventually([&] { return exe_of(s.pid()).rfind("/memfd:spawn-monitor", 0) == 0; }, std::chrono::seconds(10)))
        << exe_of(s.pid());
    const std::string maps = read_file("/proc/" + std::to_string(s.pid()) + "/maps");
    EXPECT_EQ(maps.find(".so"), std::string::npos) << maps;
    EXPECT_FALSE(machine_cgroups(name).empty());
    s.write("7\n");
    EXPECT_EQ(s.wait_exit(std::chrono::seconds(20)), 7) << s.err();
    EXPECT_EQ(s.err(), "");
    EXPECT_TRUE(machine_cgroups(name).empty());
    EXPECT_FALSE(fs::exists("/run/spawn/names/" + name + ".lock"));
}

// When the monitor cannot be executed, spawn takes what it handed over back
// and runs the event loop itself: one warning, the same end.
TEST(CoreRun, WhenTheMonitorCannotRunSpawnWatchesTheMachineItself) {
    TempTree t("busybox");
    if (!spawn_has_fault_points(t.str()))
        GTEST_SKIP() << "spawn was built without -Dfault_injection=true (tools/test builds it with it)";
    const std::string name = "core-nomonitor-" + std::to_string(getpid());
    auto argv = spawn_cmd({"-D", t.str(), "-M", name, "/bin/sh", "-c", "echo ready; read code; exit $code"});
    argv.insert(argv.begin(), {"env", "SPAWN_FAULT=monitor"});
    Interactive s(argv);
    ASSERT_TRUE(s.wait_out("ready\n", std::chrono::seconds(20))) << s.err();
    ASSERT_TRUE(s.wait_err("event loop itself", std::chrono::seconds(10))) << s.err();
    EXPECT_EQ(exe_of(s.pid()), fs::canonical(spawn_bin()).string());
    EXPECT_FALSE(machine_cgroups(name).empty());
    s.write("5\n");
    EXPECT_EQ(s.wait_exit(std::chrono::seconds(20)), 5) << s.err();
    EXPECT_EQ(std::count(s.err().begin(), s.err().end(), '\n'), 1) << s.err();
    EXPECT_NE(s.err().find("executing the monitor"), std::string::npos) << s.err();
    EXPECT_TRUE(machine_cgroups(name).empty());
    EXPECT_FALSE(fs::exists("/run/spawn/names/" + name + ".lock"));
}
