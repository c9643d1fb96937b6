#include "util/file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "util/fd.hpp"

namespace spawn {

Result<std::string> read_fd(int fd, std::string_view what, size_t max) {
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error::errno_("reading {}", what);
        }
        if (n == 0) return out;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > max) return Error(EFBIG, fmt::format("{} is too large", what));
    }
}

Result<std::string> read_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) return Error::errno_("reading {}", path);
    return read_fd(fd.get(), path);
}

std::string read_text_file(const std::string& path) {
    auto r = read_file(path);
    return r ? std::move(*r) : std::string();
}

Result<void> write_file(const std::string& path, std::string_view value, int flags, mode_t mode) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | flags, mode));
    if (!fd) return Error::errno_("{} {}", (flags & O_CREAT) ? "creating" : "opening", path);
    ssize_t n;
    do n = ::write(fd.get(), value.data(), value.size());
    while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(value.size())) return ok();
    int err = n < 0 ? errno : EIO;
    bool show = value.size() <= 64 && value.find('\n') == std::string_view::npos;
    if (show) return Error::sys(err, "writing \"{}\" to {}", value, path);
    return Error::sys(err, "writing {}", path);
}

}  // namespace spawn
