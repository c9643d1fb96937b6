// Opening paths inside a container tree from the host, resolving every
// symlink and ".." within the tree (openat2 RESOLVE_IN_ROOT), so a tree whose
// /sbin/init or /etc/os-release points at an absolute path is read from the
// tree, never from the host.
#pragma once

#include <string>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::boot {

// Opens `path` (absolute, as seen inside the tree) below the directory fd
// `root_fd` with RESOLVE_IN_ROOT. flags as for open(2) (O_CLOEXEC is added).
Result<UniqueFd> open_in_root(int root_fd, const std::string& path, int flags);

// Opens the tree's root directory.
Result<UniqueFd> open_root(const std::string& root);

// Reads a (small) regular file inside the tree; ENOENT is reported as an
// error with that code.
Result<std::string> read_in_root(int root_fd, const std::string& path, size_t max = 1 << 20);

}  // namespace spawn::boot
