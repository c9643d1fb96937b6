// cgroup_plan: where the container's cgroup lives (pure, unit-tested for every
// host layout). The container gets machine.slice/machine-NAME.scope (the unit
// name machined and systemd use) in each hierarchy that tracks processes:
// cgroup2 at /sys/fs/cgroup on a unified host; name=systemd and cgroup2 at
// /sys/fs/cgroup/{systemd,unified} on a hybrid host; name=systemd on legacy.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "container/mount_plan.hpp"

namespace spawn::container {

struct CgroupDir {
    std::string hierarchy;  // mount point of the hierarchy, e.g. /sys/fs/cgroup/unified
    bool v2 = false;        // cgroup2 (has cgroup.kill) or v1
    std::string path;       // full path of the container's cgroup
};

struct CgroupPlan {
    std::string unit;              // machine-NAME.scope (with --keep-unit: the caller's unit)
    std::string relative;          // /machine.slice/machine-NAME.scope
    std::vector<CgroupDir> dirs;   // one per hierarchy
    std::vector<std::string> supervisor;  // --keep-unit: where spawn moves itself first
};

// systemd unit name escaping of one name ('-' and unsafe bytes as \xNN).
std::string unit_name_escape(std::string_view s);
// "a-b.slice" -> "a.slice/a-b.slice" (systemd's slice nesting); "" -> machine.slice.
std::string slice_path(std::string_view slice);

CgroupPlan plan_cgroup(CgroupLayout layout, std::string_view machine, std::string_view slice,
                       std::string_view root = "/sys/fs/cgroup");

// The spawner's own cgroup from the contents of /proc/self/cgroup: the
// cgroup2 path ("0::") on a unified host, the name=systemd one otherwise.
std::string own_cgroup(std::string_view proc_self_cgroup, CgroupLayout layout);

// --keep-unit (spawn@.service with Delegate=yes), as nspawn: the container
// goes below the spawner's own unit cgroup, OWN/payload, and spawn itself
// moves to OWN/supervisor (cgroup2 allows no process in a cgroup whose
// children get controllers). nullopt when OWN is not a unit's cgroup
// (*.service or *.scope, e.g. spawn run by hand with --keep-unit): then
// plan_cgroup() applies.
std::optional<CgroupPlan> plan_cgroup_keep_unit(CgroupLayout layout, std::string_view own,
                                                std::string_view root = "/sys/fs/cgroup");

}  // namespace spawn::container
