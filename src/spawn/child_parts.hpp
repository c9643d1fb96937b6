// The pieces of the container's side shared by child.cpp (one child, no user
// namespace) and child_userns.cpp (an outer child as host root that sets up
// the tree and clones the container into its user namespace).
#pragma once

#include "spawn/launch.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn {

// The tree's directory in the calling child's own mount namespace (the fd
// the parent opened refers to the host's), checked to be the parent's.
Result<UniqueFd> open_tree_dir(const Launch& l);

// Mounts the tree on itself, a recursive bind of it or idmapped_tree, and
// returns an O_PATH fd of that new mount (made private).
Result<UniqueFd> mount_root(const Launch& l, const UniqueFd& tree_dir, UniqueFd idmapped_tree);

// --pivot-root=NEW[:OLD]: NEW (resolved inside the tree) mounted over the
// root, the tree's own root at NEW/OLD when OLD is given; returns the new
// root's mount (ROOT itself without the option).
Result<UniqueFd> pivot_into_subtree(const Launch& l, UniqueFd root);

// Once the container's root is "/": every mount in it shared (within the
// container's mount namespace, still a slave of the host's), as nspawn does.
// A booted systemd leaves propagation to its container manager, and its
// services that set up a mount namespace of their own (credentials,
// PrivateTmp=, ...) need their mounts to reach the rest of the guest.
Result<void> share_container_mounts();

// An OCI bundle's namespaces to join (launch.hpp), joined by this process;
// not a PID namespace, which the clone is born in (ContainerStart::clone).
// With a user namespace the outer child joins them as host root, and the
// container inherits them.
Result<void> join_namespaces(const Launch& l);

// Whether the container joins a namespace of TYPE (CLONE_NEW*) instead of
// making its own.
bool joins(const Launch& l, int type);

// The container's last steps once its root is set up (master: the console
// pty's master, or the setup's error): ChildMounted, Go, then confined, the
// payload through the sealed helper. Returns only on failure.
int finish_child(const Launch& l, Result<UniqueFd> master, UniqueFd pty_slave) noexcept;

// With a user namespace (child_userns.cpp): the outer child's whole life.
int run_outer_child(const Launch& l) noexcept;

}  // namespace spawn
