#include "container/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

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

Result<NameLock> NameLock::acquire(const std::string& machine) {
    if (::mkdir("/run/spawn", 0755) < 0 && errno != EEXIST) return Error::errno_("creating /run/spawn");
    if (::mkdir(kNameLockDir, 0755) < 0 && errno != EEXIST) return Error::errno_("creating {}", kNameLockDir);
    NameLock l;
    l.path_ = std::string(kNameLockDir) + "/" + machine + ".lock";
    for (;;) {
        l.fd_.reset(::open(l.path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!l.fd_) return Error::errno_("opening {}", l.path_);
        if (flock(l.fd_.get(), LOCK_EX | LOCK_NB) < 0) {
            if (errno == EWOULDBLOCK) {
                l.path_.clear();  // not ours to remove
                return Error(EBUSY, fmt::format("Machine {} is already running.", machine));
            }
            return Error::errno_("locking {}", l.path_);
        }
        // The holder before us may have removed the file after we opened it:
        // then ours is a lock on nothing; take the file that is there now.
        struct stat a {}, b {};
        if (fstat(l.fd_.get(), &a) == 0 && stat(l.path_.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            return l;
    }
}

NameLock::~NameLock() {
    if (!fd_ || path_.empty()) return;
    ::unlink(path_.c_str());  // while we hold it: a start that opened it meanwhile retries
}

}  // namespace spawn::container
