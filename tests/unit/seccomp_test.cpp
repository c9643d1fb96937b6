// The seccomp plan: systemd-nspawn 252's allow list (ENOSYS for what systemd
// 252 does not know, EPERM for what it knows but nspawn does not allow), the
// cap-dependent items, --system-call-filter's lists, the TIOCSTI/TIOCLINUX
// ioctl rules, and the filters built from it.
#include <gtest/gtest.h>
#include <seccomp.h>
#include <sys/ioctl.h>

#include <algorithm>

#include "container/caps.hpp"
#include "container/seccomp.hpp"
#include "config/syscall_groups.hpp"

using namespace spawn;
using namespace spawn::container;

namespace {
SeccompPlan default_plan() { return plan_seccomp(plan_capabilities(Config{})); }
}  // namespace

TEST(Seccomp, DeniesWhatNspawnDenies) {
    auto plan = default_plan();
    for (const char* n : {"keyctl", "add_key", "request_key", "bpf", "kexec_load", "kexec_file_load",
                          "perf_event_open", "swapon", "swapoff", "open_by_handle_at", "init_module",
                          "finit_module", "delete_module", "ioperm", "iopl", "acct", "lookup_dcookie",
                          "quotactl", "settimeofday", "clock_settime", "adjtimex", "syslog", "fanotify_init"})
        EXPECT_TRUE(seccomp_denies(plan, n)) << n;
    EXPECT_TRUE(seccomp_denies(plan, "mlock"));       // @memlock without CAP_IPC_LOCK, as nspawn
    EXPECT_TRUE(seccomp_denies(plan, "modify_ldt"));  // @cpu-emulation
    EXPECT_TRUE(seccomp_denies(plan, "pkey_alloc"));  // @pkey
    // Known to systemd 252 but in none of nspawn's groups: EPERM too.
    for (const char* n : {"futex_wake", "futex_wait", "futex_requeue", "map_shadow_stack", "landlock_create_ruleset",
                          "memfd_secret", "pidfd_getfd", "process_mrelease", "uselib"})
        EXPECT_TRUE(seccomp_denies(plan, n)) << n;
}

TEST(Seccomp, AllowsWhatNspawnAllows) {
    auto plan = default_plan();
    for (const char* n : {"reboot", "mount", "umount2", "clone", "clone3", "unshare", "setns", "pivot_root",
                          "ptrace", "process_vm_readv", "vhangup", "ioctl", "socket", "execve", "sethostname",
                          "name_to_handle_at", "userfaultfd", "mknod", "chown", "setuid", "capset", "prctl",
                          "open_tree", "move_mount", "fsopen", "read", "openat2", "fchmodat2", "io_uring_setup",
                          "memfd_create", "seccomp", "sched_yield", "getrandom", "futex_waitv", "rseq"})
        EXPECT_TRUE(seccomp_allows(plan, n)) << n;
}

TEST(Seccomp, CallsNewerThanTheTableGetEnosys) {
    // In neither list: the default action (ENOSYS) answers them, as under nspawn.
    auto plan = default_plan();
    for (const char* n : {"listmount", "statmount", "cachestat", "mseal", "lsm_get_self_attr", "lsm_set_self_attr",
                          "lsm_list_modules", "setxattrat", "getxattrat", "listxattrat", "removexattrat",
                          "open_tree_attr", "file_getattr", "file_setattr", "nfsservctl"}) {
        EXPECT_FALSE(seccomp_allows(plan, n)) << n;
        EXPECT_FALSE(seccomp_denies(plan, n)) << n;
    }
}

TEST(Seccomp, ListsAreSortedDisjointAndCoverWhatSystemdKnows) {
    auto plan = default_plan();
    EXPECT_TRUE(std::is_sorted(plan.allowed.begin(), plan.allowed.end()));
    EXPECT_TRUE(std::is_sorted(plan.denied.begin(), plan.denied.end()));
    EXPECT_EQ(std::adjacent_find(plan.allowed.begin(), plan.allowed.end()), plan.allowed.end());
    EXPECT_EQ(std::adjacent_find(plan.denied.begin(), plan.denied.end()), plan.denied.end());
    for (const auto& n : plan.allowed) EXPECT_FALSE(seccomp_denies(plan, n)) << n;
    auto known = resolve_syscall_item("@known");
    ASSERT_TRUE(known.ok());
    for (const auto& n : *known) EXPECT_TRUE(seccomp_allows(plan, n) || seccomp_denies(plan, n)) << n;
}

