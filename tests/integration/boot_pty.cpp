#include "boot_pty.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "harness.hpp"

namespace spawn::test {

using clk = std::chrono::steady_clock;

PtyRun::PtyRun(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    struct winsize ws = {};
    ws.ws_row = 50;
    ws.ws_col = 200;
    pid_ = forkpty(&master_, nullptr, nullptr, &ws);
    if (pid_ == 0) {
        for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
        setenv("TERM", "dumb", 1);  // keep escape sequences out of the console text
        exec_argv(argv);
    }
    if (master_ >= 0) fcntl(master_, F_SETFL, fcntl(master_, F_GETFL) | O_NONBLOCK);
}

PtyRun::~PtyRun() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) close(master_);
}

bool PtyRun::pump(std::chrono::milliseconds timeout) {
    struct pollfd p = {master_, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(timeout.count()));
    if (r > 0) {
        char buf[16384];
        for (;;) {
            ssize_t n = read(master_, buf, sizeof buf);
            if (n > 0) {
                out_.append(buf, static_cast<size_t>(n));
                continue;
            }
            if (n < 0 && errno == EAGAIN) break;
            if (n < 0 && errno == EINTR) continue;
            // EIO: the process and everything holding the pty are gone.
            reap_if_exited();
            return false;
        }
    }
    return !reap_if_exited();
}

bool PtyRun::reap_if_exited() {
    if (pid_ <= 0) return false;
    int st;
    if (waitpid(pid_, &st, WNOHANG) != pid_) return false;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    pid_ = -1;
    return true;
}

bool PtyRun::wait_for(const std::string& text, std::chrono::milliseconds timeout) {
    auto end = clk::now() + timeout;
    for (;;) {
        auto pos = out_.find(text, mark_);
        if (pos != std::string::npos) {
            mark_ = pos + text.size();
            return true;
        }
        auto now = clk::now();
        if (now >= end) return false;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - now);
        if (!pump(std::min(left, std::chrono::milliseconds(100))) && pid_ < 0) {
            pos = out_.find(text, mark_);
            if (pos == std::string::npos) return false;
            mark_ = pos + text.size();
            return true;
        }
    }
}

size_t PtyRun::count(const std::string& text) const {
    size_t n = 0;
    for (auto pos = out_.find(text); pos != std::string::npos; pos = out_.find(text, pos + text.size())) ++n;
    return n;
}

void PtyRun::type(const std::string& keys) {
    size_t off = 0;
    while (off < keys.size()) {
        ssize_t n = write(master_, keys.data() + off, keys.size() - off);
        if (n > 0) {
            off += static_cast<size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            pump(std::chrono::milliseconds(10));
        } else {
            return;
        }
    }
}

void PtyRun::signal(int sig) {
    if (pid_ > 0) kill(pid_, sig);
}

int PtyRun::wait_exit(std::chrono::milliseconds timeout) {
    auto end = clk::now() + timeout;
    while (pid_ > 0 && clk::now() < end) pump(std::chrono::milliseconds(50));
    if (pid_ > 0) return -1;
    pump(std::chrono::milliseconds(0));  // what is left on the pty
    return status_;
}

std::string PtyRun::tail(size_t n) const { return out_.size() > n ? out_.substr(out_.size() - n) : out_; }

}  // namespace spawn::test
