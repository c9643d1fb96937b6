#include "container/console.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "container/in_root.hpp"
#include "container/mount.hpp"
#include "util/fdio.hpp"

namespace spawn::container {

ConsoleMode resolve_console_mode(std::optional<ConsoleMode> requested, bool stdin_tty, bool stdout_tty, bool boot) {
    if (requested && *requested != ConsoleMode::Autopipe) return *requested;
    if (stdin_tty && stdout_tty) return ConsoleMode::Interactive;
    return boot && !requested ? ConsoleMode::ReadOnly : ConsoleMode::Pipe;
}

bool console_uses_pty(ConsoleMode mode) { return mode != ConsoleMode::Pipe && mode != ConsoleMode::Autopipe; }

bool EscapeCounter::feed(const char* data, size_t n, std::chrono::steady_clock::time_point now) {
    for (size_t i = 0; i < n; ++i) {
        if (data[i] != 0x1d) {  // any other key starts over, as systemd's pty forwarder
            count_ = 0;
            continue;
        }
        if (count_ == 0 || now - first_ > std::chrono::seconds(1)) {
            count_ = 0;
            first_ = now;
        }
        if (++count_ >= 3) return true;
    }
    return false;
}

Result<std::pair<UniqueFd, UniqueFd>> open_container_pty(int root_fd) {
    UniqueFd master(openat2_in_root(root_fd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY, /*no_symlinks=*/true));
    if (!master) return Error::errno_("opening the container's /dev/pts/ptmx");
    int unlock = 0;
    if (ioctl(master.get(), TIOCSPTLCK, &unlock) < 0) return Error::errno_("unlocking the container pty");
    unsigned int n = 0;
    if (ioctl(master.get(), TIOCGPTN, &n) < 0) return Error::errno_("reading the container pty number");
    UniqueFd slave(ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) return Error::errno_("opening the container pty peer");
    MountStep s;
    s.kind = StepKind::Bind;
    s.source = "/dev/pts/" + std::to_string(n);
    s.source_in_root = true;
    s.target = "/dev/console";
    s.flags = MS_BIND;
    s.no_symlinks = true;
    s.create_file = true;
    TRY_CTX(apply_step(root_fd, s), "binding the pty over /dev/console");
    return std::make_pair(std::move(master), std::move(slave));
}

Result<void> TerminalGuard::make_raw(int fd) {
    if (!isatty(fd)) return ok();
    if (tcgetattr(fd, &saved_) < 0) return Error::errno_("reading the terminal settings");
    struct termios raw = saved_;
    cfmakeraw(&raw);  // output processing too: the container's pty already did it
    if (tcsetattr(fd, TCSANOW, &raw) < 0) return Error::errno_("setting the terminal to raw mode");
    fd_ = fd;
    return ok();
}

void TerminalGuard::restore() noexcept {
    if (fd_ < 0) return;
    tcsetattr(fd_, TCSANOW, &saved_);
    fd_ = -1;
}

ConsoleForwarder::ConsoleForwarder(UniqueFd master, ConsoleMode mode) : master_(std::move(master)), mode_(mode) {
    fcntl(master_.get(), F_SETFL, fcntl(master_.get(), F_GETFL) | O_NONBLOCK);
    stdin_open_ = mode_ == ConsoleMode::Interactive;
    resize();
}

void ConsoleForwarder::resize() noexcept {
    struct winsize ws {};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
        ioctl(master_.get(), TIOCSWINSZ, &ws);
}

int ConsoleForwarder::poll_timeout_ms() const { return master_open_ ? -1 : 50; }

void ConsoleForwarder::add_pollfds(std::vector<struct pollfd>& fds) {
    first_index_ = fds.size();
    if (!master_open_ && std::chrono::steady_clock::now() - hangup_ >= std::chrono::milliseconds(50))
        master_open_ = true;  // try again: the guest may have reopened its console
    short mevents = master_open_ ? POLLIN : 0;
    if (!to_master_.empty() && master_open_) mevents |= POLLOUT;
    fds.push_back({master_open_ ? master_.get() : -1, mevents, 0});
    fds.push_back({stdin_open_ && to_master_.size() < 65536 ? STDIN_FILENO : -1, POLLIN, 0});
    count_ = 2;
}

void ConsoleForwarder::pump_output() noexcept {
    char buf[16384];
    for (;;) {
        ssize_t n = ::read(master_.get(), buf, sizeof buf);
        if (n > 0) {
            if (mode_ != ConsoleMode::Passive) write_all(STDOUT_FILENO, buf, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        // EIO: no process has the pty open (closed, or hung up by vhangup()).
        master_open_ = false;
        hangup_ = std::chrono::steady_clock::now();
        return;
    }
}

void ConsoleForwarder::flush_input() noexcept {
    while (!to_master_.empty()) {
        ssize_t n = ::write(master_.get(), to_master_.data(), to_master_.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN) to_master_.clear();
            return;
        }
        to_master_.erase(0, static_cast<size_t>(n));
    }
}

bool ConsoleForwarder::handle(const std::vector<struct pollfd>& fds) {
    if (count_ < 2 || first_index_ + 1 >= fds.size()) return false;
    const auto& m = fds[first_index_];
    const auto& in = fds[first_index_ + 1];
    if (m.revents & (POLLIN | POLLHUP | POLLERR)) pump_output();
    if (m.revents & POLLOUT) flush_input();
    if (in.revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[4096];
        ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n <= 0) {
            if (n == 0 || (errno != EINTR && errno != EAGAIN)) stdin_open_ = false;
        } else {
            if (escape_.feed(buf, static_cast<size_t>(n), std::chrono::steady_clock::now())) return true;
            to_master_.append(buf, static_cast<size_t>(n));
            flush_input();
        }
    }
    return false;
}

void ConsoleForwarder::drain() noexcept {
    master_open_ = true;
    pump_output();
}

}  // namespace spawn::container
