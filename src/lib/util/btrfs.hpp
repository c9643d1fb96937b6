// btrfs subvolumes: is a directory one, snapshot it, delete one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "util/result.hpp"

namespace spawn::btrfs {

// fd's directory is the root of a btrfs subvolume.
bool is_subvolume(int fd);

// A writable snapshot of the subvolume src as name in the directory parent
// (same file system).
Result<void> snapshot(int src, int parent, const std::string& name);

// A new, empty subvolume name in the directory parent (ENOTTY, EOPNOTSUPP or
// EXDEV where parent is not on btrfs).
Result<void> make_subvolume(int parent, const std::string& name);

// Sets or clears a subvolume's read-only flag (fd: its root directory).
Result<void> set_read_only(int fd, bool read_only);
bool is_read_only(int fd);

// Limits what the subvolume (fd: its root) may hold, with btrfs quota groups
// (enabled on the file system first); UINT64_MAX lifts the limit.
Result<void> set_size_limit(int fd, uint64_t bytes);

// What the subvolume's quota group (fd: its root) counts and allows, in
// bytes; UINT64_MAX where there is no limit. Nothing when quotas are off.
struct Quota {
    uint64_t referenced = 0, exclusive = 0;
    uint64_t max_referenced = UINT64_MAX, max_exclusive = UINT64_MAX;
};
std::optional<Quota> quota(int fd);

// Deletes the subvolume name in parent (an error when it holds others).
Result<void> remove(int parent, const std::string& name);

}  // namespace spawn::btrfs
