#include "container/seccomp.hpp"

#include <fcntl.h>

#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "container/caps.hpp"
#include "util/cptr.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace spawn::container {
namespace {

using Filter = CPtr<void, seccomp_release>;

// An empty filter over the native architecture with default action `def`,
// loaded without no_new_privs: setuid binaries in the container keep working
// (no_new_privs is --no-new-privileges' or process.noNewPrivileges' to set).
Result<Filter> native_filter(uint32_t def) {
    Filter f(seccomp_init(def));
    if (!f) return Error::msg("allocating a seccomp filter failed");
    if (int r = seccomp_attr_set(f.get(), SCMP_FLTATR_CTL_NNP, 0); r < 0)
        return Error::sys(-r, "seccomp: clearing the no_new_privs attribute");
    return f;
}

// native_filter(), over every architecture of seccomp_filter_arches(), or
// over `arch` alone (other architectures then pass through, for their own
// filter to decide).
Result<Filter> new_filter(uint32_t def, std::optional<uint32_t> arch = std::nullopt) {
    Filter f = TRY(native_filter(def));
    int r;
    std::vector<uint32_t> arches = arch ? std::vector<uint32_t>{*arch} : seccomp_filter_arches();
    for (uint32_t a : arches) {
        if (a == seccomp_arch_native()) continue;  // in the filter from seccomp_init()
        r = seccomp_arch_add(f.get(), a);
        if (r < 0 && r != -EEXIST) return Error::sys(-r, "seccomp: adding architecture {:#x}", a);
    }
    if (arch && *arch != seccomp_arch_native()) {
        if ((r = seccomp_arch_remove(f.get(), seccomp_arch_native())) < 0)
            return Error::sys(-r, "seccomp: removing the native architecture");
    }
    if (arch && (r = seccomp_attr_set(f.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW)) < 0)
        return Error::sys(-r, "seccomp: letting other architectures through");
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

// The allow list: nspawn's filter (default ENOSYS), one filter per
// architecture as nspawn loads it (libseccomp takes several times longer to
// generate one filter for three architectures than three filters for one).
Result<std::vector<Filter>> build_allow_lists(const SeccompPlan& plan) {
    std::vector<Filter> out;
    for (uint32_t arch : seccomp_filter_arches()) {
        auto f = TRY(new_filter(SCMP_ACT_ERRNO(ENOSYS), arch));
        TRY(add_rules(f, SCMP_ACT_ALLOW, plan.allowed, "allowing"));
        TRY(add_rules(f, SCMP_ACT_ERRNO(EPERM), plan.denied, "denying"));
        (void)seccomp_attr_set(f.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);  // binary tree: a long list
        out.push_back(std::move(f));
    }
    return out;
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
    if (plan.suppress_sync) {
        for (const char* name : kSyncCalls) {
            int nr = seccomp_syscall_resolve_name(name);
            if (nr == __NR_SCMP_ERROR) continue;
            r = seccomp_rule_add(f.get(), SCMP_ACT_ERRNO(0), nr, 0);
            if (r < 0 && nr >= 0) return Error::sys(-r, "seccomp: suppressing {}", name);
        }
        // O_SYNC includes O_DSYNC's bit: one test catches both.
        r = seccomp_rule_add(f.get(), SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(open), 1,
                             SCMP_A1(SCMP_CMP_MASKED_EQ, O_DSYNC, O_DSYNC));
        if (r < 0 && r != -EDOM) return Error::sys(-r, "seccomp: refusing open() with O_SYNC");
        r = seccomp_rule_add(f.get(), SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(openat), 1,
                             SCMP_A2(SCMP_CMP_MASKED_EQ, O_DSYNC, O_DSYNC));
        if (r < 0) return Error::sys(-r, "seccomp: refusing openat() with O_SYNC");
        r = seccomp_rule_add(f.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0);
        if (r < 0) return Error::sys(-r, "seccomp: refusing openat2()");
    }
    if (plan.deny_audit_netlink) {
        r = seccomp_rule_add(f.get(), SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 2,
                             SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2(SCMP_CMP_EQ, NETLINK_AUDIT));
        if (r < 0) return Error::sys(-r, "seccomp: denying audit netlink sockets");
    }
    return f;
}

// libseccomp's rendering of f: PFC text or the BPF program's bytes.
Result<std::string> export_filter(const Filter& f, bool pfc) {
    UniqueFd mem(memfd_create("seccomp-export", MFD_CLOEXEC));  // in memory: no file system touched
    if (!mem) return Error::errno_("creating a memfd for the seccomp filter");
    int r = pfc ? seccomp_export_pfc(f.get(), mem.get()) : seccomp_export_bpf(f.get(), mem.get());
    if (r < 0) return Error::sys(-r, "exporting the seccomp filter");
    if (lseek(mem.get(), 0, SEEK_SET) < 0) return Error::errno_("rewinding the exported seccomp filter");
    return read_fd(mem.get(), "the exported seccomp filter");
}

Result<BpfProgram> compile_filter(const Filter& f) {
    std::string bytes = TRY(export_filter(f, false));
    if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0 || bytes.size() / sizeof(sock_filter) > BPF_MAXINSNS)
        return Error::msg("seccomp: libseccomp produced a filter of {} bytes", bytes.size());
    BpfProgram prog(bytes.size() / sizeof(sock_filter));
    std::memcpy(prog.data(), bytes.data(), bytes.size());
    return prog;
}

bool seccomp_available() {
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) {
        log::debug("seccomp is not available in this kernel, no system call filter");
        return false;
    }
    return true;
}

}  // namespace

