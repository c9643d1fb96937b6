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

}  // namespace spawn::container
