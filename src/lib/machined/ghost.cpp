#include "machined/ghost.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "container/cgroup.hpp"
#include "container/cgroup_plan.hpp"
#include "container/lock.hpp"
#include "machined/machine_state.hpp"
#include "net/setup.hpp"
#include "util/log.hpp"

namespace fs = std::filesystem;

namespace spawn::machined {

namespace {

bool pidfd_alive(int fd) { return syscall(SYS_pidfd_send_signal, fd, 0, nullptr, 0) == 0; }

// The machine's scope cgroup in a hierarchy: below machine.slice or the
// --slice it was started in (slices nest: a.slice/a-b.slice/...).
void find_scope(const fs::path& dir, const std::string& scope, int depth, std::vector<std::string>& out) {
    std::error_code ec;
    if (fs::is_directory(dir / scope, ec)) out.push_back((dir / scope).string());
    if (depth == 0) return;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().filename().string().ends_with(".slice") && e.is_directory(ec)) find_scope(e.path(), scope, depth - 1, out);
}

}  // namespace

Result<void> remove_scope_cgroups(const std::string& name) {
    const std::string scope = scope_unit_name(name);
    for (const auto& h : TRY(container::discover_cgroup_hierarchies())) {
        std::vector<std::string> dirs;
        find_scope(h.mount, scope, 3, dirs);
        for (const auto& d : dirs) TRY(container::remove_stale_cgroup(d, name));
    }
    return ok();
}

Result<void> remove_dead_machines_leftovers(const std::string& name) {
    // The rules first: they act on the host (a host port sent to the dead guest).
    auto ported = net::NetworkSetup::machines_with_port_rules();
    if (std::find(ported.begin(), ported.end(), name) != ported.end())
        TRY(net::NetworkSetup::remove_port_rules_of_dead(name));
    TRY(remove_scope_cgroups(name));
    if (::unlink(machine_state_path(name).c_str()) < 0 && errno != ENOENT)
        return Error::errno_("removing {}", machine_state_path(name));
    return ok();
}

Result<PinnedLeader> PinnedLeader::pin(const MachineInfo& info) {
    PinnedLeader l;
    l.pid_ = static_cast<pid_t>(info.leader);
    // Pin the process first, then check it is the machine's leader: a PID
    // reused after the check could otherwise slip in.
    int fd = l.pid_ > 0 ? static_cast<int>(syscall(SYS_pidfd_open, l.pid_, 0)) : -1;
    if (fd < 0 && l.pid_ > 0 && errno != ESRCH)
        return Error::errno_("opening the leader (PID {}) of machine '{}'", l.pid_, info.name);
    l.fd_.reset(fd);
    if (!l.fd_ || !leader_alive(l.pid_, info.unit) || !l.alive())
        return Error(ESRCH, fmt::format("Machine '{}' is not running: its leader (PID {}) is gone", info.name, info.leader));
    return l;
}

bool PinnedLeader::alive() const { return fd_ && pidfd_alive(fd_.get()); }

Result<void> PinnedLeader::signal(int sig) const {
    if (syscall(SYS_pidfd_send_signal, fd_.get(), sig, nullptr, 0) < 0)
        return Error::errno_("sending {} to PID {}", sig, pid_);
    return ok();
}

Result<UniqueFd> PinnedLeader::open_root() const {
    const std::string path = fmt::format("/proc/{}/root", pid_);
    UniqueFd root(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root) return Error::errno_("opening {}", path);
    if (!alive()) return Error(ESRCH, fmt::format("PID {} went away", pid_));
    return root;
}

bool has_running_leader(const MachineInfo& info) { return PinnedLeader::pin(info).ok(); }

Result<bool> clear_ghost(Machined& m, const MachineInfo& info) {
    const std::string& name = info.name;
    // No start of the name runs while we hold its lock (a start holds it for
    // the machine's whole life, from before it registers).
    auto lock = container::NameLock::acquire(name);
    if (!lock) {
        if (lock.error().code() == EBUSY) return false;
        return std::move(lock).error();
    }
    auto now = m.get(name);
    if (now && has_running_leader(*now)) return false;
    if (now) {
        auto r = m.unregister(name);
        if (!r && r.error().code() != kNoSuchMachine) return std::move(r).error();
    }
    TRY(remove_dead_machines_leftovers(name));
    log::debug("Cleared machine '{}': its spawn died without tearing it down (leader PID {} is gone).", name, info.leader);
    return true;
}

}  // namespace spawn::machined
