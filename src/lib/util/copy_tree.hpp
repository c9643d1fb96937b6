// A faithful copy of a directory tree: file types (directories, regular
// files, symlinks, device nodes, FIFOs, sockets), owners, modes, timestamps,
// extended attributes (ACLs and file capabilities included) and hard links.
// File data is shared (FICLONE: btrfs, xfs) where the file system can,
// copied otherwise. Never follows a symlink of the source or the copy.
#pragma once

#include <string>

#include "util/result.hpp"

namespace spawn {

struct CopyStats {
    uint64_t files = 0, bytes = 0, reflinked = 0;
};

// Copies the directory from (its contents and its own attributes) to to,
// which must not exist; to's parent must. On failure to is partly written:
// the caller copies into a temporary name (see spawn/template_stage).
Result<CopyStats> copy_tree(const std::string& from, const std::string& to);

// Removes path and everything below it, without following symlinks (missing: fine).
Result<void> remove_tree(const std::string& path);

}  // namespace spawn
