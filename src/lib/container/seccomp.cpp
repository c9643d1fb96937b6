#include "container/seccomp.hpp"

#include <linux/netlink.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "container/caps.hpp"
#include "util/cptr.hpp"
#include "util/log.hpp"

namespace spawn::container {
namespace {

struct Group {
    int cap;  // -1: denied whatever the capabilities; else allowed when cap is retained
    std::vector<const char*> names;
};

// The syscalls systemd 252 knows (@known) that nspawn 252 does not allow,
// grouped as systemd groups them.
const std::vector<Group>& denied_groups() {
    static const std::vector<Group> groups = {
        // Allowed by nspawn only with the capability retained.
        {CAP_SYS_TIME, {"adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64",
                        "settimeofday"}},                                          // @clock
        {CAP_SYS_MODULE, {"delete_module", "finit_module", "init_module"}},      // @module
        {CAP_SYS_RAWIO, {"ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write",
                         "s390_pci_mmio_read", "s390_pci_mmio_write"}},           // @raw-io
        {CAP_IPC_LOCK, {"mlock", "mlock2", "mlockall", "munlock", "munlockall"}},  // @memlock
        {CAP_SYS_PACCT, {"acct"}},
        {CAP_SYSLOG, {"syslog"}},
        {CAP_SYS_PTRACE, {"ptrace", "process_vm_readv", "process_vm_writev"}},
        {CAP_SYS_BOOT, {"reboot"}},
        {CAP_SYS_TTY_CONFIG, {"vhangup"}},
        // Always denied.
        {-1, {"add_key", "keyctl", "request_key"}},  // @keyring: keys are not namespaced
        {-1, {"bpf", "fanotify_init", "fanotify_mark", "kexec_file_load", "kexec_load", "lookup_dcookie",
              "nfsservctl", "open_by_handle_at", "perf_event_open", "quotactl", "quotactl_fd"}},
        {-1, {"swapoff", "swapon"}},                                               // @swap
        {-1, {"pkey_alloc", "pkey_free", "pkey_mprotect"}},                        // @pkey
        {-1, {"modify_ldt", "subpage_prot", "switch_endian", "vm86", "vm86old"}},  // @cpu-emulation
        {-1, {"_sysctl", "afs_syscall", "bdflush", "break", "create_module", "ftime", "get_kernel_syms",
              "getpmsg", "gtty", "idle", "lock", "mpx", "prof", "profil", "putpmsg", "query_module",
              "security", "sgetmask", "ssetmask", "stime", "stty", "sysfs", "tuxcall", "ulimit", "uselib",
              "ustat", "vserver"}},                                                // @obsolete
        // Known to systemd 252 but in none of nspawn's allowed groups.
        {-1, {"futex_requeue", "futex_wait", "futex_wake", "landlock_add_rule", "landlock_create_ruleset",
              "landlock_restrict_self", "map_shadow_stack", "memfd_secret", "old_adjtimex", "oldumount",
              "pidfd_getfd", "process_mrelease", "seccomp", "setpgrp", "timerfd"}},
        // The same, specific to architectures other than x86 and arm.
        {-1, {"arc_gettls", "arc_settls", "arc_usr_cmpxchg", "atomic_barrier", "atomic_cmpxchg_32",
              "cachectl", "dipc", "exec_with_loader", "execv", "getdomainname", "getdtablesize", "gethostname",
              "getpagesize", "getxgid", "getxpid", "getxuid", "kern_features", "memory_ordering",
              "multiplexer", "or1k_atomic", "osf_fstat", "osf_fstatfs", "osf_fstatfs64",
              "osf_getdirentries", "osf_getdomainname", "osf_getitimer", "osf_getrusage", "osf_getsysinfo",
              "osf_gettimeofday", "osf_lstat", "osf_mount", "osf_proplist_syscall", "osf_select",
              "osf_set_program_attributes", "osf_setitimer", "osf_setsysinfo", "osf_settimeofday",
              "osf_shmat", "osf_sigprocmask", "osf_sigstack", "osf_stat", "osf_statfs", "osf_statfs64",
              "osf_swapon", "osf_syscall", "osf_sysinfo", "osf_usleep_thread", "osf_utimes", "osf_utsname",
              "osf_wait4", "perfctr", "rtas", "s390_guarded_storage", "s390_runtime_instr", "s390_sthyi",
              "sched_get_affinity", "sched_set_affinity", "sethae", "spu_create", "spu_run",
              "sys_debug_setcontext", "syscall", "sysmips", "utrap_install"}},
    };
    return groups;
}

using Filter = CPtr<void, seccomp_release>;

// The architectures whose syscalls the filter must cover on this machine.
std::vector<uint32_t> filter_arches() {
    uint32_t native = seccomp_arch_native();
    std::vector<uint32_t> arches{native};
    if (native == SCMP_ARCH_X86_64) {
        arches.push_back(SCMP_ARCH_X86);
        arches.push_back(SCMP_ARCH_X32);
    } else if (native == SCMP_ARCH_AARCH64) {
        arches.push_back(SCMP_ARCH_ARM);
    }
    return arches;
}

}  // namespace

SeccompPlan plan_seccomp(uint64_t caps) {
    SeccompPlan plan;
    for (const auto& g : denied_groups()) {
        if (g.cap >= 0 && (caps & cap_bit(g.cap))) continue;
        for (const char* n : g.names) plan.denied.emplace_back(n);
    }
    std::sort(plan.denied.begin(), plan.denied.end());
    plan.denied_ioctls = {{TIOCSTI, "TIOCSTI"}, {TIOCLINUX, "TIOCLINUX"}};
    return plan;
}

bool seccomp_denies(const SeccompPlan& plan, const std::string& name) {
    return std::binary_search(plan.denied.begin(), plan.denied.end(), name);
}

namespace {

// The filter for plan, not loaded yet.
Result<Filter> build_filter(const SeccompPlan& plan) {
    Filter f(seccomp_init(SCMP_ACT_ALLOW));
    if (!f) return Error::msg("allocating a seccomp filter failed");
    int r;
    // No no_new_privs: setuid binaries in the container keep working.
    if ((r = seccomp_attr_set(f.get(), SCMP_FLTATR_CTL_NNP, 0)) < 0)
        return Error::sys(-r, "seccomp: clearing the no_new_privs attribute");
    for (uint32_t arch : filter_arches()) {
        if (arch == seccomp_arch_native()) continue;  // in the filter from seccomp_init()
        r = seccomp_arch_add(f.get(), arch);
        if (r < 0 && r != -EEXIST) return Error::sys(-r, "seccomp: adding architecture {:#x}", arch);
    }
    for (const auto& name : plan.denied) {
        int nr = seccomp_syscall_resolve_name(name.c_str());
        if (nr == __NR_SCMP_ERROR) continue;  // unknown to this libseccomp: nothing to filter by name
        r = seccomp_rule_add(f.get(), SCMP_ACT_ERRNO(EPERM), nr, 0);
        // A syscall absent from every architecture of the filter is no hole.
        if (r < 0 && nr >= 0) return Error::sys(-r, "seccomp: denying {}", name);
    }
    for (const auto& io : plan.denied_ioctls) {
        // The kernel reads the request as an unsigned int: compare the low 32 bits
        // only, so TIOCSTI | (1 << 32) is caught too.
        r = seccomp_rule_add(f.get(), SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                             SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, static_cast<scmp_datum_t>(io.request)));
        if (r < 0) return Error::sys(-r, "seccomp: denying ioctl {}", io.name);
    }
    if (plan.deny_audit_netlink) {
        r = seccomp_rule_add(f.get(), SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 2,
                             SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2(SCMP_CMP_EQ, NETLINK_AUDIT));
        if (r < 0) return Error::sys(-r, "seccomp: denying audit netlink sockets");
    }
    (void)seccomp_attr_set(f.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);  // binary tree: a long list
    return f;
}

}  // namespace

Result<void> apply_seccomp_plan(const SeccompPlan& plan) {
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) {
        log::debug("seccomp is not available in this kernel, no system call filter");
        return ok();
    }
    auto f = TRY(build_filter(plan));
    if (int r = seccomp_load(f.get()); r < 0) return Error::sys(-r, "loading the seccomp filter");
    return ok();
}

Result<std::string> seccomp_plan_pfc(const SeccompPlan& plan) {
    auto f = TRY(build_filter(plan));
    FILE* mem = tmpfile();
    if (!mem) return Error::errno_("creating a temporary file");
    std::string out;
    if (int r = seccomp_export_pfc(f.get(), fileno(mem)); r < 0) {
        fclose(mem);
        return Error::sys(-r, "exporting the seccomp filter");
    }
    rewind(mem);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, mem)) > 0) out.append(buf, n);
    fclose(mem);
    return out;
}

Result<void> apply_seccomp(const Config& cfg) {
    return apply_seccomp_plan(plan_seccomp(plan_capabilities(cfg)));
}

Result<void> confine_like_machine(uint64_t bounding, uid_t uid) {
    TRY(apply_seccomp_plan(plan_seccomp(bounding)));
    return apply_capabilities(bounding, uid);
}

}  // namespace spawn::container
