#include "container/cgroup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <linux/magic.h>

#include "container/cgroup_hierarchies.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace spawn::container {
namespace fs = std::filesystem;

namespace {

bool is_fs(const char* path, long magic) {
    struct statfs s {};
    return statfs(path, &s) == 0 && static_cast<long>(s.f_type) == magic;
}

// True when no process is in dir or any cgroup below it.
bool cgroup_empty(const fs::path& dir) {
    std::error_code ec;
    if (!read_text_file(dir / "cgroup.procs").empty()) return false;
    for (auto& e : fs::directory_iterator(dir, ec))
        if (e.is_directory(ec) && !cgroup_empty(e.path())) return false;
    return true;
}

// rmdir depth-first; cgroup directories only hold kernel files.
bool remove_tree(const fs::path& dir) {
    std::error_code ec;
    for (auto& e : fs::directory_iterator(dir, ec))
        if (e.is_directory(ec)) remove_tree(e.path());
    return ::rmdir(dir.c_str()) == 0 || errno == ENOENT;
}

Error busy_cgroup(std::string_view machine, const std::string& dir) {
    return Error(EBUSY, fmt::format("Machine {} is already running (its cgroup {} has processes)", machine, dir));
}

void kill_all(const fs::path& dir, bool v2) {
    if (v2) {
        std::ofstream k(dir / "cgroup.kill");
        if (k) {
            k << "1";
            k.flush();
            if (k) return;
        }
    }
    std::error_code ec;
    std::istringstream procs(read_text_file(dir / "cgroup.procs"));
    pid_t pid;
    while (procs >> pid)
        if (pid > 0) ::kill(pid, SIGKILL);
    for (auto& e : fs::directory_iterator(dir, ec))
        if (e.is_directory(ec)) kill_all(e.path(), false);
}


}  // namespace

CgroupLayout detect_cgroup_layout() {
    if (is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC)) return CgroupLayout::Unified;
    if (is_fs("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC)) return CgroupLayout::Hybrid;
    return CgroupLayout::Legacy;
}

namespace {

// A v1 cpuset cgroup takes no task while its cpuset.cpus or cpuset.mems is
// empty: copy them from the parent (as systemd does for machine.slice).
Result<void> init_cpuset(const fs::path& dir) {
    for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
        std::string mine = read_text_file(dir / f);
        if (!mine.empty() && mine != "\n") continue;
        std::string parent = read_text_file(dir.parent_path() / f);
        if (parent.empty() || parent == "\n") continue;  // nothing to inherit: the kernel will say why at attach
        TRY(write_file((dir / f).string(), parent));
    }
    return ok();
}

// mkdir of the cgroup and the slices above it, below the hierarchy's mount.
// The slices may exist (other machines share them); the machine's own cgroup
// must be new: another start of the same name that got there first keeps it.
Result<void> make_cgroup(const CgroupDir& d, std::string_view machine) {
    const bool cpuset = !d.v2 && d.has("cpuset");
    fs::path dir = d.hierarchy;
    fs::path rel = fs::path(d.path).lexically_relative(d.hierarchy);
    for (auto it = rel.begin(); it != rel.end(); ++it) {
        dir /= *it;
        const bool leaf = std::next(it) == rel.end();
        if (::mkdir(dir.c_str(), 0755) < 0) {
            if (errno == EEXIST && leaf)
                return Error(EBUSY, fmt::format("Machine {} is already running (its cgroup {} was just made by "
                                                "another start)", machine, d.path));
            if (errno != EEXIST) return Error::errno_("creating cgroup {}", dir.string());
        }
        if (cpuset) TRY(init_cpuset(dir));
    }
    return ok();
}

}  // namespace

Result<bool> remove_stale_cgroup(const std::string& dir, std::string_view machine) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return false;
    if (!cgroup_empty(dir)) return busy_cgroup(machine, dir);
    log::debug("removing stale cgroup {}", dir);
    if (!remove_tree(dir)) return Error::errno_("removing stale cgroup {}", dir);
    return true;
}

