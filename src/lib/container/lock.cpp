#include "container/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

namespace spawn::container {

Result<TreeLock> TreeLock::acquire(int dir_fd, const std::string& dir, bool shared) {
    TreeLock l;
    // A separate open file description: the flock belongs to it alone.
    l.fd_.reset(openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!l.fd_) return Error::errno_("opening {} for locking", dir);
    if (flock(l.fd_.get(), (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK) return Error(EBUSY, "Directory tree " + dir + " is currently busy.");
        return Error::errno_("locking directory tree {}", dir);
    }
    return l;
}

}  // namespace spawn::container
