// The seccomp plan: nspawn 252's denied syscalls, cap-dependent groups,
// the TIOCSTI/TIOCLINUX ioctl rules.
#include <gtest/gtest.h>
#include <seccomp.h>
#include <sys/ioctl.h>

#include "container/caps.hpp"
#include "container/seccomp.hpp"

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
}

TEST(Seccomp, AllowsWhatContainersNeed) {
    auto plan = default_plan();
    for (const char* n : {"reboot", "mount", "umount2", "clone", "clone3", "unshare", "setns", "pivot_root",
                          "ptrace", "process_vm_readv", "vhangup", "ioctl", "socket", "execve", "sethostname",
                          "name_to_handle_at", "userfaultfd", "mknod", "chown", "setuid", "capset", "prctl",
                          "open_tree", "move_mount", "fsopen"})
        EXPECT_FALSE(seccomp_denies(plan, n)) << n;
}

TEST(Seccomp, CapabilityGroupsFollowTheBoundingSet) {
    // nspawn allows @clock with CAP_SYS_TIME, @module with CAP_SYS_MODULE ...
    uint64_t caps = kDefaultCapabilities | cap_bit(CAP_SYS_TIME) | cap_bit(CAP_SYS_MODULE) |
                    cap_bit(CAP_SYS_RAWIO) | cap_bit(CAP_IPC_LOCK) | cap_bit(CAP_SYS_PACCT) | cap_bit(CAP_SYSLOG);
    auto plan = plan_seccomp(caps);
    for (const char* n : {"clock_settime", "settimeofday", "adjtimex", "init_module", "iopl", "mlock", "acct", "syslog"})
        EXPECT_FALSE(seccomp_denies(plan, n)) << n;
    EXPECT_TRUE(seccomp_denies(plan, "keyctl"));  // never allowed
    // ... and denies reboot/ptrace/vhangup once CAP_SYS_BOOT/PTRACE/TTY_CONFIG are dropped.
    auto dropped = plan_seccomp(kDefaultCapabilities & ~cap_bit(CAP_SYS_BOOT) & ~cap_bit(CAP_SYS_PTRACE) &
                                ~cap_bit(CAP_SYS_TTY_CONFIG));
    for (const char* n : {"reboot", "ptrace", "process_vm_writev", "vhangup"})
        EXPECT_TRUE(seccomp_denies(dropped, n)) << n;
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
                          "swapon", "open_by_handle_at", "init_module", "settimeofday", "ioctl"})
        EXPECT_GE(seccomp_syscall_resolve_name(n), 0) << n;
    // Every listed name is unique and the list is sorted (seccomp_denies searches it).
    auto plan = default_plan();
    EXPECT_TRUE(std::is_sorted(plan.denied.begin(), plan.denied.end()));
    EXPECT_EQ(std::adjacent_find(plan.denied.begin(), plan.denied.end()), plan.denied.end());
}

#if defined(__x86_64__)
// The built filter (libseccomp's PFC text, no privileges needed): every
// x86 ABI is covered, i386-only syscalls are denied on the i386 ABI, the
// ioctl rule compares the low 32 bits only.
TEST(Seccomp, FilterCoversEveryX86Abi) {
    auto pfc = seccomp_plan_pfc(default_plan());
    ASSERT_TRUE(pfc.ok()) << pfc.error().message();
    const std::string& f = *pfc;
    for (const char* arch : {"# filter for arch x86_64", "# filter for arch x86 ", "# filter for arch x32"})
        EXPECT_NE(f.find(arch), std::string::npos) << arch;
    EXPECT_NE(f.find("\"keyctl\" (250)"), std::string::npos);         // x86_64
    EXPECT_NE(f.find("\"keyctl\" (288)"), std::string::npos);         // i386
    EXPECT_NE(f.find("\"keyctl\" (1073742074)"), std::string::npos);  // x32: 0x40000000 | 250
    EXPECT_NE(f.find("\"vm86old\" (113)"), std::string::npos);        // only exists on i386
    EXPECT_NE(f.find("& 0xffffffff == 21522"), std::string::npos);    // TIOCSTI, low 32 bits
    EXPECT_NE(f.find("& 0xffffffff == 21532"), std::string::npos);    // TIOCLINUX
    EXPECT_EQ(f.find("\"reboot\""), std::string::npos);
    EXPECT_EQ(f.find("\"mount\""), std::string::npos);
    // Default: allow (the list is a deny list).
    EXPECT_NE(f.find("action ALLOW;"), std::string::npos);
}
#endif
