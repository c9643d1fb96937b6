// cgroup_plan: where the container's cgroup lives (pure, unit-tested for every
// host layout). The container gets machine.slice/machine-NAME.scope (the unit
// name machined and systemd use) in each hierarchy that tracks processes:
// cgroup2 at /sys/fs/cgroup on a unified host; name=systemd and cgroup2 at
// /sys/fs/cgroup/{systemd,unified} on a hybrid host; name=systemd on legacy.
#pragma once

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
    std::string unit;              // machine-NAME.scope
    std::string relative;          // /machine.slice/machine-NAME.scope
    std::vector<CgroupDir> dirs;   // one per hierarchy
};

// systemd unit name escaping of one name ('-' and unsafe bytes as \xNN).
std::string unit_name_escape(std::string_view s);
// "a-b.slice" -> "a.slice/a-b.slice" (systemd's slice nesting); "" -> machine.slice.
std::string slice_path(std::string_view slice);

CgroupPlan plan_cgroup(CgroupLayout layout, std::string_view machine, std::string_view slice,
                       std::string_view root = "/sys/fs/cgroup");

}  // namespace spawn::container
