#include "spawn/event_loop.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "util/file.hpp"
#include "util/log.hpp"

namespace spawn {
namespace {

// Whether PID 1 takes sig now: it catches it, or blocks it (then it waits,
// queued). A namespace's init drops a signal it leaves at SIG_DFL, as a
// booting systemd does in its first milliseconds: such a stop request would
// be lost, and spawn would wait for ever.
bool takes_signal(pid_t pid, int sig) {
    auto status = read_file(fmt::format("/proc/{}/status", pid));
    if (!status) return true;  // gone: its end is on the way
    uint64_t mask = 0;
    for (const char* key : {"\nSigBlk:", "\nSigCgt:"}) {
        auto at = status->find(key);
        if (at == std::string::npos) return true;
        mask |= std::strtoull(status->c_str() + at + std::strlen(key), nullptr, 16);
    }
    return (mask >> (sig - 1)) & 1;
}

// The signals that arrived; a stop request sends the kill signal (halting: the
// second one SIGKILL). unheard: the kill signal, when PID 1 did not take it yet.
Result<void> handle_signals(container::ChildProcess& child, Console& console, const LoopInputs& in, bool& halting,
                            int& unheard) {
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
        const int stop = halting ? SIGKILL : in.kill_signal;
        TRY(child.send_signal(stop));
        unheard = stop != SIGKILL && !takes_signal(child.pid(), stop) ? stop : 0;
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
    int unheard = 0;  // a kill signal PID 1 dropped: sent again once it catches it
    for (;;) {
        std::vector<struct pollfd> fds = {{in.signal_fd, POLLIN, 0},
                                          {child.pidfd(), POLLIN, 0},
                                          {in.relay ? in.relay->fd() : -1, POLLIN, 0},
                                          {in.addresses ? in.addresses->fd() : -1, POLLIN, 0}};
        if (console.forwarder) console.forwarder->add_pollfds(fds);
        int timeout = console.forwarder ? console.forwarder->poll_timeout_ms() : -1;
        if (unheard) timeout = timeout < 0 ? 20 : std::min(timeout, 20);
        if (poll(fds.data(), fds.size(), timeout) < 0) {
            if (errno == EINTR) continue;
            return Error::errno_("poll");
        }
        if (unheard && takes_signal(child.pid(), unheard)) {
            TRY(child.send_signal(unheard));
            unheard = 0;
        }
        if (fds[0].revents & POLLIN) TRY(handle_signals(child, console, in, halting, unheard));
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
