// Changing images in the search path, as machinectl 252's clone, rename,
// remove and read-only do (systemd's discover-image.c), done by mctl itself
// (no image-aware machined is needed). An image a running machine uses is
// left alone: spawn holds an flock on its tree (or raw file) while it runs,
// and these take it exclusively first. Vendor images (below /usr) are never
// changed. A settings file beside the image (NAME.nspawn, NAME.spawn)
// follows it.
#pragma once

#include <string>

#include "images/store.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::images {

// A copy of im named new_name in pool (machinectl: /var/lib/machines): a
// btrfs snapshot where im is a subvolume on the pool's file system, else a
// faithful copy (util/copy_tree: reflinked where possible; a raw file's data
// too), written as .#NEW.clone and renamed when complete. read_only: the copy
// is made read-only (as read-only below).
Result<void> clone_image(const ImageInfo& im, const std::string& new_name, bool read_only, const std::string& pool);

// The image (its tree, or its raw file) open and locked as spawn locks a
// tree it runs: exclusively to change it (fails with EBUSY while a machine
// uses it, and keeps one from starting meanwhile), shared to copy it (as
// machinectl: a read-only or -x machine may run meanwhile).
Result<UniqueFd> lock_image(const ImageInfo& im, bool shared = false);

// A new, empty directory image name in the pool directory pool, opened: a
// btrfs subvolume where the pool is on btrfs (as machinectl makes them, so
// that clone, read-only and set-limit work on it as on one), else a plain
// directory (mode 0755; a copy into it sets its own).
Result<UniqueFd> make_image_directory(int pool, const std::string& name, const std::string& path);

// Renames im (and its settings files) in its directory.
Result<void> rename_image(const ImageInfo& im, const std::string& new_name);

// Removes im (read-only ones too) and its settings files.
Result<void> remove_image(const ImageInfo& im);

// Marks im read-only or writable: a subvolume's btrfs read-only flag, a
// directory's immutable attribute (its top directory only, as machinectl),
// a raw file's write bits.
Result<void> set_image_read_only(const ImageInfo& im, bool read_only);

// clean: the hidden leftovers of interrupted work in pool (".#..." entries:
// clones, templates, transfers, -x snapshots) that no one holds; returns
// their names.
Result<std::vector<std::string>> clean_hidden(const std::string& pool);

// set-limit: the most the image (or, with path instead, the pool there)
// may hold on disk, as a btrfs quota group limit; UINT64_MAX: no limit.
// Elsewhere: one line saying that quotas need btrfs.
Result<void> set_image_limit(const ImageInfo& im, uint64_t bytes);
Result<void> set_pool_limit(const std::string& pool, uint64_t bytes);

}  // namespace spawn::images
