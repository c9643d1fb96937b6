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

Result<void> make_lock_dir(const std::string& dir) {
    for (size_t end = dir.find('/', 1);; end = dir.find('/', end + 1)) {
        std::string part = dir.substr(0, end);
        if (::mkdir(part.c_str(), 0755) < 0 && errno != EEXIST) return Error::errno_("creating {}", part);
        if (end == std::string::npos) return ok();
    }
}

Result<PathLock> PathLock::acquire(const std::string& path, bool shared, const std::string& busy) {
    PathLock l;
    for (;;) {
        l.fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!l.fd_) return Error::errno_("opening {}", path);
        if (flock(l.fd_.get(), (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
            if (errno == EWOULDBLOCK) return Error(EBUSY, busy);
            return Error::errno_("locking {}", path);
        }
        // The holder before us may have removed the file after we opened it:
        // then ours is a lock on nothing; take the file that is there now.
        struct stat a {}, b {};
        if (fstat(l.fd_.get(), &a) == 0 && stat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
            l.path_ = path;
            return l;
        }
    }
}

PathLock::~PathLock() {
    if (!fd_ || path_.empty()) return;
    // Removed only while we hold it alone (a shared holder upgrades first).
    if (flock(fd_.get(), LOCK_EX | LOCK_NB) == 0) ::unlink(path_.c_str());
}

Result<NameLock> NameLock::acquire(const std::string& machine) {
    TRY(make_lock_dir(kNameLockDir));
    return NameLock(TRY(PathLock::acquire(std::string(kNameLockDir) + "/" + machine + ".lock", false,
                                          fmt::format("Machine {} is already running.", machine))));
}

}  // namespace spawn::container
