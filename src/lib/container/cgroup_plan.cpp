#include "container/cgroup_plan.hpp"

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

CgroupPlan plan_cgroup(CgroupLayout layout, std::string_view machine, std::string_view slice,
                       std::string_view root) {
    CgroupPlan p;
    p.unit = "machine-" + unit_name_escape(machine) + ".scope";
    p.relative = "/" + slice_path(slice) + "/" + p.unit;
    std::string r(root);
    switch (layout) {
    case CgroupLayout::Unified:
        p.dirs.push_back({r, true, r + p.relative});
        break;
    case CgroupLayout::Hybrid:
        p.dirs.push_back({r + "/systemd", false, r + "/systemd" + p.relative});
        p.dirs.push_back({r + "/unified", true, r + "/unified" + p.relative});
        break;
    case CgroupLayout::Legacy:
        p.dirs.push_back({r + "/systemd", false, r + "/systemd" + p.relative});
        break;
    }
    return p;
}

std::string own_cgroup(std::string_view proc_self_cgroup, CgroupLayout layout) {
    for (const auto& line : str::split(proc_self_cgroup, '\n')) {
        // "ID:CONTROLLERS:PATH"; the path may contain ':'.
        auto first = line.find(':');
        if (first == std::string::npos) continue;
        auto second = line.find(':', first + 1);
        if (second == std::string::npos) continue;
        std::string_view id = std::string_view(line).substr(0, first);
        std::string_view controllers = std::string_view(line).substr(first + 1, second - first - 1);
        std::string path = line.substr(second + 1);
        bool wanted = layout == CgroupLayout::Unified ? (id == "0" && controllers.empty())
                                                      : controllers == "name=systemd";
        if (wanted) return path;
    }
    return {};
}

std::optional<CgroupPlan> plan_cgroup_keep_unit(CgroupLayout layout, std::string_view own, std::string_view root) {
    while (own.size() > 1 && own.back() == '/') own.remove_suffix(1);
    auto slash = own.rfind('/');
    std::string_view unit = slash == std::string_view::npos ? own : own.substr(slash + 1);
    auto ends_with = [](std::string_view s, std::string_view suffix) {
        return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
    };
    if (own.empty() || own.front() != '/' || !(ends_with(unit, ".service") || ends_with(unit, ".scope")))
        return std::nullopt;
    CgroupPlan p;
    p.unit = std::string(unit);
    p.relative = std::string(own) + "/payload";
    std::string r(root);
    auto add = [&](const std::string& hierarchy, bool v2) {
        p.dirs.push_back({hierarchy, v2, hierarchy + p.relative});
        p.supervisor.push_back(hierarchy + std::string(own) + "/supervisor");
    };
    switch (layout) {
    case CgroupLayout::Unified: add(r, true); break;
    case CgroupLayout::Hybrid:
        add(r + "/systemd", false);
        add(r + "/unified", true);
        break;
    case CgroupLayout::Legacy: add(r + "/systemd", false); break;
    }
    return p;
}

}  // namespace spawn::container
