// ghost: a machine systemd-machined still lists after its spawn died without
// tearing down (SIGKILL, the OOM killer). Its leader is gone, or its PID now
// belongs to some other process of the host: nothing may be done to the
// machine through that PID (a signal would hit the other process, its
// namespaces would be the host's). What the dead spawn left on the host (the
// registration, the scope's cgroups, the state file, port forwarding rules,
// the name lock) is cleared by the first mctl verb or start that finds it.
#pragma once

#include <sys/types.h>

#include "machined/registry.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::machined {

// The leader of a running machine, pinned by a pidfd opened before the
// check that the process is the machine's (alive, not a zombie, in the
// machine's unit cgroup): what goes through the pidfd reaches that process
// or nothing, however the PID is reused later.
class PinnedLeader {
public:
    // ESRCH when the machine has no running leader (a ghost); the message
    // names the machine and the PID.
    static Result<PinnedLeader> pin(const MachineInfo& info);
    pid_t pid() const { return pid_; }
    int fd() const { return fd_.get(); }
    // The process still runs (the pidfd refers to it, not to a PID reused since).
    bool alive() const;
    Result<void> signal(int sig) const;
    // The machine's root directory (/proc/PID/root), checked to be the
    // pinned process's after it was opened.
    Result<UniqueFd> open_root() const;

private:
    pid_t pid_ = 0;
    UniqueFd fd_;
};

// Whether machine `info` has a running leader (see PinnedLeader).
bool has_running_leader(const MachineInfo& info);

// Removes the scope cgroups of machine NAME (below machine.slice or another
// slice) in every hierarchy: for a machine that is gone; EBUSY when one still
// has a process.
Result<void> remove_scope_cgroups(const std::string& name);

// What machine NAME's dead spawn left on the host besides its registration:
// its scope's cgroups in every hierarchy, its state file and its port
// forwarding rules. The caller holds the name lock (no start of it runs).
Result<void> remove_dead_machines_leftovers(const std::string& name);

// Clears machine `info`, a ghost: unregisters it, removes its scope's empty
// cgroups in every hierarchy, its state file, its port forwarding rules and
// its name lock. Only while no start of the name runs (its name lock is
// free: a starting machine's leader may not be in its cgroup yet) and the
// leader is still not running once the lock is held. True when it cleared.
Result<bool> clear_ghost(Machined& m, const MachineInfo& info);

}  // namespace spawn::machined
