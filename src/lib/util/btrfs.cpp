#include "util/btrfs.hpp"

#include <linux/btrfs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cstring>

namespace spawn::btrfs {

bool is_subvolume(int fd) {
    constexpr ino_t kSubvolumeRoot = 256;  // BTRFS_FIRST_FREE_OBJECTID
    struct statfs sfs {};
    struct stat st {};
    return fstatfs(fd, &sfs) == 0 && sfs.f_type == BTRFS_SUPER_MAGIC && fstat(fd, &st) == 0 && st.st_ino == kSubvolumeRoot;
}

Result<void> snapshot(int src, int parent, const std::string& name) {
    struct btrfs_ioctl_vol_args_v2 args {};
    args.fd = src;
    std::strncpy(args.name, name.c_str(), sizeof args.name - 1);
    if (ioctl(parent, BTRFS_IOC_SNAP_CREATE_V2, &args) < 0) return Error::errno_("snapshotting as {}", name);
    return ok();
}

Result<void> remove(int parent, const std::string& name) {
    struct btrfs_ioctl_vol_args args {};
    std::strncpy(args.name, name.c_str(), sizeof args.name - 1);
    if (ioctl(parent, BTRFS_IOC_SNAP_DESTROY, &args) < 0) return Error::errno_("deleting the subvolume {}", name);
    return ok();
}

}  // namespace spawn::btrfs
