// tree: checks that a directory tree can serve as a container root before
// anything is set up (all errors are one line naming the tree and the reason).
#pragma once

#include <string>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

// Refuses: a missing or non-directory path, the host's "/", a tree without
// /usr, and a tree whose proc, sys or dev entries are symlinks (they would be
// followed out of the tree when mounting). Returns an O_DIRECTORY fd of the tree.
Result<UniqueFd> check_tree(const std::string& dir);

}  // namespace spawn::container
