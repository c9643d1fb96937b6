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

// One start per machine name: an flock on /run/spawn/names/NAME.lock, held
// for the container's life and taken before anything of the machine is made
// on the host, so two starts of one name at the same instant cannot share (or
// tear down) each other's cgroups, links or registration: the second fails at
// once with "Machine NAME is already running." The file is removed on release
// (a start that opened it meanwhile notices and takes the new one); after a
// SIGKILL the kernel drops the lock and the next start reuses the file.
class NameLock {
public:
    static Result<NameLock> acquire(const std::string& machine);
    NameLock(NameLock&& o) noexcept : fd_(std::move(o.fd_)), path_(std::move(o.path_)) { o.path_.clear(); }
    NameLock& operator=(NameLock&&) = delete;
    ~NameLock();

private:
    NameLock() = default;
    UniqueFd fd_;
    std::string path_;
};

// Where the name locks live.
inline constexpr const char* kNameLockDir = "/run/spawn/names";

}  // namespace spawn::container