Result<Cgroup> Cgroup::create(CgroupPlan plan, std::string_view machine) {
    Cgroup cg;
    cg.plan_ = std::move(plan);
    // First make sure no hierarchy has a live cgroup of this name, then clear stale ones.
    for (const auto& d : cg.plan_.dirs) {
        std::error_code ec;
        if (fs::exists(d.path, ec) && !cgroup_empty(d.path)) return busy_cgroup(machine, d.path);
    }
    for (const auto& d : cg.plan_.dirs) TRY(remove_stale_cgroup(d.path, machine));
    cg.made_.assign(cg.plan_.dirs.size(), false);  // destroy() removes what this start made, nothing else
    for (size_t i = 0; i < cg.plan_.dirs.size(); ++i) {
        const auto& d = cg.plan_.dirs[i];
        TRY(make_cgroup(d, machine));
        cg.made_[i] = true;
        if (d.v2 && !cg.v2_fd_) {
            cg.v2_fd_.reset(::open(d.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (!cg.v2_fd_) return Error::errno_("opening cgroup {}", d.path);
        }
    }
    return cg;
}

Result<void> Cgroup::attach(pid_t pid, bool born_in_v2, bool v1) {
    for (const auto& d : plan_.dirs)
        if (d.v2 ? !born_in_v2 : v1) TRY(write_file(d.path + "/cgroup.procs", std::to_string(pid)));
    return ok();
}

Result<void> Cgroup::join_v1_self() const {
    for (const auto& d : plan_.dirs)
        if (!d.v2) TRY(write_file(d.path + "/tasks", "0"));
    return ok();
}

Result<void> check_not_in_v1_root(pid_t pid) {
    std::string file = pid ? fmt::format("/proc/{}/cgroup", pid) : std::string("/proc/self/cgroup");
    std::string text = read_text_file(file);
    if (text.empty()) return Error::errno_("reading {}", file);
    auto roots = v1_root_hierarchies(text);
    if (!roots.empty())
        return Error(EPERM, fmt::format("PID {} is in the root cgroup of the cgroup v1 hierarchy {}, where the "
                                        "container could reach release_agent: refusing to start it",
                                        pid, roots.front()));
    return ok();
}

void Cgroup::hand_off(Handoff& h, const std::string& key) && {
    std::vector<std::string> made, v2;
    for (size_t i = 0; i < made_.size(); ++i)
        if (made_[i]) (plan_.dirs[i].v2 ? v2 : made).push_back(plan_.dirs[i].path);
    h.put_list(key + ".v1", made);
    h.put_list(key + ".v2", v2);
    made_.clear();
    v2_fd_.reset();
}

Cgroup Cgroup::take_over(Handoff& h, const std::string& key) {
    Cgroup c;
    for (bool v2 : {true, false})
        for (auto& path : h.get_list(key + (v2 ? ".v2" : ".v1"))) {
            CgroupDir d;
            d.v2 = v2;
            d.path = std::move(path);
            c.plan_.dirs.push_back(std::move(d));
            c.made_.push_back(true);
        }
    return c;
}

void Cgroup::destroy() noexcept {
    auto made = std::exchange(made_, {});
    v2_fd_.reset();
    std::error_code ec;
    // cgroup2 first (cgroup.kill takes the whole tree at once), then the v1 hierarchies.
    for (bool v2 : {true, false})
        for (size_t i = 0; i < made.size(); ++i)
            if (made[i] && plan_.dirs[i].v2 == v2 && fs::exists(plan_.dirs[i].path, ec)) kill_all(plan_.dirs[i].path, v2);
    for (size_t i = 0; i < made.size(); ++i) {
        const auto& d = plan_.dirs[i];
        if (!made[i] || !fs::exists(d.path, ec)) continue;
        // Killed processes leave the cgroup asynchronously: retry for up to 2 s.
        bool removed = false;
        for (int i = 0; i < 200 && !removed; ++i) {
            removed = remove_tree(d.path);
            if (!removed) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (!removed) {
            log::warn("could not remove cgroup {}: {}", d.path, std::strerror(errno));
            continue;
        }
        // Slices created for -S (not the shared machine.slice) go too once
        // empty; rmdir fails, and the walk stops, while other machines use them.
        for (fs::path p = fs::path(d.path).parent_path();
             p.filename().string().ends_with(".slice") && p.filename() != "machine.slice"; p = p.parent_path())
            if (::rmdir(p.c_str()) < 0) break;
    }
}

namespace {

std::vector<std::string> v2_delegate_files() {
    std::vector<std::string> files;
    if (auto text = read_file("/sys/kernel/cgroup/delegate"))
        for (auto& f : str::split(*text, '\n'))
            if (!f.empty()) files.push_back(f);
    if (files.empty()) files = {"cgroup.procs", "cgroup.threads", "cgroup.subtree_control"};
    return files;
}

}  // namespace

Result<void> delegate_cgroup(const CgroupPlan& plan, uid_t root_id) {
    for (const auto& d : plan.dirs) {
        std::vector<std::string> files;
        if (d.v2) files = v2_delegate_files();
        else if (d.has("name=systemd")) files = {"cgroup.procs", "tasks", "cgroup.clone_children", "notify_on_release"};
        else continue;  // v1 controllers stay the host's, as with nspawn
        if (::chown(d.path.c_str(), root_id, root_id) < 0) return Error::errno_("chown {}", d.path);
        for (const auto& f : files) {
            std::string p = d.path + "/" + f;
            if (::chown(p.c_str(), root_id, root_id) < 0 && errno != ENOENT) return Error::errno_("chown {}", p);
        }
    }
    return ok();
}

}  // namespace spawn::container
