// The tree stage: the tree checked (container/tree.hpp: a directory, not the
// host's root, /usr present, proc/sys/dev no symlinks), resolved, and what
// the start plan needs from it. Locking it comes after the plan (TreeLock).
#pragma once

#include "config/config.hpp"
#include "start/plan.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn {

struct OpenTree {
    UniqueFd fd;              // O_DIRECTORY fd of the checked tree
    start::TreeFacts facts;   // its resolved path and machine id
};

Result<OpenTree> open_tree(const Config& cfg);

}  // namespace spawn