TEST(Seccomp, CapabilityItemsFollowTheBoundingSet) {
    // nspawn allows @clock with CAP_SYS_TIME, @module with CAP_SYS_MODULE ...
    uint64_t caps = kDefaultCapabilities | cap_bit(CAP_SYS_TIME) | cap_bit(CAP_SYS_MODULE) |
                    cap_bit(CAP_SYS_RAWIO) | cap_bit(CAP_IPC_LOCK) | cap_bit(CAP_SYS_PACCT) | cap_bit(CAP_SYSLOG);
    auto plan = plan_seccomp(caps);
    for (const char* n : {"clock_settime", "settimeofday", "adjtimex", "init_module", "iopl", "mlock", "acct", "syslog"})
        EXPECT_TRUE(seccomp_allows(plan, n)) << n;
    EXPECT_TRUE(seccomp_denies(plan, "keyctl"));  // never allowed
    // ... and denies reboot/ptrace/vhangup once CAP_SYS_BOOT/PTRACE/TTY_CONFIG are dropped.
    auto dropped = plan_seccomp(kDefaultCapabilities & ~cap_bit(CAP_SYS_BOOT) & ~cap_bit(CAP_SYS_PTRACE) &
                                ~cap_bit(CAP_SYS_TTY_CONFIG));
    for (const char* n : {"reboot", "ptrace", "vhangup"}) EXPECT_TRUE(seccomp_denies(dropped, n)) << n;
    // process_vm_readv/writev are in @ipc too, so nspawn 252 allows them without CAP_SYS_PTRACE.
    for (const char* n : {"process_vm_readv", "process_vm_writev"}) EXPECT_TRUE(seccomp_allows(dropped, n)) << n;
}

TEST(Seccomp, UserListsAddAndRemoveDenyWinning) {
    uint64_t caps = kDefaultCapabilities;
    auto clock = plan_seccomp(caps, {{"@clock"}, {}});
    for (const char* n : {"settimeofday", "clock_settime", "adjtimex"}) EXPECT_TRUE(seccomp_allows(clock, n)) << n;
    auto nomount = plan_seccomp(caps, {{}, {"@mount"}});
    for (const char* n : {"mount", "umount2", "pivot_root", "fsopen"}) EXPECT_TRUE(seccomp_denies(nomount, n)) << n;
    EXPECT_TRUE(seccomp_allows(nomount, "unshare"));
    // Deny wins over the user's allow list and over nspawn's.
    auto both = plan_seccomp(caps, {{"@clock", "perf_event_open"}, {"settimeofday", "@basic-io"}});
    EXPECT_TRUE(seccomp_allows(both, "clock_settime"));
    EXPECT_TRUE(seccomp_allows(both, "perf_event_open"));
    EXPECT_TRUE(seccomp_denies(both, "settimeofday"));
    EXPECT_TRUE(seccomp_denies(both, "read"));
    // Even a capability-gated group the bounding set would allow.
    EXPECT_TRUE(seccomp_denies(plan_seccomp(caps | cap_bit(CAP_SYS_TIME), {{}, {"@clock"}}), "settimeofday"));
    // A denied call unknown to systemd 252 gets EPERM instead of ENOSYS.
    EXPECT_TRUE(seccomp_denies(plan_seccomp(caps, {{}, {"cachestat"}}), "cachestat"));
    // An allowed one reaches the kernel.
    EXPECT_TRUE(seccomp_allows(plan_seccomp(caps, {{"cachestat"}, {}}), "cachestat"));
}

