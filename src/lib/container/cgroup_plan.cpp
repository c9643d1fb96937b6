#include "container/cgroup_plan.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace spawn::container {

std::string unit_name_escape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == ':' || c == '_' || (c == '.' && i > 0);
        if (plain)
            out += static_cast<char>(c);
        else
            out += fmt::format("\\x{:02x}", c);
    }
    return out;
}

std::string slice_path(std::string_view slice) {
    if (slice.empty()) slice = "machine.slice";
    std::string_view base = slice;
    if (base.size() > 6 && base.substr(base.size() - 6) == ".slice") base.remove_suffix(6);
    // Each '-' separated prefix is a parent slice.
    std::string out;
    auto parts = str::split(base, '-');
    std::string prefix;
    for (size_t i = 0; i < parts.size(); ++i) {
        prefix += (i ? "-" : "") + parts[i];
        if (!out.empty()) out += '/';
        out += prefix + ".slice";
    }
    return out;
}

bool CgroupDir::has(std::string_view controller) const {
    return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

const CgroupDir* CgroupPlan::v1_with(std::string_view controller) const {
    for (const auto& d : dirs)
        if (!d.v2 && d.has(controller)) return &d;
    return nullptr;
}

const CgroupDir* CgroupPlan::v2() const {
    for (const auto& d : dirs)
        if (d.v2) return &d;
    return nullptr;
}

std::vector<CgroupHierarchy> tracking_hierarchies(CgroupLayout layout, std::string_view root_in) {
    std::string r(root_in);
    switch (layout) {
    case CgroupLayout::Unified:
        return {{r, true, {}}};
    case CgroupLayout::Hybrid:
        return {{r + "/systemd", false, {"name=systemd"}}, {r + "/unified", true, {}}};
    case CgroupLayout::Legacy:
        break;
    }
    return {{r + "/systemd", false, {"name=systemd"}}};
}

CgroupPlan plan_cgroup(const std::vector<CgroupHierarchy>& hierarchies, std::string_view machine,
                       std::string_view slice) {
    CgroupPlan p;
    p.unit = "machine-" + unit_name_escape(machine) + ".scope";
    p.relative = "/" + slice_path(slice) + "/" + p.unit;
    for (const auto& h : hierarchies) {
        std::string mount = h.mount == "/" ? "" : h.mount;
        p.dirs.push_back({h.mount, h.v2, mount + p.relative, h.controllers});
    }
    return p;
}

}  // namespace spawn::container
