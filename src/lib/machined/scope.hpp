// The machine's scope unit. With systemd as PID 1 spawn asks systemd for
// machine-NAME.scope in machine.slice (StartTransientUnit, Delegate=yes,
// DevicePolicy=closed with nspawn's DeviceAllow= list, TasksMax=16384), or
// keeps the caller's unit with --keep-unit. Without systemd (these hosts) the
// runtime creates /machine.slice/machine-NAME.scope itself in every hierarchy
// (container::Cgroup) and the --property= limits, with the default
// TasksMax=16384, are written to its cgroup files directly.
//
// The transient unit's property list is planned here (pure, unit-tested); the
// --property= values themselves are container/unit_properties.hpp, their
// writes without systemd container/cgroup_limits.hpp.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include <systemd/sd-bus.h>

#include "container/cgroup_plan.hpp"
#include "container/device_policy.hpp"
#include "container/unit_properties.hpp"
#include "util/result.hpp"

namespace spawn::machined {

// Whether systemd runs as PID 1 (sd_booted(): /run/systemd/system exists).
bool systemd_booted();

using container::DeviceAllowList;
using container::UnitProperty;

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

// With a user namespace: the scope systemd made for the container
// (Delegate=yes) given to the namespace's root (container::delegate_cgroup),
// its directories found from the container's /proc/PID/cgroup (cgroup2 and
// name=systemd).
Result<void> delegate_transient_scope(pid_t pid, uid_t root_id);

}  // namespace spawn::machined
