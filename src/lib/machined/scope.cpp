#include "machined/scope.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <systemd/sd-daemon.h>

#include "config/names.hpp"
#include "container/cgroup.hpp"
#include "container/cgroup_hierarchies.hpp"
#include "util/file.hpp"
#include "machined/bus.hpp"
#include "machined/registry.hpp"
#include "util/strings.hpp"

namespace spawn::machined {
namespace {

constexpr uint64_t kInfinity = UINT64_MAX;
constexpr uint64_t kCpuPeriodUsec = 100000;

Result<uint64_t> parse_size(const std::string& name, const std::string& v) {
    if (v == "infinity") return kInfinity;
    if (!v.empty() && v.back() == '%') {
        auto pct = str::parse_uint(v.substr(0, v.size() - 1));
        if (!pct || *pct > 100) return Error::msg("--property={}={}: bad percentage", name, v);
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 100 * *pct;
    }
    size_t i = 0;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
    auto n = str::parse_uint(v.substr(0, i));
    if (i == 0 || !n) return Error::msg("--property={}={}: expected a size (bytes, K, M, G, T) or \"infinity\"", name, v);
    std::string suf = v.substr(i);
    int shift = 0;
    if (suf.empty() || suf == "B") shift = 0;
    else if (suf == "K") shift = 10;
    else if (suf == "M") shift = 20;
    else if (suf == "G") shift = 30;
    else if (suf == "T") shift = 40;
    else return Error::msg("--property={}={}: unknown size suffix \"{}\"", name, v, suf);
    if (shift && *n > (kInfinity >> shift)) return Error::msg("--property={}={}: too large", name, v);
    return *n << shift;
}

Result<uint64_t> parse_ranged(const std::string& name, const std::string& v, uint64_t lo, uint64_t hi) {
    auto n = str::parse_uint(v);
    if (!n || *n < lo || *n > hi) return Error::msg("--property={}={}: expected an integer in {}..{}", name, v, lo, hi);
    return *n;
}

bool valid_cpu_list(const std::string& v) {
    if (v.empty()) return false;
    return std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == ',' || c == '-'; });
}

const std::set<std::string> kMemoryNames = {"MemoryMax", "MemoryLimit", "MemoryHigh", "MemoryLow", "MemoryMin",
                                            "MemorySwapMax"};

std::string v2_value(uint64_t v) { return v == kInfinity ? "max" : std::to_string(v); }

}  // namespace

bool systemd_booted() { return sd_booted() > 0; }

Result<UnitProperty> parse_property(const std::string& assignment) {
    auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        return Error::msg("--property={}: expected NAME=VALUE", assignment);
    std::string name = assignment.substr(0, eq), v = assignment.substr(eq + 1);
    if (kMemoryNames.count(name)) return UnitProperty{name, TRY(parse_size(name, v))};
    if (name == "TasksMax") {
        if (v == "infinity") return UnitProperty{name, kInfinity};
        return UnitProperty{name, TRY(parse_ranged(name, v, 1, 4194304))};
    }
    if (name == "CPUQuota") {
        if (v.empty() || v.back() != '%') return Error::msg("--property=CPUQuota={}: expected a percentage like 50%", v);
        auto pct = str::parse_uint(v.substr(0, v.size() - 1));
        if (!pct || *pct == 0) return Error::msg("--property=CPUQuota={}: expected a positive percentage", v);
        return UnitProperty{name, *pct * 10000};  // usec of CPU time per second
    }
    if (name == "CPUWeight" || name == "IOWeight") return UnitProperty{name, TRY(parse_ranged(name, v, 1, 10000))};
    if (name == "CPUShares") return UnitProperty{name, TRY(parse_ranged(name, v, 2, 262144))};
    if (name == "AllowedCPUs" || name == "AllowedMemoryNodes") {
        if (!valid_cpu_list(v)) return Error::msg("--property={}={}: expected a list like 0-3,6", name, v);
        return UnitProperty{name, v};
    }
    if (name == "Delegate") {
        auto b = str::parse_bool(v);
        if (!b) return Error::msg("--property=Delegate={}: expected yes or no", v);
        return UnitProperty{name, *b};
    }
    if (name == "DeviceAllow") {
        TRY(container::parse_device_allow(v));
        return UnitProperty{name, v};
    }
    return Error::msg(
        "--property={}: unsupported property \"{}\" (supported: MemoryMax, MemoryHigh, MemoryLow, MemoryMin, "
        "MemorySwapMax, TasksMax, CPUQuota, CPUWeight, CPUShares, IOWeight, AllowedCPUs, AllowedMemoryNodes, "
        "DeviceAllow, Delegate)",
        assignment, name);
}

