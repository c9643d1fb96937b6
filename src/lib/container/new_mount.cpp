#include "container/new_mount.hpp"

#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace spawn::container {

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Result<UniqueFd> new_mount(const char* fstype, const std::vector<std::pair<std::string, std::string>>& options,
                           unsigned attrs, std::string_view what) {
    UniqueFd fs(static_cast<int>(syscall(SYS_fsopen, fstype, FSOPEN_CLOEXEC)));
    if (!fs) return Error::errno_("{}: creating a {} file system", what, fstype);
    for (const auto& [key, value] : options) {
        long r = value.empty() ? syscall(SYS_fsconfig, fs.get(), FSCONFIG_SET_FLAG, key.c_str(), nullptr, 0)
                               : syscall(SYS_fsconfig, fs.get(), FSCONFIG_SET_STRING, key.c_str(), value.c_str(), 0);
        if (r < 0) return Error::errno_("{}: {} option {}{}{}", what, fstype, key, value.empty() ? "" : "=", value);
    }
    if (syscall(SYS_fsconfig, fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
        return Error::errno_("{}: setting up the {} file system", what, fstype);
    UniqueFd mnt(static_cast<int>(syscall(SYS_fsmount, fs.get(), FSMOUNT_CLOEXEC, attrs)));
    if (!mnt) return Error::errno_("{}: mounting the {} file system", what, fstype);
    return mnt;
}

MountOptions machine_tmpfs_options(std::string_view mode) {
    return {{"source", "tmpfs"}, {"mode", std::string(mode)}, {"size", "25%"}, {"nr_inodes", "1m"}};
}

MountOptions machine_tmpfs_options(std::string_view mode, uid_t uid, gid_t gid) {
    MountOptions o = machine_tmpfs_options(mode);
    o.push_back({"uid", std::to_string(uid)});
    o.push_back({"gid", std::to_string(gid)});
    return o;
}

}  // namespace spawn::container
