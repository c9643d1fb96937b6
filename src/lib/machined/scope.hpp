// The machine's scope unit. With systemd as PID 1 spawn asks systemd for
// machine-NAME.scope in machine.slice (StartTransientUnit, Delegate=yes,
// DevicePolicy=closed with nspawn's DeviceAllow= list, TasksMax=16384), or
// keeps the caller's unit with --keep-unit. Without systemd (these hosts) the
// runtime creates /machine.slice/machine-NAME.scope itself in every hierarchy
// (container::Cgroup) and the --property= limits, with the default
// TasksMax=16384, are written to its cgroup files directly.
//
// Pure planners here (unit-tested): --property parsing, the transient unit's
// property list, the cgroup file writes for the v1 and v2 layouts.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <systemd/sd-bus.h>

#include "container/cgroup_plan.hpp"
#include "container/device_policy.hpp"
#include "util/result.hpp"

namespace spawn::machined {

// Whether systemd runs as PID 1 (sd_booted(): /run/systemd/system exists).
bool systemd_booted();

// The host's layout (container::detect_cgroup_layout()): limits go to the v1
// controller hierarchies unless it is Unified.
using container::CgroupLayout;

// systemd-nspawn@.service's TasksMax=, the pids limit of a machine whose
// cgroup spawn owns (or asks systemd for) unless --property=TasksMax= is given.
constexpr uint64_t kDefaultTasksMax = 16384;

// DeviceAllow= entries as systemd's D-Bus API takes them: a(ss) of (device, access).
using DeviceAllowList = std::vector<std::pair<std::string, std::string>>;

// One --property=NAME=VALUE after parsing and validation.
struct UnitProperty {
    std::string name;
    std::variant<std::string, bool, uint64_t, DeviceAllowList> value;
    bool operator==(const UnitProperty&) const = default;
};

// A cgroup file write: controller is the v1 hierarchy ("memory", "pids",
// "cpu", ...) or "" on the unified hierarchy.
struct CgroupWrite {
    std::string controller;
    std::string file;
    std::string value;
    bool operator==(const CgroupWrite&) const = default;
};

// Parses "MemoryMax=512M", "TasksMax=100", "CPUQuota=50%", "CPUWeight=200",
// "IOWeight=100", "MemoryHigh=...", "MemoryLow=...", "MemoryMin=...",
// "MemorySwapMax=...", "AllowedCPUs=0-1", "AllowedMemoryNodes=0",
// "CPUShares=...", "MemoryLimit=..." (the limits spawn can apply without
// systemd), "DeviceAllow=DEVICE [rwm]" (syntax checked here, resolved by
// container::plan_device_policy). Unknown names and bad values are errors
// naming the property.
Result<UnitProperty> parse_property(const std::string& assignment);
Result<std::vector<UnitProperty>> parse_properties(const std::vector<std::string>& assignments);

// The cgroup writes for the parsed properties on a layout; properties with
// no equivalent on that layout are refused with a clear error.
Result<std::vector<CgroupWrite>> plan_cgroup_limits(const std::vector<UnitProperty>& props, CgroupLayout layout);

// Writes the plan into the machine's existing cgroups (container::Cgroup made
// them): a v1 write into the dir of the hierarchy holding its controller, a
// cgroup2 write ("" controller) into the cgroup2 dir after enabling the
// controller in the cgroup.subtree_control of every ancestor. Nothing is
// created and no process is moved here.
Result<void> apply_cgroup_limits(const std::vector<CgroupWrite>& plan, const container::CgroupPlan& cgroup);

// The --property= limits of one container (plus the default TasksMax), for
// the cgroups spawn owns (no systemd as PID 1). A plain value: the cgroups
// are container::Cgroup's, removed with it.
class CgroupLimits {
public:
    CgroupLimits() = default;
    explicit CgroupLimits(std::vector<CgroupWrite> plan) : plan_(std::move(plan)) {}

    // Parses and plans --property= for this host (before anything is set up:
    // bad or unsupported properties, and limits whose controller has no
    // hierarchy here, are refused). default_tasks_max adds pids.max=16384 when
    // no TasksMax= is given and a pids controller is available.
    static Result<CgroupLimits> plan(const std::vector<std::string>& properties,
                                     const std::vector<container::CgroupHierarchy>& hierarchies, CgroupLayout layout,
                                     bool default_tasks_max);
    // Writes the limits into the machine's cgroups (before any task joins them).
    Result<void> apply(const container::CgroupPlan& cgroup) const;
    const std::vector<CgroupWrite>& writes() const { return plan_; }

private:
    std::vector<CgroupWrite> plan_;
};

// The StartTransientUnit request spawn sends with systemd as PID 1.
struct TransientScope {
    std::string unit;     // machine-NAME.scope
    std::string mode = "fail";
    std::vector<UnitProperty> properties;  // Description, Slice, Delegate, user limits (CPUQuota -> CPUQuotaPerSecUSec)
    std::vector<uint32_t> pids;            // PIDs
};

// Plans the transient scope: slice defaults to machine.slice; description
// "Container NAME"; Delegate=yes; TasksMax=16384 unless given;
// DevicePolicy=closed and DeviceAllow= with nspawn's entries (/dev/net/tun rwm,
// char-pts rw), bind_devices (--bind sources that are device nodes) and the
// --property=DeviceAllow= values; the user's limits translated to the D-Bus
// property names systemd takes.
Result<TransientScope> plan_transient_scope(const std::string& machine, pid_t leader, const std::string& slice,
                                            const std::vector<std::string>& properties,
                                            const std::vector<container::DeviceAllow>& bind_devices = {});

// Sends the planned StartTransientUnit to org.freedesktop.systemd1 (systemd as
// PID 1 only) and waits for the job to be queued.
Result<void> start_transient_scope(sd_bus* bus, const TransientScope& scope);

// What spawn does with systemd as PID 1 and without --keep-unit: sends the
// planned StartTransientUnit on the system bus and waits until systemd has
// moved the leader into the scope (nspawn waits for the job likewise), in
// every cgroup v1 hierarchy too: a leader left in a v1 root cgroup is an error.
Result<void> allocate_transient_scope(const TransientScope& scope);

}  // namespace spawn::machined
