#include "spawn/cgroup_stage.hpp"

#include "container/device_cgroup.hpp"

namespace spawn {

Result<container::Cgroup> create_cgroup(const start::StartPlan& plan, const container::IdRange* users) {
    if (plan.cgroup_owner == start::CgroupOwner::Systemd) return container::Cgroup();
    // A stale empty cgroup of the same name is removed; one with processes is "already running".
    auto cgroup = TRY(container::Cgroup::create(plan.cgroup, plan.machine));
    TRY(plan.limits.apply(cgroup.plan()));
    TRY_CTX(container::apply_device_policy(cgroup.plan(), plan.devices), "applying the device policy");
    if (users) TRY_CTX(container::delegate_cgroup(cgroup.plan(), users->base), "delegating the cgroup to the container's root");
    if (plan.keep_unit) TRY_CTX(boot::enter_supervisor(*plan.keep_unit), "--keep-unit");
    return cgroup;
}

}  // namespace spawn
