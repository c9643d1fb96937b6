// launch: what the parent decides before clone() and the child reads after it
// (the child gets a copy of the parent's memory; nothing is shared later).
#pragma once

#include <signal.h>

#include <functional>
#include <vector>

#include "config/config.hpp"
#include "container/cgroup.hpp"
#include "container/seccomp.hpp"
#include "container/sync.hpp"
#include "container/userns_plan.hpp"
#include "start/plan.hpp"
#include "util/fd.hpp"
#include "util/handoff.hpp"

namespace spawn {

struct BootLaunch;  // spawn/boot.hpp

// A namespace the container joins (plan.joined_namespaces), opened and
// checked by the parent.
struct JoinedNamespaceFd {
    int type = 0;  // CLONE_NEWIPC, CLONE_NEWUTS, ... (JoinedNamespace)
    UniqueFd fd;
};

struct Launch {
    const Config* cfg = nullptr;
    const start::StartPlan* plan = nullptr;         // root, hostname, uuid, term, console, mounts, ...
    int root_fd = -1;                               // O_DIRECTORY fd of the tree (checked)
    int netns_fd = -1;                              // --network-namespace-path: the child joins it
    const std::vector<JoinedNamespaceFd>* joined = nullptr;  // an OCI bundle's namespaces to join
    int helper_fd = -1;                             // the sealed helper the child execs (sealed_helper.hpp)
    const container::CompiledSeccomp* seccomp = nullptr;  // compiled by the parent, loaded by the child
    sigset_t saved_sigmask{};                       // the mask to restore before exec
    container::SyncChannel* parent_end = nullptr;   // closed by the child
    container::SyncChannel* child_end = nullptr;    // the child's end of the sync socket
    const BootLaunch* boot = nullptr;               // -b: init, its env, guest interface (boot.hpp)
    // With a user namespace (child_userns.cpp):
    const container::IdRange* users = nullptr;      // its range
    int idmap_userns_fd = -1;                       // a user namespace mapped as the container's (idmap)
    int idmapped_tree_fd = -1;                      // the tree, idmapped (ownership map), or -1
    int cgroup_fd = -1;                             // the cgroup2 cgroup the container is born in
    // Without a user namespace: the cgroup whose v1 hierarchies the child
    // joins itself, first thing (Cgroup::join_v1_self), or null.
    const container::Cgroup* cgroup = nullptr;
    pid_t host_pid = 0;                             // the child's PID on the host (run_child: for hooks)
};

// The child's whole life (child.cpp): returns the exit status on failure,
// does not return on success (execs the payload).
int run_child(const Launch& l) noexcept;

// The parent's whole life (parent.cpp): returns spawn's exit status.
int run_container(const Config& cfg);
// The rest of it, in spawn exec'd back by its monitor when PID 1 has ended
// (monitor_stage.hpp): the stages taken over and torn down, the exit status
// decided, or the guest booted again. cfg: the same command line's, read
// again; nullptr when that failed (then torn down, never booted again).
int resume_container(const Config* cfg, const ResumeInfo& resume);

class ContainerStart;  // spawn/container_start.hpp
class SignalGate;      // spawn/signals.hpp

// A container cloned, placed, networked and registered, not yet released to
// its payload: what a driver other than spawn's own console and event loop
// takes over (spawn-oci's supervisor). Everything the start set up is torn
// down, in reverse, when the driver returns.
struct Started {
    const Config& cfg;
    const start::StartPlan& plan;
    ContainerStart& container;
    const SignalGate& signals;
};
using Driver = std::function<Result<int>(Started&)>;

// run_container with DRIVE in place of the console and event loop; its
// result (or 1 after an error line) is the exit status.
int run_container(const Config& cfg, const Driver& drive);

}  // namespace spawn
