// security_probe: a static program the security tests copy into a container
// tree. Each mode makes system calls with arguments that are harmless if they
// reach the kernel (they fail there with an error other than EPERM, or do
// nothing), and prints one "name result" line per call, result being "ok" or
// the errno name. Modes: denied, allowed, tty, stdin-tty, compat, newer,
// mounts NSID MNTID, filter. Only denied, newer, mounts and filter are also
// safe to run on the host (allowed sets the hostname, mounts, makes nodes).
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

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

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

}  // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::string_view(argv[1]) == "mounts")
        return mounts(std::strtoull(argv[2], nullptr, 0), std::strtoull(argv[3], nullptr, 0));
    if (argc != 2) return 2;
    std::string_view mode = argv[1];
    if (mode == "denied") return denied();
    if (mode == "allowed") return allowed();
    if (mode == "tty") return tty();
    if (mode == "stdin-tty") return stdin_tty();
    if (mode == "compat") return compat();
    if (mode == "newer") return newer();
    if (mode == "filter") return filter();
    return 2;
}
