#include "container/cgroup_limits.hpp"

#include <fcntl.h>

#include <algorithm>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "util/file.hpp"
#include "util/strings.hpp"

namespace spawn::container {
namespace {

constexpr uint64_t kCpuPeriodUsec = 100000;

std::string v2_value(uint64_t v) { return v == kInfinity ? "max" : std::to_string(v); }

}  // namespace

Result<std::vector<CgroupWrite>> plan_cgroup_limits(const std::vector<UnitProperty>& props, CgroupLayout layout) {
    std::vector<CgroupWrite> out;
    bool v2 = layout == CgroupLayout::Unified;
    for (const auto& p : props) {
        const auto* num = std::get_if<uint64_t>(&p.value);
        const auto* text = std::get_if<std::string>(&p.value);
        const std::string& n = p.name;
        if (n == "Delegate") continue;     // the scope is always delegated
        if (n == "DeviceAllow") continue;  // the device policy (container/device_policy.hpp)
        if (n == "MemoryMax" || n == "MemoryLimit") {
            if (v2) out.push_back({"", "memory.max", v2_value(*num)});
            else out.push_back({"memory", "memory.limit_in_bytes", *num == kInfinity ? "-1" : std::to_string(*num)});
        } else if (n == "MemoryHigh" || n == "MemoryLow" || n == "MemoryMin" || n == "MemorySwapMax") {
            if (!v2)
                return Error::msg("--property={}=: has no equivalent on cgroup v1 controllers (this host); "
                                  "use MemoryMax", n);
            std::string file = n == "MemoryHigh" ? "memory.high" : n == "MemoryLow" ? "memory.low"
                             : n == "MemoryMin"  ? "memory.min" : "memory.swap.max";
            out.push_back({"", file, v2_value(*num)});
        } else if (n == "TasksMax") {
            out.push_back({v2 ? "" : "pids", "pids.max", v2_value(*num)});
        } else if (n == "CPUQuota") {
            uint64_t quota = *num * kCpuPeriodUsec / 1000000;
            if (v2) {
                out.push_back({"", "cpu.max", fmt::format("{} {}", quota, kCpuPeriodUsec)});
            } else {
                out.push_back({"cpu", "cpu.cfs_period_us", std::to_string(kCpuPeriodUsec)});
                out.push_back({"cpu", "cpu.cfs_quota_us", std::to_string(quota)});
            }
        } else if (n == "CPUWeight") {
            if (v2) out.push_back({"", "cpu.weight", std::to_string(*num)});
            else out.push_back({"cpu", "cpu.shares", std::to_string(std::max<uint64_t>(2, *num * 1024 / 100))});
        } else if (n == "CPUShares") {
            if (v2) out.push_back({"", "cpu.weight", std::to_string(std::clamp<uint64_t>(*num * 100 / 1024, 1, 10000))});
            else out.push_back({"cpu", "cpu.shares", std::to_string(*num)});
        } else if (n == "IOWeight") {
            if (v2) out.push_back({"", "io.weight", fmt::format("default {}", *num)});
            else out.push_back({"blkio", "blkio.weight", std::to_string(std::clamp<uint64_t>(*num / 10, 10, 1000))});
        } else if (n == "AllowedCPUs") {
            out.push_back({v2 ? "" : "cpuset", "cpuset.cpus", *text});
        } else if (n == "AllowedMemoryNodes") {
            out.push_back({v2 ? "" : "cpuset", "cpuset.mems", *text});
        } else {
            return Error::msg("--property={}=: cannot be applied to a cgroup directly", n);
        }
    }
    return out;
}

static std::string controller_of(const std::string& file) { return file.substr(0, file.find('.')); }

Result<void> apply_cgroup_limits(const std::vector<CgroupWrite>& plan, const CgroupPlan& cgroup) {
    std::set<std::string> v2_controllers;
    for (const auto& w : plan) {
        if (w.controller.empty()) {
            v2_controllers.insert(controller_of(w.file));
            continue;
        }
        const auto* dir = cgroup.v1_with(w.controller);
        if (!dir) return Error::msg("{}: the machine has no cgroup in a {} hierarchy", w.file, w.controller);
        TRY(write_file(dir->path + "/" + w.file, w.value, O_TRUNC));
    }
    if (v2_controllers.empty()) return {};
    const auto* v2 = cgroup.v2();
    if (!v2) return Error::msg("the machine has no cgroup2 cgroup for {}", *v2_controllers.begin());
    // Enable the controllers from the hierarchy's root down to the machine's parent.
    std::string dir = v2->hierarchy == "/" ? "" : v2->hierarchy;
    auto rel = v2->path.substr(dir.size());
    for (const auto& part : str::split(rel, '/')) {
        if (part.empty()) continue;
        for (const auto& c : v2_controllers) {
            auto r = write_file(dir + "/cgroup.subtree_control", "+" + c, O_TRUNC);
            if (!r && r.error().code() != EBUSY) return std::move(r).error().context("enabling the " + c + " controller");
        }
        dir += "/" + part;
    }
    for (const auto& w : plan)
        if (w.controller.empty()) TRY(write_file(dir + "/" + w.file, w.value, O_TRUNC));
    return {};
}

Result<CgroupLimits> CgroupLimits::plan(const std::vector<std::string>& properties,
                                        const std::vector<CgroupHierarchy>& hierarchies, CgroupLayout layout,
                                        bool default_tasks_max, std::string_view cgroup2_root_controllers) {
    auto has_v1 = [&](const std::string& c) {
        return std::any_of(hierarchies.begin(), hierarchies.end(), [&](const auto& h) { return !h.v2 && h.has(c); });
    };
    std::vector<CgroupWrite> writes;
    bool tasks_max = false;
    for (const auto& p : TRY(parse_properties(properties))) {
        tasks_max = tasks_max || p.name == "TasksMax";
        for (auto& w : TRY(plan_cgroup_limits({p}, layout))) {
            if (!w.controller.empty() && !has_v1(w.controller))
                return Error::msg("--property={}=: no cgroup v1 {} hierarchy is mounted on this host", p.name, w.controller);
            writes.push_back(std::move(w));
        }
    }
    if (default_tasks_max && !tasks_max) {
        // Best effort: only where a pids controller is there to take it.
        if (layout != CgroupLayout::Unified) {
            if (has_v1("pids")) writes.push_back({"pids", "pids.max", std::to_string(kDefaultTasksMax)});
        } else {
            std::istringstream avail{std::string(cgroup2_root_controllers)};
            std::string c;
            while (avail >> c)
                if (c == "pids") writes.push_back({"", "pids.max", std::to_string(kDefaultTasksMax)});
        }
    }
    return CgroupLimits(std::move(writes));
}

Result<void> CgroupLimits::apply(const CgroupPlan& cgroup) const {
    return apply_cgroup_limits(plan_, cgroup).context("applying --property= limits");
}

}  // namespace spawn::container
