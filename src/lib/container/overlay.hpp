// Overlay file systems: the throwaway roots of -x and --volatile=overlay, and
// --overlay / --overlay-ro (container/root_layer.hpp, mount.cpp).
#pragma once

#include <string_view>
#include <sys/types.h>
#include <vector>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

// The directories of an overlay, as fds (O_PATH will do).
struct OverlayLayers {
    std::vector<int> lowers;  // bottom first
    int upper = -1;           // -1: a read-only overlay of the lowers alone
    int work = -1;            // with upper: an empty directory on the same file system
};

// The overlay's detached mount, with the MOUNT_ATTR_* attrs.
Result<UniqueFd> make_overlay(const OverlayLayers& layers, unsigned attrs, std::string_view what);

// A tmpfs holding an overlay's "upper" and "work" directories: a writable
// layer that lives as long as the mount does, and so goes with the
// container's mount namespace, whatever happens to spawn. upper gets the
// mode of like (the directory it will lie over) and the owner uid:gid.
struct TmpfsLayer {
    UniqueFd mount, upper, work;
};
Result<TmpfsLayer> make_tmpfs_layer(int like, uid_t uid, gid_t gid, std::string_view what);

}  // namespace spawn::container
