// seccomp: the container's system call filter, with nspawn 252's effect.
//
// nspawn allows a list of syscall groups, answers EPERM for every other
// syscall systemd knows and ENOSYS for the rest. We install the equivalent
// deny list instead (default: allow): EPERM for exactly the known syscalls
// nspawn 252 does not allow (computed from `systemd-analyze syscall-filter`
// of 252: @known minus nspawn's allowed groups), cap-dependent groups
// (@clock, @module, @raw-io, @memlock, acct, syslog, ptrace, reboot, vhangup)
// allowed when the capability is retained, exactly as nspawn does. Beyond
// nspawn: ioctl TIOCSTI and TIOCLINUX answer EPERM, so the container cannot
// push input into a terminal it shares with the host. As in nspawn,
// socket(AF_NETLINK, *, NETLINK_AUDIT) answers EAFNOSUPPORT (audit is not
// namespaced; userspace reads that as "no audit"). The filter covers the
// native architecture and its secondary ones (x86_64: i386 and x32), so a
// 32-bit syscall cannot escape it. no_new_privs is NOT set: setuid binaries
// in the container keep working (the filter is loaded with CAP_SYS_ADMIN).
//
// The planner is pure (unit-tested); apply_seccomp() loads the filter in the
// child right before exec.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn::container {

struct DeniedIoctl {
    unsigned long request;  // compared on the low 32 bits, as the kernel reads it
    std::string name;
};

struct SeccompPlan {
    std::vector<std::string> denied;          // syscall names answered with EPERM
    std::vector<DeniedIoctl> denied_ioctls;   // ioctl requests answered with EPERM
    bool deny_audit_netlink = true;           // socket(AF_NETLINK, *, NETLINK_AUDIT) -> EAFNOSUPPORT
};

// The filter for a container whose bounding set is `caps` (plan_capabilities()).
SeccompPlan plan_seccomp(uint64_t caps);

// True when `name` is in the plan's denied list.
bool seccomp_denies(const SeccompPlan& plan, const std::string& name);

// In the child, as root with CAP_SYS_ADMIN, right before the capability drop
// and exec: loads plan_seccomp(plan_capabilities(cfg)). A kernel without
// seccomp gets no filter (as nspawn does).
Result<void> apply_seccomp(const Config& cfg);
Result<void> apply_seccomp_plan(const SeccompPlan& plan);
// The filter apply_seccomp_plan() would load, in libseccomp's readable PFC
// form (for tests and debugging; needs no privileges).
Result<std::string> seccomp_plan_pfc(const SeccompPlan& plan);

// For a process that joins a running machine from the host (mctl exec/shell/
// login entering the namespaces): the same confinement as the machine's own
// processes, derived from the leader's bounding set (read_bounding_set() of
// the leader, read before entering). Call it as root after setns() and before
// the credential change and exec: seccomp filter plan_seccomp(bounding), then
// apply_capabilities(bounding, uid). Without it the joined process would keep
// the host's full capabilities and no filter, inside a PID namespace where the
// container's root may ptrace it.
Result<void> confine_like_machine(uint64_t bounding, uid_t uid);

}  // namespace spawn::container
