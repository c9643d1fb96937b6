// unit_properties: spawn's --property=NAME=VALUE, the cgroup settings of the
// machine's scope (systemd's resource-control properties that spawn can also
// apply without systemd). Pure: parsed and validated here, before anything
// is set up; applied by cgroup_limits.hpp (no systemd) or sent to systemd
// with the transient scope (machined/scope.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "util/result.hpp"

namespace spawn::container {

// "infinity" of sizes and counts.
inline constexpr uint64_t kInfinity = UINT64_MAX;
// CPUs and memory nodes AllowedCPUs=/AllowedMemoryNodes= may name.
inline constexpr uint64_t kMaxCpus = 8192;

// systemd-nspawn@.service's TasksMax=, the pids limit of a machine whose
// cgroup spawn owns (or asks systemd for) unless --property=TasksMax= is given.
inline constexpr uint64_t kDefaultTasksMax = 16384;

// DeviceAllow= entries as systemd's D-Bus API takes them: a(ss) of (device, access).
using DeviceAllowList = std::vector<std::pair<std::string, std::string>>;

// One --property=NAME=VALUE after parsing and validation.
struct UnitProperty {
    std::string name;
    std::variant<std::string, bool, uint64_t, DeviceAllowList> value;
    bool operator==(const UnitProperty&) const = default;
};

// Parses "MemoryMax=512M", "TasksMax=100", "CPUQuota=50%", "CPUWeight=200",
// "IOWeight=100", "MemoryHigh=...", "MemoryLow=...", "MemoryMin=...",
// "MemorySwapMax=...", "AllowedCPUs=0-1", "AllowedMemoryNodes=0",
// "CPUShares=...", "MemoryLimit=..." (the limits spawn can apply without
// systemd), "DeviceAllow=DEVICE [rwm]" (syntax checked here, resolved by
// plan_device_policy). Unknown names and bad values are errors naming the
// property.
Result<UnitProperty> parse_property(const std::string& assignment);
Result<std::vector<UnitProperty>> parse_properties(const std::vector<std::string>& assignments);

// A CPU or memory-node list ("0-3,6", checked by parse_property) as the byte
// mask systemd's D-Bus API takes ("ay").
std::vector<uint8_t> cpu_list_mask(const std::string& list);

}  // namespace spawn::container
