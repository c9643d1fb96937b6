// ownership_shift: --private-users-ownership=chown. Every file of the tree
// (on its file system; mounts below it are left alone) gets owner and group
// shifted into the container's range (userns_plan.hpp: shifted_id), as
// systemd-nspawn does: the low 16 bits kept. Never follows a symlink (each
// entry is opened O_PATH|O_NOFOLLOW and changed through that fd), changes a
// hard-linked inode once, keeps set-user-ID and set-group-ID bits (which
// chown clears), and shifts the IDs in POSIX ACLs and the root ID of file
// capabilities (which chown drops; they come back as v3 for the range's
// root). The tree's root directory owner records the shift: a tree already
// owned by base is not walked again.
#pragma once

#include <cstdint>
#include <string>

#include "util/result.hpp"

namespace spawn::container {

struct ShiftStats {
    uint64_t changed = 0;  // inodes whose owner changed
    bool walked = false;   // false: the tree was already owned by base
};

// tree_fd: O_DIRECTORY fd of the tree; root: its path (for messages).
Result<ShiftStats> shift_tree_ownership(int tree_fd, const std::string& root, uint32_t base);

// The xattr values with their IDs shifted (pure; unit-tested).
// system.posix_acl_access / _default: the IDs of ACL_USER and ACL_GROUP entries.
std::string shift_acl_xattr(std::string value, uint32_t base);
// security.capability (v2 or v3): a v3 value whose root ID is in the range.
std::string shift_caps_xattr(const std::string& value, uint32_t base);

}  // namespace spawn::container
