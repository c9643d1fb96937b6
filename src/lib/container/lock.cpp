#include "container/lock.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

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

Result<PathLock> PathLock::acquire(const std::string& path, bool shared, const std::string& busy,
                                   std::chrono::milliseconds patience) {
    PathLock l;
    const auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
        l.fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!l.fd_) return Error::errno_("opening {}", path);
        if (flock(l.fd_.get(), (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
            if (errno != EWOULDBLOCK) return Error::errno_("locking {}", path);
            if (std::chrono::steady_clock::now() >= deadline) return Error(EBUSY, busy);
            // (The file is opened again: a cleaner releasing it removes it.)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
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

TreeLock TreeLock::take_over(Handoff& h, const std::string& key) {
    TreeLock l;
    l.fd_ = h.take_fd(key);
    return l;
}

void PathLock::hand_off(Handoff& h, const std::string& key) && {
    h.put_fd(key, std::move(fd_));
    h.put(key + ".path", std::exchange(path_, {}));
}

PathLock PathLock::take_over(Handoff& h, const std::string& key) {
    PathLock l;
    l.fd_ = h.take_fd(key);
    l.path_ = h.get(key + ".path");
    return l;
}

PathLock::~PathLock() {
    if (!fd_ || path_.empty()) return;
    // Removed only while we hold it alone (a shared holder upgrades first).
    if (flock(fd_.get(), LOCK_EX | LOCK_NB) == 0) ::unlink(path_.c_str());
}

std::vector<std::string> remove_free_lock_files(const std::string& dir, std::string_view keep) {
    std::vector<std::string> removed;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return removed;
    while (auto* e = ::readdir(d)) {
        const std::string_view n = e->d_name;
        if (n == "." || n == ".." || n == keep || e->d_type != DT_REG) continue;
        // Taken and dropped at once: the release removes the file.
        if (PathLock::acquire(dir + "/" + std::string(n), false, "busy").ok()) removed.emplace_back(n);
    }
    ::closedir(d);
    return removed;
}

Result<NameLock> NameLock::take(const std::string& machine, std::chrono::milliseconds patience) {
    TRY(make_lock_dir(kNameLockDir));
    return NameLock(TRY(PathLock::acquire(std::string(kNameLockDir) + "/" + machine + ".lock", false,
                                          fmt::format("Machine {} is already running.", machine), patience)));
}

Result<NameLock> NameLock::claim(const std::string& machine) { return take(machine, kCleanerPatience); }

Result<NameLock> NameLock::acquire(const std::string& machine) { return take(machine, std::chrono::milliseconds(0)); }

}  // namespace spawn::container
