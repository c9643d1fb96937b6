// The machine's scope unit. With systemd as PID 1 spawn asks systemd for
// machine-NAME.scope in machine.slice (StartTransientUnit, Delegate=yes), or
// keeps the caller's unit with --keep-unit. Without systemd (these hosts) the
// runtime creates /machine.slice/machine-NAME.scope itself and the
// --property= limits are written to the cgroup files directly.
//
// Pure planners here (unit-tested): --property parsing, the transient unit's
// property list, the cgroup file writes for the v1 and v2 layouts.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <systemd/sd-bus.h>

#include "container/cgroup_plan.hpp"
#include "util/result.hpp"

namespace spawn::machined {

// Whether systemd runs as PID 1 (sd_booted(): /run/systemd/system exists).
bool systemd_booted();

// The host's layout (container::detect_cgroup_layout()): limits go to the v1
// controller hierarchies unless it is Unified.
using container::CgroupLayout;

// One --property=NAME=VALUE after parsing and validation.
struct UnitProperty {
    std::string name;
    std::variant<std::string, bool, uint64_t> value;
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
// systemd). Unknown names and bad values are errors naming the property.
Result<UnitProperty> parse_property(const std::string& assignment);
Result<std::vector<UnitProperty>> parse_properties(const std::vector<std::string>& assignments);

// The cgroup writes for the parsed properties on a layout; properties with
// no equivalent on that layout are refused with a clear error.
Result<std::vector<CgroupWrite>> plan_cgroup_limits(const std::vector<UnitProperty>& props, CgroupLayout layout);

// Writes the plan into the machine's cgroup (relative path, e.g.
// "/machine.slice/machine-x.scope") under root (/sys/fs/cgroup). On the
// legacy layout the cgroup is created in each controller hierarchy the plan
// uses and `leader` moved into it; on the unified one the controllers are
// enabled in the ancestors' cgroup.subtree_control.
Result<void> apply_cgroup_limits(const std::vector<CgroupWrite>& plan, const std::string& cgroup_path, CgroupLayout layout,
                                 pid_t leader, const std::string& root = "/sys/fs/cgroup");

// Removes the per-controller cgroups apply_cgroup_limits created (legacy
// layout; best effort, after the machine's processes are gone).
void remove_cgroup_limits(const std::vector<CgroupWrite>& plan, const std::string& cgroup_path, CgroupLayout layout,
                          const std::string& root = "/sys/fs/cgroup");

// Removes empty per-controller (v1) cgroups at cgroup_path left by a spawn
// that was killed with SIGKILL (and their empty parents).
void clear_stale_limit_cgroups(const std::string& cgroup_path, const std::string& root = "/sys/fs/cgroup");

// The --property= limits of one container, applied to its scope cgroup
// without systemd. The destructor kills what is left in the per-controller
// cgroups it created (legacy layout) and removes them.
class CgroupLimits {
public:
    CgroupLimits() = default;
    CgroupLimits(std::vector<CgroupWrite> plan, CgroupLayout layout) : plan_(std::move(plan)), layout_(layout) {}
    CgroupLimits(CgroupLimits&& o) noexcept
        : plan_(std::move(o.plan_)), layout_(o.layout_), path_(std::move(o.path_)), applied_(std::exchange(o.applied_, false)) {}
    CgroupLimits& operator=(CgroupLimits&&) = delete;
    ~CgroupLimits();

    // Parses and plans --property= for this host's layout (before anything is
    // set up: bad or unsupported properties are refused here).
    static Result<CgroupLimits> plan(const std::vector<std::string>& properties);
    // Writes the limits for the scope at cgroup_path (relative) holding leader.
    Result<void> apply(const std::string& cgroup_path, pid_t leader);
    const std::vector<CgroupWrite>& writes() const { return plan_; }

private:
    std::vector<CgroupWrite> plan_;
    CgroupLayout layout_ = CgroupLayout::Legacy;
    std::string path_;
    bool applied_ = false;
};

// The StartTransientUnit request spawn sends with systemd as PID 1.
struct TransientScope {
    std::string unit;     // machine-NAME.scope
    std::string mode = "fail";
    std::vector<UnitProperty> properties;  // Description, Slice, Delegate, user limits (CPUQuota -> CPUQuotaPerSecUSec)
    std::vector<uint32_t> pids;            // PIDs
};

// Plans the transient scope: slice defaults to machine.slice; description
// "Container NAME"; Delegate=yes; the user's limits translated to the D-Bus
// property names systemd takes.
Result<TransientScope> plan_transient_scope(const std::string& machine, pid_t leader, const std::string& slice,
                                            const std::vector<std::string>& properties);

// Sends the planned StartTransientUnit to org.freedesktop.systemd1 (systemd as
// PID 1 only) and waits for the job to be queued.
Result<void> start_transient_scope(sd_bus* bus, const TransientScope& scope);

// What spawn does with systemd as PID 1 and without --keep-unit: sends the
// planned StartTransientUnit on the system bus and waits until systemd has
// moved the leader into the scope (nspawn waits for the job likewise).
Result<void> allocate_transient_scope(const TransientScope& scope);

}  // namespace spawn::machined
