// The event loop of a running container: everything spawn reacts to until
// the container's PID 1 ends, from one poll():
//   the signalfd     SIGWINCH resizes the pty; SIGTERM/SIGINT/SIGHUP/SIGQUIT
//                    send the kill signal to PID 1 (a second one SIGKILL)
//   the pidfd        PID 1 ended: reaped, its siginfo returned
//   the console      the host terminal <-> the container's pty (Ctrl-] x3 kills)
//   the notify relay the guest's sd_notify messages to our NOTIFY_SOCKET (-b)
//   the address monitor  the guest's address changed: --port rules follow it
#pragma once

#include <signal.h>

#include "boot/notify.hpp"
#include "container/process.hpp"
#include "net/address_monitor.hpp"
#include "net/setup.hpp"
#include "spawn/container_start.hpp"
#include "util/result.hpp"

namespace spawn {

struct LoopInputs {
    int signal_fd = -1;
    int kill_signal = SIGKILL;
    ConsoleMode console_mode = ConsoleMode::Pipe;
    bool quiet = false;
    boot::NotifyRelay* relay = nullptr;          // -b
    net::AddressMonitor* addresses = nullptr;    // --port following the guest's address
    net::NetworkSetup* network = nullptr;        // with addresses
};

// Runs until the container's PID 1 has been reaped; returns how it ended.
Result<siginfo_t> run_until_exit(container::ChildProcess& child, Console& console, const LoopInputs& in);

}  // namespace spawn
