#include "container/boot_cgroup.hpp"

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "util/strings.hpp"

namespace spawn::boot {

std::string_view cgroup_layout_name(CgroupLayout l) {
    switch (l) {
        case CgroupLayout::Unified: return "unified";
        case CgroupLayout::Hybrid: return "hybrid";
        case CgroupLayout::Legacy: return "legacy";
    }
    return "?";
}

std::vector<std::string> parse_proc_cgroup_hierarchies(std::string_view text) {
    std::vector<std::string> out;
    for (const auto& line : str::split(text, '\n')) {
        auto a = line.find(':');
        if (a == std::string::npos) continue;
        auto b = line.find(':', a + 1);
        if (b == std::string::npos) continue;
        std::string ctl = line.substr(a + 1, b - a - 1);
        if (ctl.empty()) continue;  // the cgroup2 line "0::/..."
        out.push_back(ctl);
    }
    return out;
}

std::vector<CgroupMountStep> plan_guest_cgroups(const CgroupHost& host) {
    using K = CgroupMountStep::Kind;
    const std::string base = "/sys/fs/cgroup";
    std::vector<CgroupMountStep> steps;
    if (host.layout == CgroupLayout::Unified) {
        steps.push_back({K::Cgroup2, base, "", false});
        return steps;
    }
    steps.push_back({K::Tmpfs, base, "mode=0755", false});
    bool has_systemd = false;
    for (const auto& h : host.v1_hierarchies) {
        if (h == "name=systemd") {
            has_systemd = true;
            continue;
        }
        if (h.rfind("name=", 0) == 0) continue;  // other named hierarchies are not the guest's business
        steps.push_back({K::Cgroup1, base + "/" + h, h, true});
        auto parts = str::split(h, ',');
        if (parts.size() > 1)
            for (const auto& c : parts) steps.push_back({K::Symlink, base + "/" + c, h, false});
    }
    // The guest's systemd tracks its processes in name=systemd (writable, in
    // our cgroup namespace).
    (void)has_systemd;
    steps.push_back({K::Cgroup1, base + "/systemd", "none,name=systemd", false});
    if (host.layout == CgroupLayout::Hybrid) steps.push_back({K::Cgroup2, base + "/unified", "", false});
    steps.push_back({K::RemountReadOnly, base, "mode=0755", true});
    return steps;
}

Result<CgroupHost> detect_cgroup_host() {
    CgroupHost h;
    struct statfs fs;
    if (::statfs("/sys/fs/cgroup", &fs) < 0) return Error::errno_("statfs /sys/fs/cgroup");
    if (fs.f_type == CGROUP2_SUPER_MAGIC) {
        h.layout = CgroupLayout::Unified;
    } else if (fs.f_type == TMPFS_MAGIC) {
        struct statfs u;
        h.layout = (::statfs("/sys/fs/cgroup/unified", &u) == 0 && u.f_type == CGROUP2_SUPER_MAGIC)
                       ? CgroupLayout::Hybrid
                       : CgroupLayout::Legacy;
    } else {
        return Error::msg("/sys/fs/cgroup is neither cgroup2 nor a tmpfs of v1 hierarchies; cannot boot a guest");
    }
    std::ifstream f("/proc/self/cgroup");
    std::stringstream ss;
    ss << f.rdbuf();
    h.v1_hierarchies = parse_proc_cgroup_hierarchies(ss.str());
    return h;
}

Result<void> mount_guest_cgroups(const std::string& root, const std::vector<CgroupMountStep>& plan) {
    constexpr unsigned long kFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    for (const auto& s : plan) {
        std::string where = root + s.target;
        switch (s.kind) {
            case CgroupMountStep::Kind::Tmpfs:
                if (::mount("tmpfs", where.c_str(), "tmpfs", kFlags, s.data.c_str()) < 0)
                    return Error::errno_("mounting a tmpfs on {}", where);
                break;
            case CgroupMountStep::Kind::RemountReadOnly:
                if (::mount(nullptr, where.c_str(), nullptr, MS_REMOUNT | MS_RDONLY | kFlags, s.data.c_str()) < 0)
                    return Error::errno_("making {} read-only", where);
                break;
            case CgroupMountStep::Kind::Symlink:
                if (::symlink(s.data.c_str(), where.c_str()) < 0 && errno != EEXIST)
                    return Error::errno_("linking {} to {}", where, s.data);
                break;
            case CgroupMountStep::Kind::Cgroup1:
            case CgroupMountStep::Kind::Cgroup2: {
                if (::mkdir(where.c_str(), 0755) < 0 && errno != EEXIST) return Error::errno_("creating {}", where);
                bool v2 = s.kind == CgroupMountStep::Kind::Cgroup2;
                unsigned long flags = kFlags | (s.read_only ? MS_RDONLY : 0);
                if (::mount("cgroup", where.c_str(), v2 ? "cgroup2" : "cgroup", flags,
                            v2 ? nullptr : s.data.c_str()) < 0)
                    return Error::errno_("mounting the cgroup hierarchy {} on {}", v2 ? "cgroup2" : s.data, where);
                break;
            }
        }
    }
    return {};
}

}  // namespace spawn::boot
