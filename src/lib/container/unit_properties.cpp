#include "container/unit_properties.hpp"

#include <unistd.h>

#include <cctype>
#include <set>

#include "container/device_policy.hpp"
#include "util/strings.hpp"

namespace spawn::container {
namespace {


Result<uint64_t> parse_size(const std::string& name, const std::string& v) {
    if (v == "infinity") return kInfinity;
    if (!v.empty() && v.back() == '%') {
        auto pct = str::parse_uint(v.substr(0, v.size() - 1));
        if (!pct || *pct > 100) return Error::msg("--property={}={}: bad percentage", name, v);
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 100 * *pct;
    }
    auto n = str::parse_bytes(v);
    if (!n) return Error::msg("--property={}={}: expected a size (bytes, K, M, G, T) or \"infinity\"", name, v);
    return *n;
}

Result<uint64_t> parse_ranged(const std::string& name, const std::string& v, uint64_t lo, uint64_t hi) {
    auto n = str::parse_uint(v);
    if (!n || *n < lo || *n > hi) return Error::msg("--property={}={}: expected an integer in {}..{}", name, v, lo, hi);
    return *n;
}

// "0-3,6": every item N or N-M (N <= M < kMaxCpus), at least one.
bool valid_cpu_list(const std::string& v) {
    if (v.empty()) return false;
    for (const auto& item : str::split(v, ',')) {
        auto dash = item.find('-');
        auto lo = str::parse_uint(item.substr(0, dash));
        auto hi = dash == std::string::npos ? lo : str::parse_uint(item.substr(dash + 1));
        if (!lo || !hi || *lo > *hi || *hi >= kMaxCpus) return false;
    }
    return true;
}

const std::set<std::string> kMemoryNames = {"MemoryMax", "MemoryLimit", "MemoryHigh", "MemoryLow", "MemoryMin",
                                            "MemorySwapMax"};

}  // namespace

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

std::vector<uint8_t> cpu_list_mask(const std::string& list) {
    std::vector<uint8_t> mask;
    for (const auto& item : str::split(list, ',')) {
        if (item.empty()) continue;
        auto dash = item.find('-');
        auto lo = str::parse_uint(item.substr(0, dash));
        auto hi = dash == std::string::npos ? lo : str::parse_uint(item.substr(dash + 1));
        if (!lo || !hi) continue;  // parse_property has refused such lists
        for (uint64_t c = *lo; c <= *hi && c < kMaxCpus; ++c) {
            if (mask.size() <= c / 8) mask.resize(c / 8 + 1);
            mask[c / 8] |= static_cast<uint8_t>(1u << (c % 8));
        }
    }
    return mask;
}

}  // namespace spawn::container
