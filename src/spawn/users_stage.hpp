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

// What the child mounts that the host prepared for it.
struct MappedMounts {
    UniqueFd tree;                 // the idmapped tree (its root), or none
    std::vector<UniqueFd> binds;   // the --bind sources, in plan order (prepared_binds)
};

// The container pid's ID maps, then its tree's ownership (the plan's mode;
// auto: an idmapped mount where the file system has them, else chown), then
// the --bind mounts (container root may not reach their sources).
Result<MappedMounts> map_users(pid_t pid, const start::StartPlan& plan, const container::IdRange& range, int tree_fd);

}  // namespace spawn
