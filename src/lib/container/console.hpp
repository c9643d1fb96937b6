// console: the container's pty and its forwarding to the host terminal.
// The pty is opened INSIDE the container (from its own devpts instance, by
// the child) and the master is passed to the parent over the sync socket.
// The parent puts the host terminal in raw mode (restored on exit, always),
// forwards bytes both ways, forwards the window size (SIGWINCH), and counts
// Ctrl-] presses: three within one second ask to kill the container.
#pragma once

#include <poll.h>
#include <termios.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

// Resolves --console: unset or autopipe -> interactive when stdin and stdout
// are terminals, pipe otherwise (nspawn 252 defaults to read-only there and
// then hangs on `echo x | systemd-nspawn ... cat`). Unset with --boot and no
// terminal -> read-only, as nspawn: a booting init reads nothing from stdin
// and writes its boot messages to /dev/console, which then reaches stdout.
ConsoleMode resolve_console_mode(std::optional<ConsoleMode> requested, bool stdin_tty, bool stdout_tty,
                                 bool boot = false);
// Whether the mode gives the container a pty (everything but pipe).
bool console_uses_pty(ConsoleMode mode);

// Counts Ctrl-] (0x1d) presses; true on the third in a row within one
// second (another key in between starts over). spawn's console and mctl's
// pty forwarder share it.
class EscapeCounter {
public:
    bool feed(const char* data, size_t n, std::chrono::steady_clock::time_point now);

private:
    int count_ = 0;
    std::chrono::steady_clock::time_point first_{};
};

// Child side: opens a new pty in the container's devpts (dev/pts/ptmx under
// root_fd), binds its peer over /dev/console. Returns {master, slave}.
Result<std::pair<UniqueFd, UniqueFd>> open_container_pty(int root_fd);

// Saves the terminal settings of fd and restores them on destruction.
class TerminalGuard {
public:
    TerminalGuard() = default;
    TerminalGuard(const TerminalGuard&) = delete;
    TerminalGuard& operator=(const TerminalGuard&) = delete;
    ~TerminalGuard() { restore(); }
    // Puts fd into raw mode (no-op when fd is not a terminal).
    Result<void> make_raw(int fd);
    void restore() noexcept;

private:
    int fd_ = -1;
    struct termios saved_ {};
};

// Parent side: the forwarding loop's state.
class ConsoleForwarder {
public:
    ConsoleForwarder(UniqueFd master, ConsoleMode mode);
    // Copies the host terminal's window size to the pty.
    void resize() noexcept;
    // pollfd entries to watch (appended to fds); remember the index range.
    void add_pollfds(std::vector<struct pollfd>& fds);
    // Handles the events of the entries added last; returns true when the
    // user asked to kill the container (Ctrl-] three times).
    bool handle(const std::vector<struct pollfd>& fds);
    // Reads what is left on the pty (after the container exited).
    void drain() noexcept;
    // poll() timeout the forwarder needs (-1: none). While no process has the
    // pty open (e.g. after a vhangup() by the guest's init), the master reports
    // HUP/EIO continuously: it is then polled again every 50 ms rather than
    // dropped, so output resumes when the guest reopens its console.
    int poll_timeout_ms() const;
    bool active() const { return master_.valid(); }

private:
    void pump_output() noexcept;
    void flush_input() noexcept;
    UniqueFd master_;
    ConsoleMode mode_;
    bool stdin_open_ = true;
    bool master_open_ = true;
    std::chrono::steady_clock::time_point hangup_{};  // master gave EIO at; zero: readable
    size_t first_index_ = 0, count_ = 0;
    std::string to_master_;
    EscapeCounter escape_;
};

}  // namespace spawn::container