TEST(Seccomp, FilterItemsAreChecked) {
    EXPECT_TRUE(check_syscall_filter_item("@clock").ok());
    EXPECT_TRUE(check_syscall_filter_item("mount").ok());
    EXPECT_TRUE(check_syscall_filter_item("vm86old").ok());  // in the table, i386 only
    auto g = check_syscall_filter_item("@bogus");
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.error().message(),
              "unknown system call group '@bogus'; the groups are those of `systemd-analyze syscall-filter`");
    auto n = check_syscall_filter_item("no_such_call");
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.error().message(), "unknown system call 'no_such_call'");
    // Outside systemd 252's table but known to libseccomp: accepted.
    if (seccomp_syscall_resolve_name("cachestat") != __NR_SCMP_ERROR) {
        EXPECT_TRUE(check_syscall_filter_item("cachestat").ok());
    }
}

TEST(Seccomp, DeniedTerminalIoctls) {
    auto plan = default_plan();
    ASSERT_EQ(plan.denied_ioctls.size(), 2u);
    EXPECT_EQ(plan.denied_ioctls[0].request, static_cast<unsigned long>(TIOCSTI));
    EXPECT_EQ(plan.denied_ioctls[1].request, static_cast<unsigned long>(TIOCLINUX));
    EXPECT_TRUE(plan.deny_audit_netlink);
}

TEST(Seccomp, NamesResolveOnThisArchitecture) {
    // The rules that matter must name syscalls libseccomp knows here (a typo
    // would silently filter nothing).
    for (const char* n : {"keyctl", "add_key", "request_key", "bpf", "kexec_load", "perf_event_open",
                          "swapon", "open_by_handle_at", "init_module", "settimeofday", "ioctl", "mount",
                          "execve", "read", "futex_wake"})
        EXPECT_GE(seccomp_syscall_resolve_name(n), 0) << n;
}

#if defined(__x86_64__)
// The built filters (libseccomp's PFC text, no privileges needed): every x86
// ABI is covered, the allow list answers ENOSYS by default, i386-only syscalls
// are denied on the i386 ABI, the ioctl rule compares the low 32 bits only and
// sits in the argument filter (default allow).
TEST(Seccomp, FiltersCoverEveryX86Abi) {
    auto pfc = seccomp_plan_pfc(default_plan());
    ASSERT_TRUE(pfc.ok()) << pfc.error().message();
    const std::string& f = *pfc;
    // Two filters: the argument rules, then the allow list.
    auto second = f.find("# pseudo filter code start", f.find("# pseudo filter code end"));
    ASSERT_NE(second, std::string::npos) << f;
    std::string args = f.substr(0, second), allow = f.substr(second);
    for (const std::string* part : {&args, &allow})
        for (const char* arch : {"# filter for arch x86_64", "# filter for arch x86 ", "# filter for arch x32"})
            EXPECT_NE(part->find(arch), std::string::npos) << arch;
    // Argument filter: TIOCSTI/TIOCLINUX on the low 32 bits, audit sockets; default allow.
    EXPECT_NE(args.find("& 0xffffffff == 21522"), std::string::npos) << args;  // TIOCSTI
    EXPECT_NE(args.find("& 0xffffffff == 21532"), std::string::npos);          // TIOCLINUX
    EXPECT_NE(args.find("action ERRNO(97)"), std::string::npos);               // EAFNOSUPPORT
    EXPECT_NE(args.find("# default action\n  action ALLOW;"), std::string::npos) << args;
    // Allow list: ENOSYS default, keyctl EPERM on every ABI, mount allowed.
    EXPECT_NE(allow.find("# default action\n  action ERRNO(38);"), std::string::npos);
    EXPECT_NE(allow.find("\"keyctl\" (250)"), std::string::npos);         // x86_64
    EXPECT_NE(allow.find("\"keyctl\" (288)"), std::string::npos);         // i386
    EXPECT_NE(allow.find("\"keyctl\" (1073742074)"), std::string::npos);  // x32: 0x40000000 | 250
    EXPECT_NE(allow.find("\"vm86old\" (113)"), std::string::npos);        // only exists on i386
    EXPECT_NE(allow.find("\"mount\" (165)"), std::string::npos);
    EXPECT_NE(allow.find("action ERRNO(1);"), std::string::npos);  // EPERM
    EXPECT_EQ(allow.find("21522"), std::string::npos);             // no argument rules here
}
#endif
