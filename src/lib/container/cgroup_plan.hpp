// cgroup_plan: where the container's cgroup lives (pure, unit-tested for every
// host layout). The container gets machine.slice/machine-NAME.scope (the unit
// name machined and systemd use) in every hierarchy spawn belongs to
// (cgroup_hierarchies.hpp), as systemd does on hybrid hosts: cgroup2 at
// /sys/fs/cgroup on a unified host; name=systemd, cgroup2 and each v1
// controller hierarchy (cpu, memory, pids, devices, ...) on hybrid and legacy
// hosts. So the root of the container's cgroup namespace is nowhere the root
// of a hierarchy (whose release_agent the kernel runs as host root).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "container/cgroup_hierarchies.hpp"

namespace spawn::container {

struct CgroupDir {
    std::string hierarchy;                 // mount point of the hierarchy, e.g. /sys/fs/cgroup/unified
    bool v2 = false;                       // cgroup2 (has cgroup.kill) or v1
    std::string path;                      // full path of the container's cgroup
    std::vector<std::string> controllers;  // v1: the hierarchy's controllers (name=systemd included)
    bool has(std::string_view controller) const;
};

struct CgroupPlan {
    std::string unit;              // machine-NAME.scope
    std::string relative;          // /machine.slice/machine-NAME.scope
    std::vector<CgroupDir> dirs;   // one per hierarchy
    // The v1 dir whose hierarchy has controller ("pids", "devices", ...), or the cgroup2 dir (v2()); null if none.
    const CgroupDir* v1_with(std::string_view controller) const;
    const CgroupDir* v2() const;
};

// The hierarchies that track processes on a layout, mounted the standard way
// under root: cgroup2 (unified); name=systemd and cgroup2 (hybrid);
// name=systemd (legacy). For tests and planners that need no mountinfo.
std::vector<CgroupHierarchy> tracking_hierarchies(CgroupLayout layout, std::string_view root = "/sys/fs/cgroup");

// systemd unit name escaping of one name ('-' and unsafe bytes as \xNN).
std::string unit_name_escape(std::string_view s);
// "a-b.slice" -> "a.slice/a-b.slice" (systemd's slice nesting); "" -> machine.slice.
std::string slice_path(std::string_view slice);

// machine.slice/machine-NAME.scope (or the --slice) in each hierarchy.
CgroupPlan plan_cgroup(const std::vector<CgroupHierarchy>& hierarchies, std::string_view machine,
                       std::string_view slice);

}  // namespace spawn::container
