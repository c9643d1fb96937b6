// etc_files: doing what etc_plan decided to the guest's /etc/resolv.conf and
// /etc/localtime. The tree is hostile: nothing here follows a symlink the
// guest planted out of the tree. /etc is resolved inside the tree; the file
// itself is written through its directory's fd without following a symlink
// (COPY leaves a guest's symlink alone, REPLACE renames a new file over it),
// and a bind target is resolved inside the tree (openat2 RESOLVE_IN_ROOT).
// As nspawn, a failure is a warning and the container starts anyway.
#pragma once

#include <sys/types.h>

#include <optional>

#include "container/etc_plan.hpp"

namespace spawn::container {

// The host's side of EtcFacts (the caller fills private_network and etc_writable).
void gather_etc_facts(EtcFacts& facts);

// In the container's mount namespace, before pivot_root (host paths still
// reachable); ROOT_FD is the container's root as mounted. OWNER: the owner
// on the host of what is created (the container's root with a user
// namespace; unset: root).
void apply_resolv_conf(const ResolvConfPlan& plan, int root_fd, std::optional<uid_t> owner);
void apply_timezone(const TimezonePlan& plan, int root_fd, std::optional<uid_t> owner);

}  // namespace spawn::container
