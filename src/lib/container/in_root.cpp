#include "container/in_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/file.hpp"

namespace spawn::container {

int openat2_in_root(int root_fd, std::string_view path, uint64_t flags, bool no_symlinks) noexcept {
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    std::string rel = path.empty() ? std::string(".") : std::string(path);
    struct open_how how {};
    how.flags = flags | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (no_symlinks ? RESOLVE_NO_SYMLINKS : 0);
    return static_cast<int>(::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how));
}

Result<UniqueFd> open_in_root(int root_fd, std::string_view path, uint64_t flags, bool no_symlinks) {
    int fd = openat2_in_root(root_fd, path, flags, no_symlinks);
    if (fd < 0) return Error::errno_("opening {}", path);
    return UniqueFd(fd);
}

Result<UniqueFd> open_tree_root(const std::string& root) {
    int fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Error::errno_("opening directory {}", root);
    return UniqueFd(fd);
}

Result<std::string> read_in_root(int root_fd, std::string_view path, size_t max) {
    UniqueFd fd = TRY(open_in_root(root_fd, path, O_RDONLY | O_NOCTTY));
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) return Error::errno_("stat {}", path);
    if (!S_ISREG(st.st_mode)) return Error(EINVAL, fmt::format("{} is not a regular file", path));
    return read_fd(fd.get(), path, max);
}

}  // namespace spawn::container
