// supervisor: what stays of spawn-oci between `create` and the container's
// end. `create` forks it; it runs spawn's start (spawn/launch.hpp) for a
// detached container, whose every process is `create`'s child
// (CLONE_PARENT): when `create` exits, the engine's subreaper (containerd's
// shim, conmon) inherits the init, reaps it and has its exit status, as with
// runc. The supervisor holds what the start set up (cgroups, links,
// registration, locks) and tears it down when the init ends:
//   (spawn's start ran prestart and createRuntime, once the namespaces
//   existed: spawn/hooks_stage.hpp)
//   created  the init is mounted and pivoted and waits for Go; state.json
//            written; the pid reported to `create` on the report pipe; the
//            pty master sent to --console-socket
//   start    a `start` on ctl.sock sends Go, then poststart runs; the reply
//            is the exec's outcome
//   end      the init's pidfd: it ended; everything is torn down
// A `kill` or `delete` never talks to it: they signal the init (pinned) and
// wait for the supervisor's lock.
#pragma once

#include <string>

#include "oci/runtime_state.hpp"
#include "oci/spec.hpp"
#include "spawn-oci/state_dir.hpp"
#include "spawn/launch.hpp"

namespace spawn::oci_runtime {

struct SupervisorSetup {
    const StateDir* dir = nullptr;
    oci::RuntimeState state;       // pid and its start time filled in when created
    std::string console_socket;    // process.terminal: where the pty master goes
    int report_fd = -1;            // `create` reads "PID\n" here once created
};

Result<int> supervise(Started& started, SupervisorSetup& setup);

// The message of a `start` on ctl.sock, and its replies.
inline constexpr std::string_view kStartRequest = "start";
inline constexpr std::string_view kStartedReply = "ok";

}  // namespace spawn::oci_runtime
