// The container's cgroup under --keep-unit on a systemd host (spawn@.service,
// Delegate=yes), as systemd-nspawn does it: instead of a machine-NAME.scope
// of its own, the container lives in the unit's cgroup, split in two
// because cgroup2 allows processes only in leaves:
//   <unit cgroup>/payload     the container (its cgroup namespace root; the
//                             guest's systemd manages everything below)
//   <unit cgroup>/supervisor  spawn itself
// and the controllers the unit got are enabled for payload. On hybrid and
// legacy hosts payload is also made in each v1 controller hierarchy (the unit
// is delegated there too), so limits and the v1 device policy apply to it;
// spawn stays in the unit's cgroup there (v1 allows processes in inner
// nodes). Without systemd as PID 1 (this kind of host) spawn keeps core's
// machine.slice/machine-NAME.scope.
// Planning is pure and unit-tested for every layout; enter_supervisor() moves
// the calling process.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "container/cgroup_plan.hpp"
#include "util/result.hpp"

namespace spawn::boot {

// The caller's cgroup from /proc/self/cgroup text: the cgroup2 ("0::") line
// on a unified host, the name=systemd line on hybrid and legacy hosts. Pure.
std::optional<std::string> own_cgroup(std::string_view proc_self_cgroup, container::CgroupLayout layout);

struct KeepUnitCgroup {
    container::CgroupPlan payload;          // handed to container::Cgroup::create
    std::vector<std::string> supervisor;    // full paths, one per tracking hierarchy (name=systemd, cgroup2)
    std::string own_v2;                     // the unit's cgroup2 directory ("" without cgroup2)
};

// own: the unit's cgroup (e.g. /system.slice/system-spawn.slice/spawn@deb.service);
// hierarchies: container::discover_cgroup_hierarchies(). Pure.
KeepUnitCgroup plan_keep_unit_cgroup(const std::vector<container::CgroupHierarchy>& hierarchies, std::string_view own);

// Whether the keep-unit plan applies: --keep-unit and systemd is PID 1
// (/run/systemd/system exists).
bool keep_unit_cgroup_applies(bool keep_unit);

// Moves the calling process into the supervisor cgroups (created), then
// enables the unit's controllers for its children (cgroup2, best effort).
Result<void> enter_supervisor(const KeepUnitCgroup& k);

}  // namespace spawn::boot
