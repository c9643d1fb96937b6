#include "spawn/event_loop.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <vector>

#include "util/log.hpp"

namespace spawn {
namespace {

// The signals that arrived; a stop request sends the kill signal (halting: the
// second one SIGKILL).
Result<void> handle_signals(container::ChildProcess& child, Console& console, const LoopInputs& in, bool& halting) {
    struct signalfd_siginfo si;
    while (::read(in.signal_fd, &si, sizeof si) == sizeof si) {
        int sig = static_cast<int>(si.ssi_signo);
        if (sig == SIGWINCH) {
            if (console.forwarder) console.forwarder->resize();
            continue;
        }
        if (sig == SIGCHLD) continue;  // the pidfd says when PID 1 ends
        // SIGTERM/SIGINT/SIGHUP/SIGQUIT (and every other signal that would
        // end spawn): as nspawn, the kill signal to PID 1; a second one kills
        // the container at once.
        if (!halting && in.kill_signal != SIGKILL && !in.quiet) {
            console.terminal.restore();
            log::info("Trying to halt container. Send SIGTERM again to trigger immediate termination.");
            if (in.console_mode == ConsoleMode::Interactive) (void)console.terminal.make_raw(STDIN_FILENO);
        }
        TRY(child.send_signal(halting ? SIGKILL : in.kill_signal));
        halting = true;
    }
    return ok();
}

void follow_guest_address(const LoopInputs& in) {
    in.addresses->drain();
    if (auto r = in.network->refresh_ports(); !r.ok()) log::warn("{}", r.error().message());
}

}  // namespace

Result<siginfo_t> run_until_exit(container::ChildProcess& child, Console& console, const LoopInputs& in) {
    // An address the guest got before the monitor existed counts too.
    if (in.addresses) follow_guest_address(in);
    bool halting = false;
    for (;;) {
        std::vector<struct pollfd> fds = {{in.signal_fd, POLLIN, 0},
                                          {child.pidfd(), POLLIN, 0},
                                          {in.relay ? in.relay->fd() : -1, POLLIN, 0},
                                          {in.addresses ? in.addresses->fd() : -1, POLLIN, 0}};
        if (console.forwarder) console.forwarder->add_pollfds(fds);
        if (poll(fds.data(), fds.size(), console.forwarder ? console.forwarder->poll_timeout_ms() : -1) < 0) {
            if (errno == EINTR) continue;
            return Error::errno_("poll");
        }
        if (fds[0].revents & POLLIN) TRY(handle_signals(child, console, in, halting));
        if (console.forwarder && console.forwarder->handle(fds)) {  // Ctrl-] three times
            console.terminal.restore();
            TRY(child.send_signal(SIGKILL));
        }
        if (fds[2].revents & POLLIN)  // the guest's sd_notify messages, to our NOTIFY_SOCKET
            if (auto r = in.relay->dispatch(); !r.ok()) log::debug("{}", r.error().message());
        if (fds[3].revents & (POLLIN | POLLERR)) follow_guest_address(in);
        siginfo_t info{};
        if ((fds[1].revents & POLLIN) && TRY(child.reap(info, false))) {
            if (console.forwarder) console.forwarder->drain();
            console.terminal.restore();
            return info;
        }
    }
}

}  // namespace spawn
