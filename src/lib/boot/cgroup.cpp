#include "boot/cgroup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <systemd/sd-daemon.h>

#include "util/file.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace spawn::boot {

std::optional<std::string> own_cgroup(std::string_view text, container::CgroupLayout layout) {
    for (const auto& line : str::split(text, '\n')) {
        auto a = line.find(':');
        if (a == std::string::npos) continue;
        auto b = line.find(':', a + 1);
        if (b == std::string::npos) continue;
        std::string ctl = line.substr(a + 1, b - a - 1);
        std::string path = line.substr(b + 1);
        bool want = layout == container::CgroupLayout::Unified ? (line.substr(0, a) == "0" && ctl.empty())
                                                               : ctl == "name=systemd";
        if (want && !path.empty() && path[0] == '/') return path;
    }
    return std::nullopt;
}

KeepUnitCgroup plan_keep_unit_cgroup(const std::vector<container::CgroupHierarchy>& hierarchies, std::string_view own_in) {
    std::string own(own_in);
    while (own.size() > 1 && own.back() == '/') own.pop_back();
    if (own == "/") own.clear();  // the root cgroup: children directly below it
    KeepUnitCgroup k;
    auto slash = own.rfind('/');
    k.payload.unit = slash == std::string::npos ? own : own.substr(slash + 1);
    k.payload.relative = own + "/payload";
    for (const auto& h : hierarchies) {
        k.payload.dirs.push_back({h.mount, h.v2, h.mount + own + "/payload", h.controllers});
        if (h.v2 || h.has("name=systemd")) k.supervisor.push_back(h.mount + own + "/supervisor");
        if (h.v2) k.own_v2 = h.mount + own;
    }
    return k;
}

bool keep_unit_cgroup_applies(bool keep_unit) {
    return keep_unit && sd_booted() > 0;
}


Result<void> enter_supervisor(const KeepUnitCgroup& k) {
    for (const auto& dir : k.supervisor) {
        if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) return Error::errno_("creating cgroup {}", dir);
        TRY(write_file(dir + "/cgroup.procs", std::to_string(::getpid())));
    }
    if (!k.own_v2.empty()) {
        // The unit's cgroup now holds no process: hand its controllers down.
        std::ifstream in(k.own_v2 + "/cgroup.controllers");
        std::string c;
        while (in >> c) {
            auto r = write_file(k.own_v2 + "/cgroup.subtree_control", "+" + c);
            if (!r) log::debug("enabling {} below {}: {}", c, k.own_v2, r.error().message());
        }
    }
    return {};
}

}  // namespace spawn::boot
