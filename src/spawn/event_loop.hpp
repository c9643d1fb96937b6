// The event loop of a running container: everything spawn reacts to until
// the container's PID 1 ends, from one poll():
//   the signalfd     SIGWINCH resizes the pty; SIGTERM/SIGINT/SIGHUP/SIGQUIT
//                    send the kill signal to PID 1 (a second one SIGKILL)
//   the pidfd        PID 1 ended: reaped, its siginfo returned
//   the console      the host terminal <-> the container's pty (Ctrl-] x3 kills)
//   the notify relay the guest's sd_notify messages to our NOTIFY_SOCKET (-b)
//   one more fd      the caller's (spawn's --port following the guest's address)
// It runs in spawn, or in the lean monitor (helper/monitor.cpp) that spawn
// becomes while the container runs: no libsystemd here, and libfmt's header
// part only, so the static helper links it.
#pragma once

#include <signal.h>

#include <chrono>
#include <functional>
#include <optional>

#include "boot/notify.hpp"
#include "config/config.hpp"
#include "container/console_forward.hpp"
#include "container/process.hpp"
#include "util/log.hpp"
#include "util/result.hpp"

namespace spawn {

// The console of a running container: the forwarder of its pty and the host
// terminal's settings, restored on every way out.
struct Console {
    container::TerminalGuard terminal;
    std::optional<container::ConsoleForwarder> forwarder;
    // A line of spawn's own while the terminal is raw: printed with the
    // terminal's settings restored (raw, lines would stair-step), then raw
    // again for an interactive console.
    void say(log::Level level, std::string_view line, ConsoleMode mode);
};

struct LoopInputs {
    int signal_fd = -1;
    int kill_signal = SIGKILL;
    ConsoleMode console_mode = ConsoleMode::Pipe;
    bool quiet = false;
    boot::NotifyRelay* relay = nullptr;          // -b
    int extra_fd = -1;                           // readable (or in error): on_extra runs
    std::function<void()> on_extra;
    // Returns nothing once PID 1 has run this long, between events (spawn then
    // hands the loop over to its monitor: monitor_stage.hpp).
    std::optional<std::chrono::milliseconds> hand_over_after;
};

// Runs until the container's PID 1 has been reaped; returns how it ended
// (nothing: the hand_over_after time came).
Result<std::optional<siginfo_t>> run_until_exit(container::ChildProcess& child, Console& console,
                                                const LoopInputs& in);

}  // namespace spawn
