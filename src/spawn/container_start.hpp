// The container's first process, from clone to the payload's exec, as two
// stages of the start:
//   ContainerStart::clone()  the process in its namespaces (plan.clone_flags),
//                            in a user namespace its ID maps written and the
//                            tree owned by them (UsersMapped; users_stage.hpp),
//                            born in its cgroup2 cgroup and moved into the
//                            others, or into the scope systemd makes; it
//                            mounts its tree meanwhile, up to HostReady
//   release()                HostReady (network and registration are done),
//                            ChildMounted (the console pty comes back),
//                            console forwarding, Go, and the exec confirmed
//                            (the sync socket closes) or its error reported
//   mounted(), go()          the same in two halves, for a detached container
//                            (spawn-oci): created at mounted(), started at go()
// Dropping it before the container ended kills and reaps the process.
#pragma once

#include <optional>

#include "container/cgroup.hpp"
#include "container/console.hpp"
#include "container/process.hpp"
#include "container/seccomp.hpp"
#include "container/sync.hpp"
#include "container/userns_plan.hpp"
#include "spawn/boot.hpp"
#include "spawn/event_loop.hpp"
#include "spawn/launch.hpp"
#include "start/plan.hpp"
#include "util/result.hpp"

namespace spawn {

// What the child takes along besides the plan.
struct ChildInputs {
    int root_fd = -1;                                // the checked tree
    int netns_fd = -1;                               // --network-namespace-path
    const BootLaunch* boot = nullptr;                // -b
    const container::CompiledSeccomp* seccomp = nullptr;
    const sigset_t* saved_sigmask = nullptr;         // for the payload
    const container::IdRange* users = nullptr;       // its user namespace's range (users_stage.hpp)
    const std::vector<JoinedNamespaceFd>* joined = nullptr;  // namespaces to join (launch.hpp)
};

class ContainerStart {
public:
    static Result<ContainerStart> clone(const Config& cfg, const start::StartPlan& plan, const ChildInputs& in,
                                        container::Cgroup& cgroup);
    pid_t pid() const { return child_.pid(); }
    container::ChildProcess& process() { return child_; }
    Result<void> release(const Config& cfg, const start::StartPlan& plan, Console& console);
    // HostReady, then ChildMounted: the container's pty master if it has one.
    Result<UniqueFd> mounted();
    // Go, then the exec confirmed, or the child's error.
    Result<void> go();
    // A host step after clone failed (its cgroup, its links, its
    // registration): the child's own error, when it sent one, says more than
    // ours (the links fail because the child died first, say).
    Error first_cause(Error ours);

private:
    ContainerStart(container::SyncChannel parent_end, container::ChildProcess child)
        : parent_end_(std::move(parent_end)), child_(std::move(child)) {}
    container::SyncChannel parent_end_;
    container::ChildProcess child_;
};

}  // namespace spawn
