#include "util/btrfs.hpp"

#include <endian.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
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

std::optional<Quota> quota(int fd) {
    // The subvolume's ID: the tree its root directory is in.
    struct btrfs_ioctl_ino_lookup_args lookup {};
    lookup.objectid = BTRFS_FIRST_FREE_OBJECTID;
    if (ioctl(fd, BTRFS_IOC_INO_LOOKUP, &lookup) < 0) return std::nullopt;
    // Its level-0 quota group's info and limit items, in the quota tree.
    struct btrfs_ioctl_search_args search {};
    auto& key = search.key;
    key.tree_id = BTRFS_QUOTA_TREE_OBJECTID;
    key.min_type = BTRFS_QGROUP_INFO_KEY;
    key.max_type = BTRFS_QGROUP_LIMIT_KEY;
    key.min_offset = key.max_offset = lookup.treeid;
    key.max_transid = UINT64_MAX;
    key.nr_items = 16;
    if (ioctl(fd, BTRFS_IOC_TREE_SEARCH, &search) < 0) return std::nullopt;  // ENOENT: quotas off
    std::optional<Quota> q;
    size_t at = 0;
    for (uint32_t i = 0; i < key.nr_items; ++i) {
        if (at + sizeof(btrfs_ioctl_search_header) > sizeof search.buf) break;
        btrfs_ioctl_search_header h;
        std::memcpy(&h, search.buf + at, sizeof h);
        at += sizeof h;
        if (at + h.len > sizeof search.buf) break;
        if (h.offset == lookup.treeid && h.type == BTRFS_QGROUP_INFO_KEY && h.len >= sizeof(btrfs_qgroup_info_item)) {
            btrfs_qgroup_info_item info;
            std::memcpy(&info, search.buf + at, sizeof info);
            if (!q) q.emplace();
            q->referenced = le64toh(info.rfer);
            q->exclusive = le64toh(info.excl);
        } else if (h.offset == lookup.treeid && h.type == BTRFS_QGROUP_LIMIT_KEY && h.len >= sizeof(btrfs_qgroup_limit_item)) {
            btrfs_qgroup_limit_item limit;
            std::memcpy(&limit, search.buf + at, sizeof limit);
            if (!q) q.emplace();
            const uint64_t flags = le64toh(limit.flags);
            if (flags & BTRFS_QGROUP_LIMIT_MAX_RFER) q->max_referenced = le64toh(limit.max_rfer);
            if (flags & BTRFS_QGROUP_LIMIT_MAX_EXCL) q->max_exclusive = le64toh(limit.max_excl);
        }
        at += h.len;
    }
    return q;
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
