#include "container/seccomp.hpp"

#include <linux/netlink.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>

#include "container/caps.hpp"
#include "util/cptr.hpp"
#include "util/log.hpp"

namespace spawn::container {
namespace {

using Filter = CPtr<void, seccomp_release>;

// An empty filter with default action `def` over every architecture of
// seccomp_filter_arches(), loaded without no_new_privs.
Result<Filter> new_filter(uint32_t def) {
    Filter f(seccomp_init(def));
    if (!f) return Error::msg("allocating a seccomp filter failed");
    int r;
    // No no_new_privs: setuid binaries in the container keep working.
    if ((r = seccomp_attr_set(f.get(), SCMP_FLTATR_CTL_NNP, 0)) < 0)
        return Error::sys(-r, "seccomp: clearing the no_new_privs attribute");
    for (uint32_t arch : seccomp_filter_arches()) {
        if (arch == seccomp_arch_native()) continue;  // in the filter from seccomp_init()
        r = seccomp_arch_add(f.get(), arch);
        if (r < 0 && r != -EEXIST) return Error::sys(-r, "seccomp: adding architecture {:#x}", arch);
    }
    return f;
}

// One unconditional rule per name.
Result<void> add_rules(const Filter& f, uint32_t action, const std::vector<std::string>& names, const char* what) {
    for (const auto& name : names) {
        int nr = seccomp_syscall_resolve_name(name.c_str());
        if (nr == __NR_SCMP_ERROR) continue;  // unknown to this libseccomp: left to the default (ENOSYS), as nspawn
        int r = seccomp_rule_add(f.get(), action, nr, 0);
        // A negative nr is a call absent from the native architecture: libseccomp
        // adds it where it exists and may refuse it elsewhere, which is no hole.
        if (r < 0 && nr >= 0) return Error::sys(-r, "seccomp: {} {}", what, name);
    }
    return ok();
}

// The allow list: nspawn's filter (default ENOSYS).
Result<Filter> build_allow_list(const SeccompPlan& plan) {
    auto f = TRY(new_filter(SCMP_ACT_ERRNO(ENOSYS)));
    TRY(add_rules(f, SCMP_ACT_ALLOW, plan.allowed, "allowing"));
    TRY(add_rules(f, SCMP_ACT_ERRNO(EPERM), plan.denied, "denying"));
    (void)seccomp_attr_set(f.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);  // binary tree: a long list
    return f;
}

// The argument rules (default ALLOW): stacked with the allow list, the
// kernel takes the stricter answer, so these refine the allowed ioctl() and
// socket() without libseccomp having to mix unconditional and conditional
// rules for one system call.
Result<Filter> build_argument_rules(const SeccompPlan& plan) {
    auto f = TRY(new_filter(SCMP_ACT_ALLOW));
    int r;
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
    return f;
}

Result<std::string> filter_pfc(const Filter& f) {
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

}  // namespace

Result<void> apply_seccomp_plan(const SeccompPlan& plan) {
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) {
        log::debug("seccomp is not available in this kernel, no system call filter");
        return ok();
    }
    auto args = TRY(build_argument_rules(plan));
    auto allow = TRY(build_allow_list(plan));
    // The argument rules first: loading needs seccomp(2) or prctl(2), which a
    // user's deny list may take away in the allow list.
    if (int r = seccomp_load(args.get()); r < 0) return Error::sys(-r, "loading the seccomp argument filter");
    if (int r = seccomp_load(allow.get()); r < 0) return Error::sys(-r, "loading the seccomp filter");
    return ok();
}

Result<std::string> seccomp_plan_pfc(const SeccompPlan& plan) {
    auto args = TRY(build_argument_rules(plan));
    auto allow = TRY(build_allow_list(plan));
    return TRY(filter_pfc(args)) + TRY(filter_pfc(allow));
}

Result<void> apply_seccomp(const Config& cfg) {
    return apply_seccomp_plan(plan_seccomp(plan_capabilities(cfg), cfg.syscall_filter));
}

Result<void> confine_like_machine(uint64_t bounding, const SyscallFilter& filter, uid_t uid) {
    TRY(apply_seccomp_plan(plan_seccomp(bounding, filter)));
    return apply_capabilities(bounding, uid);
}

Result<void> confine_like_machine(uint64_t bounding, uid_t uid) {
    return confine_like_machine(bounding, SyscallFilter{}, uid);
}

}  // namespace spawn::container
