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

}  // namespace spawn::container
