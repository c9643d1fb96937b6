// A file system made with the new mount API (fsopen, fsconfig, fsmount): a
// detached mount, attached later with move_mount() or used through its fd.
#pragma once

#include <string>
#include <sys/types.h>
#include <string_view>
#include <utility>
#include <vector>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

// Makes a file system of type fstype with the options given as key/value
// ("" value: a flag option) and returns its detached mount with the
// MOUNT_ATTR_* attrs. what names it in errors ("--inaccessible=/x").
Result<UniqueFd> new_mount(const char* fstype, const std::vector<std::pair<std::string, std::string>>& options,
                           unsigned attrs, std::string_view what);

using MountOptions = std::vector<std::pair<std::string, std::string>>;

// The options of a tmpfs that holds a machine's root, its writable upper
// layer or its /var (--volatile, -x): nspawn 252's caps (systemd's
// TMPFS_LIMITS_ROOTFS and _VOLATILE_STATE: a quarter of RAM, 1M inodes), so
// that no guest fills the host's memory; source "tmpfs" as nspawn shows it.
MountOptions machine_tmpfs_options(std::string_view mode);
MountOptions machine_tmpfs_options(std::string_view mode, uid_t uid, gid_t gid);

// A directory path that reaches fd's directory from this process
// (/proc/self/fd/N): how option strings name fds.
std::string fd_path(int fd);

}  // namespace spawn::container
