// lock: one container per tree. An flock on the tree's directory fd: exclusive
// normally, shared with --read-only (several read-only containers may share a
// tree). Released when the TreeLock is dropped, and by the kernel when spawn
// dies (even by SIGKILL): nothing to clean up after a crash.
#pragma once

#include <string>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

class TreeLock {
public:
    // Locks the tree (dir_fd is duplicated); fails at once with
    // "Directory tree X is currently busy." when another container holds it.
    static Result<TreeLock> acquire(int dir_fd, const std::string& dir, bool shared);

private:
    UniqueFd fd_;
};

// An flock on a file at a path, held while the object lives and by the
// kernel until the process dies (even by SIGKILL). The file is removed on
// release when no one else holds it (a start that opened it meanwhile
// notices and takes the new one); after a SIGKILL the next holder reuses it.
class PathLock {
public:
    // Fails with EBUSY (message busy) when another holder's lock conflicts.
    static Result<PathLock> acquire(const std::string& path, bool shared, const std::string& busy);
    PathLock(PathLock&& o) noexcept : fd_(std::move(o.fd_)), path_(std::move(o.path_)) { o.path_.clear(); }
    PathLock& operator=(PathLock&&) = delete;
    ~PathLock();

private:
    PathLock() = default;
    UniqueFd fd_;
    std::string path_;
};

// One start per machine name: a PathLock on /run/spawn/names/NAME.lock, held
// for the container's life and taken before anything of the machine is made
// on the host, so two starts of one name at the same instant cannot share (or
// tear down) each other's cgroups, links or registration: the second fails at
// once with "Machine NAME is already running."
class NameLock {
public:
    static Result<NameLock> acquire(const std::string& machine);

private:
    explicit NameLock(PathLock l) : lock_(std::move(l)) {}
    PathLock lock_;
};

// mkdir -p of a directory for lock files (mode 0755).
Result<void> make_lock_dir(const std::string& dir);

// Where the name locks live.
inline constexpr const char* kNameLockDir = "/run/spawn/names";

}  // namespace spawn::container