Result<std::vector<UnitProperty>> parse_properties(const std::vector<std::string>& assignments) {
    std::vector<UnitProperty> out;
    for (const auto& a : assignments) out.push_back(TRY(parse_property(a)));
    return out;
}

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

Result<void> apply_cgroup_limits(const std::vector<CgroupWrite>& plan, const container::CgroupPlan& cgroup) {
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
                                        const std::vector<container::CgroupHierarchy>& hierarchies, CgroupLayout layout,
                                        bool default_tasks_max) {
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
            std::istringstream avail(read_text_file("/sys/fs/cgroup/cgroup.controllers"));
            std::string c;
            while (avail >> c)
                if (c == "pids") writes.push_back({"", "pids.max", std::to_string(kDefaultTasksMax)});
        }
    }
    return CgroupLimits(std::move(writes));
}

Result<void> CgroupLimits::apply(const container::CgroupPlan& cgroup) const {
    return apply_cgroup_limits(plan_, cgroup).context("applying --property= limits");
}

Result<TransientScope> plan_transient_scope(const std::string& machine, pid_t leader, const std::string& slice,
                                            const std::vector<std::string>& properties,
                                            const std::vector<container::DeviceAllow>& bind_devices) {
    if (!machine_name_is_valid(machine)) return Error::msg("invalid machine name '{}'", machine);
    std::string slice_unit = slice;
    if (!slice_unit.empty() && (slice_unit.size() < 6 || slice_unit.substr(slice_unit.size() - 6) != ".slice"))
        slice_unit += ".slice";  // as -S documents: the suffix is appended when missing
    if (slice_unit == ".slice" || slice_unit.find('/') != std::string::npos)
        return Error::msg("-S/--slice={}: not a slice unit name", slice);
    TransientScope s;
    s.unit = scope_unit_name(machine);
    s.pids = {static_cast<uint32_t>(leader)};
    s.properties.push_back({"Description", "Container " + machine});
    s.properties.push_back({"Slice", slice_unit.empty() ? std::string("machine.slice") : slice_unit});
    s.properties.push_back({"Delegate", true});
    s.properties.push_back({"CollectMode", std::string("inactive-or-failed")});
    s.properties.push_back({"AddRef", true});
    // nspawn's device policy: systemd's closed set plus these (and the binds, and --property=DeviceAllow=).
    s.properties.push_back({"DevicePolicy", std::string("closed")});
    DeviceAllowList allow;
    for (const auto& a : container::nspawn_device_allow()) allow.emplace_back(a.spec, a.access);
    for (const auto& a : bind_devices) allow.emplace_back(a.spec, a.access);
    bool tasks_max = false;
    for (auto& p : TRY(parse_properties(properties))) {
        if (p.name == "Delegate") {
            if (!std::get<bool>(p.value)) return Error::msg("--property=Delegate=no: the machine's scope is always delegated");
            continue;
        }
        if (p.name == "DeviceAllow") {
            auto a = TRY(container::parse_device_allow(std::get<std::string>(p.value)));
            allow.emplace_back(a.spec, a.access);
            continue;
        }
        tasks_max = tasks_max || p.name == "TasksMax";
        if (p.name == "CPUQuota") p = {"CPUQuotaPerSecUSec", p.value};
        else if (p.name == "AllowedCPUs" || p.name == "AllowedMemoryNodes") continue;  // sent as byte arrays below
        s.properties.push_back(p);
    }
    for (const auto& a : properties)
        if (a.rfind("AllowedCPUs=", 0) == 0 || a.rfind("AllowedMemoryNodes=", 0) == 0)
            s.properties.push_back({a.substr(0, a.find('=')), a.substr(a.find('=') + 1)});
    s.properties.push_back({"DeviceAllow", allow});
    if (!tasks_max) s.properties.push_back({"TasksMax", kDefaultTasksMax});
    return s;
}

// AllowedCPUs / AllowedMemoryNodes travel as a bitmask "ay".
static std::vector<uint8_t> cpu_list_mask(const std::string& list) {
    std::vector<uint8_t> mask;
    for (const auto& item : str::split(list, ',')) {
        if (item.empty()) continue;
        auto dash = item.find('-');
        auto lo = str::parse_uint(item.substr(0, dash));
        auto hi = dash == std::string::npos ? lo : str::parse_uint(item.substr(dash + 1));
        if (!lo || !hi) continue;
        for (uint64_t c = *lo; c <= *hi && c < 8192; ++c) {
            if (mask.size() <= c / 8) mask.resize(c / 8 + 1);
            mask[c / 8] |= static_cast<uint8_t>(1u << (c % 8));
        }
    }
    return mask;
}

