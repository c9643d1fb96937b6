// confinement: what a process that joins a running machine from the host
// (mctl exec/shell/login entering its namespaces) must be held to, exactly
// the machine's own processes' lot: its capability bounding set and its
// seccomp filter (nspawn's allow list for that set, with the machine's
// --system-call-filter lists). Without it the joined process would keep the
// host's full capabilities and no filter, inside a PID namespace where the
// container's root may ptrace it.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "config/config.hpp"
#include "container/seccomp.hpp"
#include "util/result.hpp"

namespace spawn::container {

struct MachineConfinement {
    uint64_t bounding = 0;    // the machine's bounding set
    CompiledSeccomp filter;   // its filter, compiled (or from the host's cache)
};

// On the host side, before entering any of the machine's namespaces: the
// compiled-filter cache is read from the host's /run, never the machine's
// (a machine's root owns its own /run and could plant a filter there).
Result<MachineConfinement> prepare_confinement(uint64_t bounding, const SyscallFilter& lists);

// In the joining process, as root after setns() and before the credential
// change and exec: loads the filter, then apply_capabilities(bounding, uid).
Result<void> confine_like_machine(const MachineConfinement& c, uid_t uid);

}  // namespace spawn::container
