// mount: the executor of the mount plan, run by the child inside its own mount
// namespace. Every target is resolved inside the new root with openat2
// (RESOLVE_IN_ROOT, and RESOLVE_NO_SYMLINKS for /proc, /sys, /dev), so a
// symlink planted in the tree can never redirect a mount onto the host
// (runc CVE-2021-30465, CVE-2025-31133). Mounts go through the resolved fds
// (/proc/self/fd/N, open_tree + move_mount).
#pragma once

#include <string_view>
#include <vector>

#include "container/mount_plan.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

// O_PATH fd of PATH (absolute, inside the root) resolved in root_fd.
Result<UniqueFd> resolve_in_root(int root_fd, std::string_view path, bool no_symlinks);
// mkdir -p inside the root; returns an O_PATH fd of the last directory.
Result<UniqueFd> make_dirs_in_root(int root_fd, std::string_view path, mode_t mode, bool no_symlinks);

// Walks the plan; the first failing step aborts with the step's path in the error.
// prepared: the host's mounts for the plan's host_prepared Bind steps,
// taken from the front in order (a missing one is an error).
Result<void> apply_mount_plan(int root_fd, const std::vector<MountStep>& plan, std::vector<UniqueFd>* prepared = nullptr);
Result<void> apply_step(int root_fd, const MountStep& step);

// Makes the mount at `path` inside the root read-only (this mount only).
Result<void> make_read_only(int root_fd, std::string_view path, bool recursive);

}  // namespace spawn::container
