// seccomp: loads the container's system call filter (seccomp_plan.hpp says
// what it allows: systemd-nspawn 252's allow list, ENOSYS for calls it does
// not know, EPERM for known but denied ones).
//
// Two filters, stacked: the allow list (default ENOSYS), and argument rules
// (default ALLOW) for calls the allow list lets through: ioctl TIOCSTI and
// TIOCLINUX answer EPERM (beyond nspawn: the container cannot push input into
// a terminal it shares with the host) and, as in nspawn,
// socket(AF_NETLINK, *, NETLINK_AUDIT) answers EAFNOSUPPORT (audit is not
// namespaced; userspace reads that as "no audit"). The kernel runs both and
// the stricter answer wins, as nspawn does for audit; libseccomp need not mix
// unconditional and conditional rules for one call.
//
// Both cover the native architecture and its secondary ones (x86_64: i386 and
// x32), so a 32-bit system call cannot get around them. no_new_privs is NOT
// set: setuid binaries in the container keep working (the filters are loaded
// with CAP_SYS_ADMIN).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "config/config.hpp"
#include "container/seccomp_plan.hpp"
#include "util/result.hpp"

namespace spawn::container {

// In the child, as root with CAP_SYS_ADMIN, right before the capability drop
// and exec: loads plan_seccomp(plan_capabilities(cfg), cfg.syscall_filter).
// A kernel without seccomp gets no filter (as nspawn does).
Result<void> apply_seccomp(const Config& cfg);
Result<void> apply_seccomp_plan(const SeccompPlan& plan);
// The filters apply_seccomp_plan() would load, in libseccomp's readable PFC
// form, the argument-rule filter first (for tests and debugging; needs no
// privileges).
Result<std::string> seccomp_plan_pfc(const SeccompPlan& plan);

// For a process that joins a running machine from the host (mctl exec/shell/
// login entering the namespaces): exactly the confinement of the machine's own
// processes. `bounding` is the leader's bounding set (read_bounding_set(),
// read before entering), `filter` the machine's --system-call-filter lists
// (machined::read_machine_state(NAME).syscall_filter). Call it as root after
// setns() and before the credential change and exec: seccomp filter
// plan_seccomp(bounding, filter), then apply_capabilities(bounding, uid).
// Without it the joined process would keep the host's full capabilities and no
// filter, inside a PID namespace where the container's root may ptrace it.
Result<void> confine_like_machine(uint64_t bounding, const SyscallFilter& filter, uid_t uid);
// The machine's default filter only: wrong for a machine started with
// --system-call-filter. Kept until mctl passes the machine's lists.
[[deprecated("pass the machine's lists: confine_like_machine(bounding, read_machine_state(name)->syscall_filter, uid)")]]
Result<void> confine_like_machine(uint64_t bounding, uid_t uid);

}  // namespace spawn::container
