// What the container's root is made of: the tree itself, or a throwaway
// layer on it (-x, --volatile). Built in the container's mount namespace, on
// the tree's own mount, so that a SIGKILL of spawn leaves nothing: the layers
// are tmpfs mounts that die with the namespace, and the tree is never written.
#pragma once

#include <sys/types.h>

#include "config/config.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

enum class RootLayer {
    Tree,          // the tree
    Overlay,       // -x, --volatile=overlay: an overlay of the tree under a tmpfs upper layer
    TmpfsWithUsr,  // --volatile=yes: a tmpfs root with the tree's /usr bound read-only
    ReadOnlyTree,  // --volatile=state: the tree read-only with a tmpfs on /var
};

// Pure.
RootLayer root_layer_of(bool ephemeral, VolatileMode mode);
const char* root_layer_name(RootLayer l);

// Builds the root on tree (an O_PATH fd of the tree's mount, attached in the
// caller's mount namespace) and returns the root's mount, attached over it.
// uid:gid owns what the layer makes (the container's root on the host: the
// user namespace's base, else 0).
Result<UniqueFd> layer_root(RootLayer layer, UniqueFd tree, uid_t uid, gid_t gid);

}  // namespace spawn::container
