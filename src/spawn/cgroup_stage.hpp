// The cgroup stage: the container's cgroup as the plan says (start/plan.hpp,
// CgroupOwner), with the limits and the device policy in place before any
// task joins it. With systemd as PID 1 there is nothing to make here: the
// scope is asked of systemd after clone (container_start.hpp).
#pragma once

#include "container/cgroup.hpp"
#include "container/userns_plan.hpp"
#include "start/plan.hpp"
#include "util/result.hpp"

namespace spawn {

// The Cgroup removes itself (killing what is left in it) when dropped; an
// empty one for CgroupOwner::Systemd. users: the container's user namespace
// range, whose root gets the cgroup the guest's init manages (delegated).
Result<container::Cgroup> create_cgroup(const start::StartPlan& plan, const container::IdRange* users);

}  // namespace spawn
