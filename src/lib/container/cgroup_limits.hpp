// cgroup_limits: the --property= limits (unit_properties.hpp) and the
// default TasksMax written straight to the machine's cgroups when spawn owns
// them (no systemd as PID 1): a pure planner of cgroup file writes for each
// layout, and the executor that writes them into the cgroups container::Cgroup
// made, before any task joins them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "container/cgroup_hierarchies.hpp"
#include "container/cgroup_plan.hpp"
#include "container/unit_properties.hpp"
#include "util/result.hpp"

namespace spawn::container {

// A cgroup file write: controller is the v1 hierarchy ("memory", "pids",
// "cpu", ...) or "" on the unified hierarchy.
struct CgroupWrite {
    std::string controller;
    std::string file;
    std::string value;
    bool operator==(const CgroupWrite&) const = default;
};

// The cgroup writes for the parsed properties on a layout; properties with
// no equivalent on that layout are refused with a clear error.
Result<std::vector<CgroupWrite>> plan_cgroup_limits(const std::vector<UnitProperty>& props, CgroupLayout layout);

// Writes the plan into the machine's existing cgroups (container::Cgroup made
// them): a v1 write into the dir of the hierarchy holding its controller, a
// cgroup2 write ("" controller) into the cgroup2 dir after enabling the
// controller in the cgroup.subtree_control of every ancestor. Nothing is
// created and no process is moved here.
Result<void> apply_cgroup_limits(const std::vector<CgroupWrite>& plan, const CgroupPlan& cgroup);

// The --property= limits of one container (plus the default TasksMax), for
// the cgroups spawn owns. A plain value: the cgroups are container::Cgroup's,
// removed with it.
class CgroupLimits {
public:
    CgroupLimits() = default;
    explicit CgroupLimits(std::vector<CgroupWrite> plan) : plan_(std::move(plan)) {}

    // Parses and plans --property= for this host (before anything is set up:
    // bad or unsupported properties, and limits whose controller has no
    // hierarchy here, are refused). default_tasks_max adds pids.max=16384 when
    // no TasksMax= is given and a pids controller is available (a v1 pids
    // hierarchy, or "pids" among cgroup2_root_controllers on a unified host:
    // the text of /sys/fs/cgroup/cgroup.controllers). Pure.
    static Result<CgroupLimits> plan(const std::vector<std::string>& properties,
                                     const std::vector<CgroupHierarchy>& hierarchies, CgroupLayout layout,
                                     bool default_tasks_max, std::string_view cgroup2_root_controllers);
    // Writes the limits into the machine's cgroups (before any task joins them).
    Result<void> apply(const CgroupPlan& cgroup) const;
    const std::vector<CgroupWrite>& writes() const { return plan_; }

private:
    std::vector<CgroupWrite> plan_;
};

}  // namespace spawn::container
