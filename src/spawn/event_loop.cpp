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
        if (!halting && in.kill_signal != SIGKILL && !in.quiet)
            console.say(log::Level::Info, "Trying to halt container. Send SIGTERM again to trigger immediate termination.",
                        in.console_mode);
        const int stop = halting ? SIGKILL : in.kill_signal;
        TRY(child.send_signal(stop));
        unheard = stop != SIGKILL && !takes_signal(child.pid(), stop) ? stop : 0;
        halting = true;
    }
    return ok();
}

}  // namespace

void Console::say(log::Level level, std::string_view line, ConsoleMode mode) {
    terminal.restore();
    log::write(level, line);
    if (mode == ConsoleMode::Interactive) (void)terminal.make_raw(STDIN_FILENO);
}

Result<std::optional<siginfo_t>> run_until_exit(container::ChildProcess& child, Console& console,
                                                 const LoopInputs& in) {
    bool halting = false;
    int unheard = 0;  // a kill signal PID 1 dropped: sent again once it catches it
    const auto hand_over_at = std::chrono::steady_clock::now() + in.hand_over_after.value_or(std::chrono::milliseconds(0));
    for (;;) {
        std::vector<struct pollfd> fds = {{in.signal_fd, POLLIN, 0},
                                          {child.pidfd(), POLLIN, 0},
                                          {in.relay ? in.relay->fd() : -1, POLLIN, 0},
                                          {in.extra_fd, POLLIN, 0}};
        if (console.forwarder) console.forwarder->add_pollfds(fds);
        int timeout = console.forwarder ? console.forwarder->poll_timeout_ms() : -1;
        if (unheard) timeout = timeout < 0 ? 20 : std::min(timeout, 20);
        // Handed over only between events, with nothing under way: no stop
        // request sent (the second one must kill), no input to pass on.
        const bool may_hand_over = in.hand_over_after && !halting && !unheard &&
                                   (!console.forwarder || console.forwarder->idle());
        if (may_hand_over) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                hand_over_at - std::chrono::steady_clock::now()).count() + 1;
            if (left <= 0) return std::optional<siginfo_t>();
            timeout = timeout < 0 ? static_cast<int>(left) : std::min<int>(timeout, static_cast<int>(left));
        }
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
        if (fds[3].revents & (POLLIN | POLLERR)) in.on_extra();
        siginfo_t info{};
        if ((fds[1].revents & POLLIN) && TRY(child.reap(info, false))) {
            if (console.forwarder) console.forwarder->drain();
            console.terminal.restore();
            return std::optional<siginfo_t>(info);
        }
    }
}

}  // namespace spawn
