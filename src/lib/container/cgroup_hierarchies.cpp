#include "container/cgroup_hierarchies.hpp"

#include <algorithm>
#include <set>

#include "util/file.hpp"
#include "util/strings.hpp"

namespace spawn::container {
namespace {

// mountinfo escapes space, tab, newline and backslash as \NNN (octal).
std::string unescape_octal(std::string_view s) {
    auto oct = [](char c) { return c >= '0' && c <= '7'; };
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && oct(s[i + 1]) && oct(s[i + 2]) && oct(s[i + 3])) {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
            continue;
        }
        out += s[i];
    }
    return out;
}

std::vector<std::string> words(std::string_view line) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && line[i] == ' ') ++i;
        size_t start = i;
        while (i < line.size() && line[i] != ' ') ++i;
        if (i > start) out.emplace_back(line.substr(start, i - start));
    }
    return out;
}

// Super options of a v1 mount that are not controllers.
bool is_v1_option(const std::string& o) {
    static const std::set<std::string> kOptions = {"rw", "ro", "none", "noprefix", "clone_children", "xattr",
                                                   "cpuset_v2_mode", "favordynmods", "all"};
    return kOptions.count(o) || o.rfind("release_agent=", 0) == 0;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

// Preference among several whole mounts of one hierarchy: the standard place first.
bool standard_place(const std::string& mount_point) {
    return mount_point == "/sys/fs/cgroup" || mount_point.rfind("/sys/fs/cgroup/", 0) == 0;
}

const CgroupMount* whole_mount(const std::vector<CgroupMount>& mounts, bool v2, const std::vector<std::string>& controllers,
                               const CgroupMount** partial) {
    const CgroupMount* best = nullptr;
    for (const auto& m : mounts) {
        if (m.v2 != v2 || (!v2 && m.controllers != controllers)) continue;
        if (m.root != "/") {
            if (partial && !*partial) *partial = &m;
            continue;
        }
        if (!best || (standard_place(m.mount_point) && !standard_place(best->mount_point))) best = &m;
    }
    return best;
}

}  // namespace

bool CgroupHierarchy::has(std::string_view controller) const {
    return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

std::string CgroupHierarchy::name() const { return v2 ? "cgroup2" : str::join(controllers, ","); }

std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo) {
    std::vector<CgroupMount> out;
    for (const auto& line : str::split(mountinfo, '\n')) {
        auto w = words(line);
        // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
        auto dash = std::find(w.begin(), w.end(), "-");
        if (w.size() < 5 || dash == w.end() || w.end() - dash < 4) continue;
        const std::string& fstype = *(dash + 1);
        if (fstype != "cgroup" && fstype != "cgroup2") continue;
        CgroupMount m;
        m.root = unescape_octal(w[3]);
        m.mount_point = unescape_octal(w[4]);
        m.v2 = fstype == "cgroup2";
        if (!m.v2) {
            for (auto& o : str::split(*(dash + 3), ','))
                if (!o.empty() && !is_v1_option(o)) m.controllers.push_back(o);
            m.controllers = sorted(std::move(m.controllers));
        }
        out.push_back(std::move(m));
    }
    return out;
}

std::vector<ProcCgroupLine> parse_proc_cgroup(std::string_view text) {
    std::vector<ProcCgroupLine> out;
    for (const auto& line : str::split(text, '\n')) {
        auto a = line.find(':');
        if (a == std::string::npos) continue;
        auto b = line.find(':', a + 1);
        if (b == std::string::npos) continue;
        auto id = str::parse_uint(line.substr(0, a));
        if (!id) continue;
        ProcCgroupLine l;
        l.id = static_cast<int>(*id);
        for (auto& c : str::split(line.substr(a + 1, b - a - 1), ','))
            if (!c.empty()) l.controllers.push_back(c);
        l.controllers = sorted(std::move(l.controllers));
        l.path = line.substr(b + 1);
        out.push_back(std::move(l));
    }
    return out;
}

Result<std::vector<CgroupHierarchy>> match_cgroup_hierarchies(const std::vector<CgroupMount>& mounts,
                                                             const std::vector<ProcCgroupLine>& lines) {
    std::vector<CgroupHierarchy> named_systemd, v2, others;
    for (const auto& l : lines) {
        const bool is_v2 = l.id == 0 && l.controllers.empty();
        const CgroupMount* partial = nullptr;
        const CgroupMount* m = whole_mount(mounts, is_v2, l.controllers, &partial);
        if (is_v2) {
            // Unmounted cgroup2 has no release_agent: the machine simply has no cgroup2 cgroup.
            if (m) v2.push_back({m->mount_point, true, {}});
            continue;
        }
        std::string name = str::join(l.controllers, ",");
        if (!m && partial)
            return Error(ENOENT, fmt::format("cgroup v1 hierarchy {} is only mounted below its root ({} at {}): the "
                                             "container would sit in its root cgroup, where release_agent is; mount the "
                                             "whole hierarchy (mount -t cgroup -o {} cgroup DIR) and try again",
                                             name, partial->root, partial->mount_point, name));
        if (!m)
            return Error(ENOENT, fmt::format("cgroup v1 hierarchy {} is not mounted in this mount namespace: the "
                                             "container would sit in its root cgroup, where release_agent is; mount it "
                                             "(mount -t cgroup -o {} cgroup DIR) and try again",
                                             name, name));
        CgroupHierarchy h{m->mount_point, false, l.controllers};
        (h.has("name=systemd") ? named_systemd : others).push_back(std::move(h));
    }
    std::vector<CgroupHierarchy> out;
    for (auto* group : {&named_systemd, &v2, &others})
        for (auto& h : *group) out.push_back(std::move(h));
    return out;
}

std::vector<std::string> v1_root_hierarchies(std::string_view proc_pid_cgroup) {
    std::vector<std::string> out;
    for (const auto& l : parse_proc_cgroup(proc_pid_cgroup))
        if (!(l.id == 0 && l.controllers.empty()) && l.path == "/") out.push_back(str::join(l.controllers, ","));
    return out;
}

Result<std::vector<CgroupHierarchy>> discover_cgroup_hierarchies() {
    std::string mountinfo = TRY(read_file("/proc/self/mountinfo"));
    std::string self = TRY(read_file("/proc/self/cgroup"));
    return match_cgroup_hierarchies(parse_cgroup_mounts(mountinfo), parse_proc_cgroup(self));
}

}  // namespace spawn::container
