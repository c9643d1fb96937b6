// in_root: opening paths inside a container tree from outside it, resolving
// every symlink and ".." within the tree (openat2 RESOLVE_IN_ROOT, never a
// magic link), so a tree whose /sbin/init, /etc/machine-id or /dev/pts
// points at an absolute path is read from the tree, never from the host.
// The one wrapper of openat2 in the project.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

// openat2(root_fd, path, flags | O_CLOEXEC) resolved inside the tree; with
// no_symlinks no symlink at all is followed (RESOLVE_NO_SYMLINKS: /proc,
// /sys, /dev). path is absolute as seen inside the tree, or relative to it.
// Returns the fd, or -1 with errno set (for callers that branch on errno).
int openat2_in_root(int root_fd, std::string_view path, uint64_t flags, bool no_symlinks = false) noexcept;

// The same as a Result ("opening PATH: reason").
Result<UniqueFd> open_in_root(int root_fd, std::string_view path, uint64_t flags, bool no_symlinks = false);

// An O_PATH directory fd of the tree's root.
Result<UniqueFd> open_tree_root(const std::string& root);

// Reads a (small) regular file inside the tree; ENOENT is reported as an
// error with that code.
Result<std::string> read_in_root(int root_fd, std::string_view path, size_t max = 1 << 20);

}  // namespace spawn::container
