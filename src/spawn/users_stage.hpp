// The user namespace stages of a start (-U, --private-users): the range is
// taken (and locked) before anything of the machine is made; once the
// container exists in its new user namespace, the host writes its ID maps and
// makes the tree owned by the range, while the container waits at
// Barrier::UsersMapped (container/userns.hpp).
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

#include "container/userns.hpp"
#include "start/plan.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn {

// None without a user namespace.
Result<std::optional<container::UidRangeLock>> take_uid_range(const start::StartPlan& plan);

// What the outer child takes along (child_userns.cpp).
struct UserPrep {
    UniqueFd userns;  // a user namespace mapped as the container's will be (idmapped mounts)
    UniqueFd tree;    // the idmapped tree (ownership map), or none
};

// Before the container exists: its tree owned by the range (the plan's mode;
// auto: an idmapped mount where the file system has them, else chown), and
// a user namespace with its maps for the idmapped mounts.
Result<UserPrep> prepare_users(const start::StartPlan& plan, const container::IdRange& range, int tree_fd,
                               bool read_only);

// The container's ID maps (pid: the container, cloned by the outer child).
Result<void> map_users(pid_t pid, const start::StartPlan& plan, const container::IdRange& range);

}  // namespace spawn
