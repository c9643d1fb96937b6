// console_forward: the host half of a container's console, shared by spawn's
// event loop (in spawn, or in the lean monitor the sealed helper runs while
// the container does: helper/monitor.cpp) and mctl's pty forwarder. Free of
// libfmt's and libsystemd's compiled code, so the static helper links it.
// The parent puts the host terminal in raw mode (restored on exit, always),
// forwards bytes both ways, forwards the window size (SIGWINCH), and counts
// Ctrl-] presses: three within one second ask to kill the container.
#pragma once

#include <poll.h>
#include <termios.h>

#include <chrono>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

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
    // The settings to restore, as text ("" when fd was not made raw); this
    // guard then restores nothing (spawn's monitor takes them over).
    std::string hand_off();
    // Restores fd to saved (hand_off()'s text) when done.
    void take_over(int fd, std::string_view saved);

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
    int master_fd() const { return master_.get(); }
    // No input read from the terminal is waiting for the pty.
    bool idle() const { return to_master_.empty(); }

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
