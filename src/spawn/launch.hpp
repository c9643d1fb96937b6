// launch: what the parent decides before clone() and the child reads after it
// (the child gets a copy of the parent's memory; nothing is shared later).
#pragma once

#include <signal.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "container/mount_plan.hpp"
#include "container/sync.hpp"

namespace spawn {

struct BootLaunch;  // spawn/boot.hpp

struct Launch {
    const Config* cfg = nullptr;
    std::string root;                               // the tree, absolute
    int root_fd = -1;                               // O_DIRECTORY fd of the tree (checked)
    std::string machine;                            // machine name
    std::string hostname;                           // UTS hostname
    std::string uuid;                               // container_uuid
    std::string term;                               // TERM for the payload
    ConsoleMode console = ConsoleMode::Pipe;        // resolved console mode
    std::vector<container::MountStep> plan;         // the mount plan
    int listen_fds = 0;                             // LISTEN_FDS to pass through (fds 3..3+n-1)
    int netns_fd = -1;                              // --network-namespace-path: the child joins it
    int helper_fd = -1;                             // the sealed helper the child execs (sealed_helper.hpp)
    sigset_t saved_sigmask{};                       // the mask to restore before exec
    container::SyncChannel* parent_end = nullptr;   // closed by the child
    container::SyncChannel* child_end = nullptr;    // the child's end of the sync socket
    const BootLaunch* boot = nullptr;               // -b: init, its env, guest interface (boot.hpp)
};

// The child's whole life (child.cpp): returns the exit status on failure,
// does not return on success (execs the payload).
int run_child(const Launch& l) noexcept;

// The parent's whole life (parent.cpp): returns spawn's exit status.
int run_container(const Config& cfg);

}  // namespace spawn
