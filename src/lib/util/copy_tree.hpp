// A faithful copy of a directory tree: file types (directories, regular
// files, symlinks, device nodes, FIFOs, sockets), owners, modes, timestamps,
// extended attributes (ACLs and file capabilities included) and hard links.
// File data is shared (FICLONE: btrfs, xfs) where the file system can,
// copied otherwise. Never follows a symlink of the source or the copy.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "util/result.hpp"

namespace spawn {

struct CopyStats {
    uint64_t files = 0, bytes = 0, reflinked = 0;
};

// Called after each file's data with the bytes copied so far (a progress bar).
using CopyProgress = std::function<void(uint64_t bytes)>;

// Copies the directory from (its contents and its own attributes) to to,
// which must not exist; to's parent must. On failure to is partly written:
// the caller copies into a temporary name (see spawn/template_stage).
Result<CopyStats> copy_tree(const std::string& from, const std::string& to, const CopyProgress& progress = {});
// The same into the empty directory to (a new btrfs subvolume, say): its
// contents, then its own owner, mode, attributes and times.
Result<CopyStats> copy_tree_into(const std::string& from, int to, const CopyProgress& progress = {});

// Copies the entry from_name of the directory from_dir (a file, a directory
// with everything below it, a link, a node) as to_name in to_dir, which must
// not have it. Every name is opened without following symlinks, and what
// is opened is checked to be what was looked at. untrusted_source (copying
// out of a machine): no set-ID bits, no security.* or trusted.* attributes
// (file capabilities), no device nodes. owner_base (copying into a machine
// in a user namespace): owners u become base + u, as the machine sees them
// (65534 for what its 65536 IDs cannot hold).
Result<CopyStats> copy_entry_at(int from_dir, const std::string& from_name, int to_dir, const std::string& to_name,
                                bool untrusted_source, uint32_t owner_base = 0, const CopyProgress& progress = {});

// Removes path and everything below it, without following symlinks (missing: fine).
Result<void> remove_tree(const std::string& path);

// The same for the entry name of the directory parent (path: the same
// entry), and a btrfs subvolume (a snapshot, say) with the subvolume ioctl,
// read-only or not, when it holds no other.
Result<void> remove_tree_at(int parent, const std::string& name, const std::string& path);

// The data of the regular file in (size bytes) written to out: shared
// (FICLONE) where the file system can, else copy_file_range, else read and
// write. what names the file in errors.
struct FileCopied {
    uint64_t bytes = 0;
    bool reflinked = false;
};
Result<FileCopied> copy_file_data(int in, int out, uint64_t size, const std::string& what);

}  // namespace spawn
