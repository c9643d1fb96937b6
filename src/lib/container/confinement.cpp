#include "container/confinement.hpp"

#include "container/caps.hpp"
#include "container/seccomp_cache.hpp"
#include "container/seccomp_plan.hpp"

namespace spawn::container {

Result<MachineConfinement> prepare_confinement(uint64_t bounding, const SyscallFilter& lists) {
    MachineConfinement c;
    c.bounding = bounding;
    c.filter = TRY(compile_seccomp_cached(plan_seccomp(bounding, lists)));
    return c;
}

Result<void> confine_like_machine(const MachineConfinement& c, uid_t uid) {
    TRY(load_seccomp(c.filter));
    return apply_capabilities(c.bounding, uid);
}

}  // namespace spawn::container
