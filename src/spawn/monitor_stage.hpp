// The monitor stage: once the container has run for a moment (parent.cpp:
// kMonitorAfter; a short command is not worth the exec back), spawn hands over what it holds
// (Held: util/handoff.hpp) and execs the lean monitor, spawn-monitor
// (helper/monitor.cpp) from a sealed memfd, in its own process: the same PID
// for the service manager and the container's parent-death signal, but
// nothing mapped while the guest runs except the helper's small static image
// (spawn's libraries are 7 MB resident). The monitor runs the event loop
// (event_loop.hpp) and, when PID 1 has ended, execs spawn again with the same
// command line and $SPAWN_RESUME: resume_container() (launch.hpp) takes the
// stages over, tears them down, and exits or boots the guest again.
// Starts that need spawn's own code in the loop keep it in-process: an OCI
// driver (spawn-oci), and --port following the guest's address.
#pragma once

#include "boot/notify.hpp"
#include "container/process.hpp"
#include "spawn/event_loop.hpp"
#include "spawn/held.hpp"
#include "spawn/signals.hpp"
#include "start/plan.hpp"
#include "util/result.hpp"

namespace spawn {

struct MonitorInputs {
    const start::StartPlan& plan;
    container::ChildProcess& process;
    Console& console;
    const boot::NotifyRelay* relay;  // -b
    const SignalGate& signals;
};

// Returns only when the monitor could not be started (why): held, the
// console and the rest are then as they were, and the caller goes on with
// the event loop itself.
Error become_monitor(Held& held, const Config& cfg, const MonitorInputs& in);

}  // namespace spawn