Result<void> start_transient_scope(sd_bus* b, const TransientScope& s) {
    sd_bus_message* msg = nullptr;
    int r = sd_bus_message_new_method_call(b, &msg, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StartTransientUnit");
    bus::MessagePtr m(msg);
    if (r >= 0) r = sd_bus_message_append(msg, "ss", s.unit.c_str(), s.mode.c_str());
    if (r >= 0) r = sd_bus_message_open_container(msg, 'a', "(sv)");
    for (const auto& p : s.properties) {
        if (r < 0) break;
        if (p.name == "AllowedCPUs" || p.name == "AllowedMemoryNodes") {
            auto mask = cpu_list_mask(std::get<std::string>(p.value));
            r = sd_bus_message_open_container(msg, 'r', "sv");
            if (r >= 0) r = sd_bus_message_append(msg, "s", p.name.c_str());
            if (r >= 0) r = sd_bus_message_open_container(msg, 'v', "ay");
            if (r >= 0) r = sd_bus_message_append_array(msg, 'y', mask.data(), mask.size());
            if (r >= 0) r = sd_bus_message_close_container(msg);
            if (r >= 0) r = sd_bus_message_close_container(msg);
        } else if (auto* str = std::get_if<std::string>(&p.value)) {
            r = sd_bus_message_append(msg, "(sv)", p.name.c_str(), "s", str->c_str());
        } else if (auto* list = std::get_if<DeviceAllowList>(&p.value)) {
            r = sd_bus_message_open_container(msg, 'r', "sv");
            if (r >= 0) r = sd_bus_message_append(msg, "s", p.name.c_str());
            if (r >= 0) r = sd_bus_message_open_container(msg, 'v', "a(ss)");
            if (r >= 0) r = sd_bus_message_open_container(msg, 'a', "(ss)");
            for (const auto& [dev, acc] : *list)
                if (r >= 0) r = sd_bus_message_append(msg, "(ss)", dev.c_str(), acc.c_str());
            if (r >= 0) r = sd_bus_message_close_container(msg);
            if (r >= 0) r = sd_bus_message_close_container(msg);
            if (r >= 0) r = sd_bus_message_close_container(msg);
        } else if (auto* bl = std::get_if<bool>(&p.value)) {
            r = sd_bus_message_append(msg, "(sv)", p.name.c_str(), "b", static_cast<int>(*bl));
        } else {
            r = sd_bus_message_append(msg, "(sv)", p.name.c_str(), "t", std::get<uint64_t>(p.value));
        }
    }
    if (r >= 0) r = sd_bus_message_open_container(msg, 'r', "sv");
    if (r >= 0) r = sd_bus_message_append(msg, "s", "PIDs");
    if (r >= 0) r = sd_bus_message_open_container(msg, 'v', "au");
    if (r >= 0) r = sd_bus_message_append_array(msg, 'u', s.pids.data(), s.pids.size() * sizeof(uint32_t));
    if (r >= 0) r = sd_bus_message_close_container(msg);
    if (r >= 0) r = sd_bus_message_close_container(msg);
    if (r >= 0) r = sd_bus_message_close_container(msg);
    if (r >= 0) r = sd_bus_message_append(msg, "a(sa(sv))", 0);
    if (r < 0) return Error::sys(-r, "building StartTransientUnit for {}", s.unit);
    bus::BusError e;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call(b, msg, 0, e.get(), &reply);
    bus::MessagePtr rep(reply);
    if (r < 0) return bus::call_error(r, e, fmt::format("creating {} through systemd", s.unit));
    return {};
}

Result<void> allocate_transient_scope(const TransientScope& s) {
    auto b = TRY(bus::open_system());
    TRY(start_transient_scope(b.get(), s));
    if (s.pids.empty()) return {};
    // The job moves the PIDs; the leader's /proc/PID/cgroup names the scope once it ran.
    // Every v1 hierarchy too: the container must not sit in a root cgroup, where release_agent is.
    const std::string cgroup_file = fmt::format("/proc/{}/cgroup", s.pids.front());
    const std::string needle = "/" + s.unit;
    bool moved = false;
    std::vector<std::string> roots;
    for (int i = 0; i < 500; ++i) {
        std::string text = read_text_file(cgroup_file);
        if (text.empty()) return Error::errno_("reading {}", cgroup_file);
        moved = text.find(needle) != std::string::npos;
        roots = container::v1_root_hierarchies(text);
        if (moved && roots.empty()) return {};
        usleep(10000);
    }
    if (!moved) return Error::msg("systemd did not move PID {} into {} within 5 s", s.pids.front(), s.unit);
    return Error(EPERM, fmt::format("systemd left PID {} in the root cgroup of the cgroup v1 hierarchy {}, where the "
                                    "container could reach release_agent: refusing to start it",
                                    s.pids.front(), roots.front()));
}

}  // namespace spawn::machined
