#include "container/console_forward.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>

#include "util/fdio.hpp"
#include "util/strings.hpp"

namespace spawn::container {

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

Result<void> TerminalGuard::make_raw(int fd) {
    if (!isatty(fd)) return ok();
    if (tcgetattr(fd, &saved_) < 0) return Error::errno_("reading the terminal settings");
    struct termios raw = saved_;
    cfmakeraw(&raw);  // output processing too: the container's pty already did it
    if (tcsetattr(fd, TCSANOW, &raw) < 0) return Error::errno_("setting the terminal to raw mode");
    fd_ = fd;
    return ok();
}

std::string TerminalGuard::hand_off() {
    if (fd_ < 0) return {};
    fd_ = -1;
    return str::hex(std::string_view(reinterpret_cast<const char*>(&saved_), sizeof saved_));
}

void TerminalGuard::take_over(int fd, std::string_view saved) {
    const auto bytes = str::unhex(saved);
    if (!bytes || bytes->size() != sizeof saved_) return;
    std::memcpy(&saved_, bytes->data(), sizeof saved_);
    fd_ = fd;
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
