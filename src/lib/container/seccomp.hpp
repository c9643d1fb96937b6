// seccomp: loads the container's system call filter (seccomp_plan.hpp says
// what it allows: systemd-nspawn 252's allow list, ENOSYS for calls it does
// not know, EPERM for known but denied ones).
//
// Stacked filters: the allow list (default ENOSYS; one filter per
// architecture, each letting the other architectures through, as nspawn
// loads it), and argument rules (default ALLOW) for calls the allow list lets
// through: ioctl TIOCSTI and TIOCLINUX answer EPERM (beyond nspawn: the
// container cannot push input into a terminal it shares with the host) and,
// as in nspawn, socket(AF_NETLINK, *, NETLINK_AUDIT) answers EAFNOSUPPORT
// (audit is not namespaced; userspace reads that as "no audit"). The kernel
// runs them all and the stricter answer wins, as nspawn does for audit;
// libseccomp need not mix unconditional and conditional rules for one call.
//
// They cover the native architecture and its secondary ones (x86_64: i386
// and x32), so a 32-bit system call cannot get around them. no_new_privs is
// NOT set: setuid binaries in the container keep working (the filters are
// loaded with CAP_SYS_ADMIN).
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "container/seccomp_plan.hpp"
#include "util/result.hpp"

namespace spawn::container {

using BpfProgram = std::vector<sock_filter>;

// A plan compiled to BPF programs, in loading order: the argument rules, then
// one allow list per architecture (compiling is the costly part: ~6 ms with
// libseccomp for nspawn's list over three architectures; loading takes µs).
struct CompiledSeccomp {
    std::vector<BpfProgram> programs;
};
Result<CompiledSeccomp> compile_seccomp(const SeccompPlan& plan);
// An OCI bundle's linux.seccomp, compiled as runc compiles it: one filter
// with the profile's default action over the native architecture and the
// profile's; each rule's names that this libseccomp knows (the others
// skipped, as runc skips them); a rule whose action is the default skipped.
// Replaces nspawn's filter (plan_seccomp()). Errors: an architecture or a
// rule libseccomp refuses, in one line.
Result<CompiledSeccomp> compile_seccomp_profile(const SeccompProfile& profile);

// Loads them into the calling thread, as root with CAP_SYS_ADMIN (no
// no_new_privs). A kernel without seccomp gets no filter (as nspawn does).
Result<void> load_seccomp(const CompiledSeccomp& compiled);

// The filters compile_seccomp() makes, in libseccomp's readable PFC
// form, the argument-rule filter first (for tests and debugging; needs no
// privileges).
Result<std::string> seccomp_plan_pfc(const SeccompPlan& plan);

}  // namespace spawn::container
