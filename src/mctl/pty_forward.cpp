#include "pty_forward.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include <chrono>

#include "container/console.hpp"
#include "util/fd.hpp"
#include "util/fdio.hpp"

namespace spawn::mctl {

static uint64_t now_usec() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

Result<ForwardEnd> forward_pty(int master, const std::string& machine, pid_t child, int* status, PtyPeer peer) {
    bool tty = isatty(STDIN_FILENO);
    container::TerminalGuard terminal;
    bool restore = tty && terminal.make_raw(STDIN_FILENO);
    if (tty) {
        struct winsize ws;
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
    }
    if (!tty) {
        // Scripted input: do not echo it back before the program on the pty
        // has even started (it sets its own terminal modes when it does).
        struct termios t;
        if (tcgetattr(master, &t) == 0) {
            t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            tcsetattr(master, TCSANOW, &t);
        }
    }
    if (!tty || !restore) std::fprintf(stderr, "Connected to machine %s. Press ^] three times within 1s to exit session.\n", machine.c_str());
    else std::fprintf(stderr, "Connected to machine %s. Press ^] three times within 1s to exit session.\r\n", machine.c_str());

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGWINCH);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    UniqueFd sfd(signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));

    container::EscapeCounter esc;
    bool in_open = true;
    uint64_t drain_deadline = 0;  // after stdin EOF on a pipe: leave when the pty stays quiet
    bool got_output = false;      // until the first output, allow a slow start (a getty being started)
    ForwardEnd end = ForwardEnd::Hangup;
    // Until the program on the other side (a getty machined starts) has opened
    // the pty and written something, a hangup only means "not there yet".
    const uint64_t start = now_usec();
    const uint64_t startup_hangups = peer == PtyPeer::Login ? 15000000 : 1000000;
    auto initial_hangup_over = [&] {
        if (got_output || now_usec() - start > startup_hangups) return true;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, nullptr);
        return false;
    };
    char buf[8192];
    for (;;) {
        // A program's service manager resets and hangs up the terminal before
        // the program runs, dropping what was typed ahead: hold stdin back
        // until the program has written something or the start-up second passed.
        const bool hold_input = peer == PtyPeer::Program && !got_output && now_usec() - start < startup_hangups;
        struct pollfd p[3] = {{in_open && !hold_input ? STDIN_FILENO : -1, POLLIN, 0}, {master, POLLIN, 0},
                              {sfd.get(), POLLIN, 0}};
        int timeout = hold_input ? 50 : -1;
        if (drain_deadline) {
            uint64_t now = now_usec();
            if (now >= drain_deadline) break;
            int left = static_cast<int>((drain_deadline - now) / 1000) + 1;
            timeout = timeout < 0 ? left : std::min(timeout, left);
        }
        int n = poll(p, 3, timeout);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error::errno_("forwarding the pty of machine '{}'", machine);
        }
        if (p[2].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd.get(), &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGWINCH && tty) {
                    struct winsize ws;
                    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
                }
            }
        }
        if (p[1].revents & POLLIN) {
            ssize_t r = read(master, buf, sizeof buf);
            if (r > 0) {
                if (!write_all(STDOUT_FILENO, buf, static_cast<size_t>(r))) break;
                got_output = true;
                if (drain_deadline) drain_deadline = now_usec() + 2000000;
                continue;  // drain output before looking at hangups
            }
            if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (!initial_hangup_over()) continue;
            break;  // EIO: the other side hung up
        }
        if (p[1].revents & (POLLHUP | POLLERR)) {
            if (!initial_hangup_over()) continue;
            break;
        }
        if (in_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
            if (r > 0) {
                if (esc.feed(buf, static_cast<size_t>(r), std::chrono::steady_clock::now())) {
                    end = ForwardEnd::Escape;
                    break;
                }
                if (!write_all(master, buf, static_cast<size_t>(r))) break;
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                in_open = false;
                if (!tty) {
                    char eof = 4;  // ^D: end of input for the program on the pty
                    write_all(master, &eof, 1);
                    if (peer == PtyPeer::Login) drain_deadline = now_usec() + (got_output ? 2000000 : 15000000);
                }
            }
        }
    }
    terminal.restore();
    std::fprintf(stderr, "\nConnection to machine %s terminated.\n", machine.c_str());
    if (child > 0) {
        if (end == ForwardEnd::Escape || drain_deadline) ::kill(child, SIGHUP);
        int st = 0;
        while (waitpid(child, &st, 0) < 0 && errno == EINTR) {
        }
        if (status) *status = st;
    }
    sigprocmask(SIG_UNBLOCK, &mask, nullptr);
    return end;
}

}  // namespace spawn::mctl
