#include "util/btrfs.hpp"

#include <linux/btrfs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cstring>

namespace spawn::btrfs {

Result<void> set_size_limit(int fd, uint64_t bytes) {
    struct btrfs_ioctl_quota_ctl_args quota {};
    quota.cmd = BTRFS_QUOTA_CTL_ENABLE;
    if (ioctl(fd, BTRFS_IOC_QUOTA_CTL, &quota) < 0 && errno != EEXIST) return Error::errno_("enabling btrfs quotas");
    struct btrfs_ioctl_qgroup_limit_args limit {};
    limit.qgroupid = 0;  // the subvolume of fd
    limit.lim.flags = BTRFS_QGROUP_LIMIT_MAX_RFER;
    limit.lim.max_rfer = bytes;
    if (ioctl(fd, BTRFS_IOC_QGROUP_LIMIT, &limit) < 0) return Error::errno_("setting the quota group's limit");
    return ok();
}

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

Result<void> make_subvolume(int parent, const std::string& name) {
    struct btrfs_ioctl_vol_args args {};
    std::strncpy(args.name, name.c_str(), sizeof args.name - 1);
    if (ioctl(parent, BTRFS_IOC_SUBVOL_CREATE, &args) < 0) return Error::errno_("making the subvolume {}", name);
    return ok();
}

Result<void> set_read_only(int fd, bool read_only) {
    uint64_t flags = 0;
    if (ioctl(fd, BTRFS_IOC_SUBVOL_GETFLAGS, &flags) < 0) return Error::errno_("reading the subvolume's flags");
    flags = read_only ? flags | BTRFS_SUBVOL_RDONLY : flags & ~static_cast<uint64_t>(BTRFS_SUBVOL_RDONLY);
    if (ioctl(fd, BTRFS_IOC_SUBVOL_SETFLAGS, &flags) < 0) return Error::errno_("setting the subvolume's flags");
    return ok();
}

bool is_read_only(int fd) {
    uint64_t flags = 0;
    return ioctl(fd, BTRFS_IOC_SUBVOL_GETFLAGS, &flags) == 0 && (flags & BTRFS_SUBVOL_RDONLY);
}

Result<void> remove(int parent, const std::string& name) {
    struct btrfs_ioctl_vol_args args {};
    std::strncpy(args.name, name.c_str(), sizeof args.name - 1);
    if (ioctl(parent, BTRFS_IOC_SNAP_DESTROY, &args) < 0) return Error::errno_("deleting the subvolume {}", name);
    return ok();
}

}  // namespace spawn::btrfs
