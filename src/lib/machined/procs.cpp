#include "machined/procs.hpp"

#include <dirent.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/strings.hpp"

namespace spawn::machined {
namespace fs = std::filesystem;

Result<std::vector<CgroupMembership>> cgroups_of(pid_t pid, const std::string& root) {
    std::string file = "/proc/" + std::to_string(pid) + "/cgroup";
    std::ifstream in(file);
    if (!in) return Error::errno_("reading {}", file);
    std::vector<CgroupMembership> out;
    bool pure_v2 = !fs::exists(root + "/unified") && fs::exists(root + "/cgroup.controllers");
    std::string line;
    while (std::getline(in, line)) {
        auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        std::string ctrls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
        CgroupMembership m;
        m.path = path;
        if (ctrls.empty()) {
            m.unified = true;
            m.mount = pure_v2 ? root : root + "/unified";
        } else if (ctrls == "name=systemd") {
            m.named_systemd = true;
            m.mount = root + "/systemd";
        } else {
            if (ctrls.rfind("name=", 0) == 0) continue;
            m.mount = root + "/" + ctrls;
        }
        if (fs::exists(m.mount + "/cgroup.procs")) out.push_back(m);
    }
    return out;
}

Result<std::string> machine_cgroup(pid_t leader, const std::string& unit) {
    auto ms = TRY(cgroups_of(leader));
    const CgroupMembership* pick = nullptr;
    for (const auto& m : ms)
        if (m.named_systemd) pick = &m;
    if (!pick)
        for (const auto& m : ms)
            if (m.unified) pick = &m;
    if (!pick) return Error::msg("PID {} is in no name=systemd or unified cgroup", leader);
    // Only the unit's own cgroup, found as a whole component of the leader's
    // path. A leader that died (a zombie shows "/") or whose PID was reused
    // is not in it: never fall back to where that process sits now, which
    // could be the root of the hierarchy, i.e. the whole host.
    const std::string& path = pick->path;
    const std::string needle = "/" + unit;
    for (size_t at = path.find(needle); !unit.empty() && at != std::string::npos; at = path.find(needle, at + 1)) {
        size_t end = at + needle.size();
        if (end == path.size() || path[end] == '/') return pick->mount + path.substr(0, end);
    }
    return Error(ESRCH, fmt::format("the leader (PID {}) is not in the cgroup of {} (it has gone)", leader,
                                    unit.empty() ? std::string("the machine's unit") : unit));
}

static std::vector<pid_t> procs_in(const std::string& dir) {
    std::vector<pid_t> out;
    std::ifstream in(dir + "/cgroup.procs");
    pid_t p;
    while (in >> p) out.push_back(p);
    std::sort(out.begin(), out.end());
    return out;
}

static std::vector<std::string> subdirs(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_directory(ec)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<pid_t> pids_below(const std::string& cgroup_dir) {
    std::vector<pid_t> out = procs_in(cgroup_dir);
    for (const auto& s : subdirs(cgroup_dir)) {
        auto more = pids_below(cgroup_dir + "/" + s);
        out.insert(out.end(), more.begin(), more.end());
    }
    return out;
}

std::string cmdline_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!s.empty() && s.back() == '\0') s.pop_back();
    std::replace(s.begin(), s.end(), '\0', ' ');
    if (s.empty()) {
        std::ifstream c("/proc/" + std::to_string(pid) + "/comm");
        std::getline(c, s);
        if (!s.empty()) s = "[" + s + "]";
    }
    return s;
}

static void tree(const std::string& dir, const std::string& prefix, std::string& out) {
    auto procs = procs_in(dir);
    std::vector<std::string> kids;
    for (const auto& s : subdirs(dir))
        if (!pids_below(dir + "/" + s).empty()) kids.push_back(s);
    size_t total = procs.size() + kids.size(), i = 0;
    for (pid_t p : procs) {
        bool last = ++i == total;
        out += prefix + (last ? "└─" : "├─") + std::to_string(p) + " " + cmdline_of(p) + "\n";
    }
    for (const auto& k : kids) {
        bool last = ++i == total;
        out += prefix + (last ? "└─" : "├─") + k + "\n";
        tree(dir + "/" + k, prefix + (last ? "  " : "│ "), out);
    }
}

std::string process_tree(const std::string& cgroup_dir, const std::string& indent) {
    std::string out;
    tree(cgroup_dir, indent, out);
    return out;
}

}  // namespace spawn::machined
