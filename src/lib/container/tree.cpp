#include "container/tree.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace spawn::container {

Result<UniqueFd> check_tree(const std::string& dir) {
    if (dir.empty()) return Error::msg("No directory tree given (use -D DIR or -M NAME)");
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        int err = errno;
        if (err == ENOTDIR) return Error(err, "Directory tree " + dir + " is not a directory");
        if (err == ENOENT) return Error(err, "Directory tree " + dir + " does not exist");
        return Error::sys(err, "Cannot open directory tree {}", dir);
    }
    struct stat st {}, root {};
    if (fstat(fd.get(), &st) < 0 || stat("/", &root) < 0) return Error::errno_("stat {}", dir);
    if (st.st_dev == root.st_dev && st.st_ino == root.st_ino)
        return Error(EINVAL, "Directory tree " + dir + " is the host's root directory, refusing");

    struct stat usr {};
    if (fstatat(fd.get(), "usr", &usr, 0) < 0 || !S_ISDIR(usr.st_mode))
        return Error(ENOENT, "Directory tree " + dir +
                                 " does not look like an OS tree (no /usr directory), refusing");

    for (const char* entry : {"proc", "sys", "dev"}) {
        struct stat e {};
        if (fstatat(fd.get(), entry, &e, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT) continue;  // created at start
            return Error::errno_("Directory tree {}: stat /{}", dir, entry);
        }
        if (S_ISLNK(e.st_mode)) {
            char buf[4096];
            ssize_t n = readlinkat(fd.get(), entry, buf, sizeof buf - 1);
            std::string to = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
            return Error(ELOOP, "Directory tree " + dir + ": /" + entry + " is a symlink (to " + to +
                                    "), refusing to mount through it");
        }
        if (!S_ISDIR(e.st_mode))
            return Error(ENOTDIR, "Directory tree " + dir + ": /" + entry + " is not a directory");
    }
    return fd;
}

}  // namespace spawn::container
