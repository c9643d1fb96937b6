// state_dir: a container's directory under spawn-oci's --root (ROOT/ID, root
// only): state.json (oci/runtime_state.hpp), supervisor.lock (held by the
// supervisor for its whole life: free means it is gone) and ctl.sock (where
// the supervisor takes `start`). The container's init and the supervisor are
// pinned by pidfds checked against state.json's start time, so a PID reused
// after they ended is never signalled.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "oci/runtime_state.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::oci_runtime {

inline constexpr const char* kDefaultRoot = "/run/spawn-oci";

class StateDir {
public:
    // ROOT/ID made (ROOT too, mode 0700): "container with id ID exists" when it is.
    static Result<StateDir> create(const std::string& root, const std::string& id);
    // ROOT/ID of an existing container: "container ID does not exist" otherwise.
    static Result<StateDir> open(const std::string& root, const std::string& id);
    const std::string& path() const { return path_; }
    const std::string& id() const { return id_; }
    std::string file(const char* name) const { return path_ + "/" + name; }

    Result<void> write(const oci::RuntimeState& s) const;  // atomically (rename)
    // state.json; nullopt while it is not written yet (creating).
    Result<std::optional<oci::RuntimeState>> read() const;
    // Whether the supervisor still holds its lock.
    bool supervisor_alive() const;
    // Removes the directory and what it holds.
    void remove() const;

private:
    std::string path_, id_;
};

// A process pinned by a pidfd, if it still runs and started at `start` (0:
// any start time).
class Pinned {
public:
    static std::optional<Pinned> pin(pid_t pid, uint64_t start);
    pid_t pid() const { return pid_; }
    int fd() const { return fd_.get(); }
    Result<void> signal(int sig) const;
    // Waits until it exits, at most timeout_ms (-1: no limit); false on timeout.
    bool wait_exit(int timeout_ms) const;

private:
    pid_t pid_ = 0;
    UniqueFd fd_;
};

// Field 22 of /proc/PID/stat (clock ticks after boot); 0 when it is gone.
uint64_t process_start_time(pid_t pid);

// The container's status, from its directory: creating (no state.json yet),
// created or running (its init runs; started or not), stopped.
oci::Status status_of(const StateDir& dir, const std::optional<oci::RuntimeState>& s);

// The host PIDs of every process in the PID namespace of pinned init.
std::vector<pid_t> processes_of(const Pinned& init);

// The IDs of the containers under root, sorted.
std::vector<std::string> container_ids(const std::string& root);

}  // namespace spawn::oci_runtime
