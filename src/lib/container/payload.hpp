// payload: how the container's payload process is set up besides its
// namespaces, mounts, bounding set and seccomp filter, as systemd-nspawn 252
// does it: resource limits (nspawn's defaults for each limit not given),
// CPU affinity, personality, OOM score adjustment, no_new_privs and ambient
// capabilities. plan_payload() is pure (unit-tested); the appliers run at
// their place of the start:
//   host side, after clone      adjust_oom_score() on the container's PID 1,
//                               so it works whatever the container may do
//   child, before seccomp       apply_payload_limits(): personality, CPU
//                               affinity, resource limits
//   child, after the cap drop   check_ambient_available(), then
//                               set_no_new_privileges()
//   sealed helper               raises the ambient set around the uid change
//                               (ExecRequest::ambient_capabilities)
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn::container {

// The host's facts behind nspawn's default limits.
struct RlimitFacts {
    ResourceLimit pid1_nproc{kRlimitInfinity, kRlimitInfinity};       // PID 1's RLIMIT_NPROC
    ResourceLimit pid1_sigpending{kRlimitInfinity, kRlimitInfinity};  // PID 1's RLIMIT_SIGPENDING
    uint64_t nr_open = 1024 * 1024;                                   // /proc/sys/fs/nr_open
};
// Reads them (/proc/1/limits; spawn's own limits where PID 1's cannot be read).
RlimitFacts probe_rlimit_facts();

// nspawn 252's limits for a container (the kernel's defaults for PID 1 as of
// Linux 5.16): NOFILE 1024 soft and min(nr_open, 524288) hard, MEMLOCK 8 MiB,
// STACK 8 MiB soft, CORE 0 soft, MSGQUEUE 819200, NICE and RTPRIO 0, NPROC
// and SIGPENDING PID 1's, everything else unlimited. Indexed by RLIMIT_*.
std::array<ResourceLimit, kRlimitCount> default_rlimits(const RlimitFacts& facts);

struct PayloadPlan {
    std::array<ResourceLimit, kRlimitCount> rlimits{};  // every limit: --rlimit, else nspawn's default
    std::vector<unsigned> cpu_affinity;                 // empty: inherited from spawn
    std::optional<unsigned long> personality;           // --personality
    std::optional<int> oom_score_adjust;                // --oom-score-adjust
    bool no_new_privileges = false;
    uint64_t ambient_capabilities = 0;                  // within the bounding set
    bool operator==(const PayloadPlan&) const = default;
};

// The payload's settings from the Config; bounding_set is the container's
// (plan_capabilities()): an ambient capability outside it is refused, as by nspawn.
Result<PayloadPlan> plan_payload(const Config& cfg, uint64_t bounding_set, const RlimitFacts& facts);

// Host side: /proc/PID/oom_score_adj of the container's PID 1 (its children inherit it).
Result<void> adjust_oom_score(pid_t pid, int value);

// Child side, as root, before the seccomp filter: personality, CPU affinity,
// then every resource limit, each as close as the process may set it (a hard
// limit above the current one without CAP_SYS_RESOURCE is lowered to it, as
// nspawn's setrlimit_closest()).
Result<void> apply_payload_limits(const PayloadPlan& p);
// One of them: setrlimit(), or when raising the hard limit is not permitted,
// the closest the process may set (nspawn's setrlimit_closest()).
Result<void> set_rlimit_closest(int resource, const ResourceLimit& l);
// Child side, after apply_capabilities(): each ambient capability must be in
// the permitted set (spawn itself may lack one of the container's bounding set).
Result<void> check_ambient_available(uint64_t ambient);
// Child side, last before the helper: PR_SET_NO_NEW_PRIVS (the seccomp filter,
// loaded earlier with CAP_SYS_ADMIN, does not need it).
Result<void> set_no_new_privileges();

}  // namespace spawn::container