Result<CompiledSeccomp> compile_seccomp(const SeccompPlan& plan) {
    CompiledSeccomp c;
    // The argument rules first: loading needs seccomp(2) or prctl(2), which a
    // user's deny list may take away in the allow list.
    c.programs.push_back(TRY(compile_filter(TRY(build_argument_rules(plan)))));
    for (const auto& f : TRY(build_allow_lists(plan))) c.programs.push_back(TRY(compile_filter(f)));
    return c;
}

namespace {

Result<uint32_t> profile_action(const std::string& name, std::optional<uint32_t> errno_ret) {
    if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
    if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errno_ret.value_or(EPERM));
    if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
    if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
    if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
    if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errno_ret.value_or(EPERM));
    if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
    return Error::msg("seccomp: unknown action {}", name);
}

Result<scmp_compare> profile_operator(const std::string& op) {
    static const std::pair<const char*, scmp_compare> kOps[] = {
        {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
    for (auto [name, value] : kOps)
        if (op == name) return value;
    return Error::msg("seccomp: unknown operator {}", op);
}

// SCMP_ARCH_X86_64 -> libseccomp's token; 0 when this libseccomp does not know it.
uint32_t profile_arch(const std::string& name) {
    std::string lower;
    for (char c : std::string_view(name).substr(std::string_view("SCMP_ARCH_").size()))
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return seccomp_arch_resolve_name(lower.c_str());
}

}  // namespace

Result<CompiledSeccomp> compile_seccomp_profile(const SeccompProfile& p) {
    uint32_t def = TRY(profile_action(p.default_action, p.default_errno_ret));
    Filter f = TRY(native_filter(def));
    int r;
    for (const auto& name : p.architectures) {
        uint32_t arch = profile_arch(name);
        if (arch == 0) return Error::msg("seccomp: architecture {} is unknown to libseccomp", name);
        r = seccomp_arch_add(f.get(), arch);
        if (r < 0 && r != -EEXIST) return Error::sys(-r, "seccomp: adding architecture {}", name);
    }
    for (const auto& flag : p.flags) {
        if (flag == "SECCOMP_FILTER_FLAG_LOG") r = seccomp_attr_set(f.get(), SCMP_FLTATR_CTL_LOG, 1);
        else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") r = seccomp_attr_set(f.get(), SCMP_FLTATR_CTL_SSB, 1);
        else r = 0;  // TSYNC: the container's PID 1 has one thread
        if (r < 0) return Error::sys(-r, "seccomp: setting {}", flag);
    }
    for (const auto& rule : p.syscalls) {
        uint32_t action = TRY(profile_action(rule.action, rule.errno_ret));
        if (action == def) continue;  // libseccomp refuses a rule that changes nothing; runc skips it too
        std::vector<scmp_arg_cmp> cmps;
        for (const auto& a : rule.args) {
            scmp_compare op = TRY(profile_operator(a.op));
            cmps.push_back({a.index, op, a.value, a.value_two});
        }
        // As runc: comparisons of distinct arguments all hold (one rule);
        // several of one argument are alternatives (a rule each).
        bool repeated = false;
        for (size_t i = 0; i < cmps.size(); ++i)
            for (size_t j = i + 1; j < cmps.size(); ++j) repeated = repeated || cmps[i].arg == cmps[j].arg;
        for (const auto& name : rule.names) {
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) continue;  // unknown to this libseccomp: skipped, as runc does
            if (repeated) {
                for (const auto& c : cmps)
                    if ((r = seccomp_rule_add_array(f.get(), action, nr, 1, &c)) < 0)
                        return Error::sys(-r, "seccomp: adding the rule for {}", name);
            } else if ((r = seccomp_rule_add_array(f.get(), action, nr, static_cast<unsigned>(cmps.size()),
                                                   cmps.data())) < 0) {
                return Error::sys(-r, "seccomp: adding the rule for {}", name);
            }
        }
    }
    CompiledSeccomp c;
    c.programs.push_back(TRY(compile_filter(f)));
    return c;
}

Result<void> load_seccomp(const CompiledSeccomp& compiled) {
    if (!seccomp_available()) return ok();
    for (const auto& p : compiled.programs) {
        sock_fprog prog{static_cast<unsigned short>(p.size()), const_cast<sock_filter*>(p.data())};
        // Without no_new_privs: needs CAP_SYS_ADMIN, as libseccomp's loading would.
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
            if (errno != ENOSYS) return Error::errno_("loading the seccomp filter");
            if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
                return Error::errno_("loading the seccomp filter");
        }
    }
    return ok();
}

Result<std::string> seccomp_plan_pfc(const SeccompPlan& plan) {
    std::string out = TRY(export_filter(TRY(build_argument_rules(plan)), true));
    for (const auto& f : TRY(build_allow_lists(plan))) out += TRY(export_filter(f, true));
    return out;
}

}  // namespace spawn::container
