#include "util/run_program.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/strings.hpp"

namespace spawn {
namespace {

int64_t now_ms() {
    struct timespec ts {};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

ProgramEnd not_run(int err) { return {ProgramEnd::How::NotRun, err}; }

[[noreturn]] void exec_in_child(const std::string& path, char* const* argv, char* const* envp, int input) {
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (dup2(input, STDIN_FILENO) < 0 || null < 0 || dup2(null, STDOUT_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0)
        _exit(127);
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);  // only stdio reaches it
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(path.c_str(), argv, envp);
    _exit(127);
}

}  // namespace

ProgramEnd run_program(const std::string& path, const std::vector<std::string>& argv,
                       const std::vector<std::string>& env, std::string_view input, int64_t timeout_s) {
    const std::vector<std::string> program = argv.empty() ? std::vector<std::string>{path} : argv;
    const auto args = str::c_strings(program), envp = str::c_strings(env);

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return not_run(errno);
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(sv[0]), close(sv[1]);
        return not_run(err);
    }
    if (pid == 0) exec_in_child(path, args.data(), envp.data(), sv[1]);
    close(sv[1]);
    int feed = sv[0];
    fcntl(feed, F_SETFL, O_NONBLOCK);
    shutdown(feed, SHUT_RD);
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {  // nothing to wait on with a time limit
        int err = errno;
        kill(pid, SIGKILL);
        while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        close(feed);
        return not_run(err);
    }

    const int64_t deadline = timeout_s > 0 ? now_ms() + timeout_s * 1000 : -1;
    bool timed_out = false;
    size_t sent = 0;
    for (;;) {
        if (feed >= 0 && sent == input.size()) {
            close(feed);  // end of input
            feed = -1;
        }
        struct pollfd p[2] = {{pidfd, POLLIN, 0}, {feed, POLLOUT, 0}};
        int wait = deadline < 0 ? -1 : static_cast<int>(std::max<int64_t>(deadline - now_ms(), 0));
        int n = poll(p, 2, wait);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) {
            timed_out = true;
            break;
        }
        if (n < 0 || (p[0].revents & POLLIN)) break;
        if (p[1].revents & (POLLERR | POLLHUP)) {  // it closed its stdin: the rest is not wanted
            close(feed);
            feed = -1;
        } else if (p[1].revents & POLLOUT) {
            ssize_t w = send(feed, input.data() + sent, input.size() - sent, MSG_NOSIGNAL);
            if (w > 0) sent += static_cast<size_t>(w);
            else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                close(feed);
                feed = -1;
                sent = input.size();
            }
        }
    }
    if (feed >= 0) close(feed);
    close(pidfd);
    if (timed_out) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) return {ProgramEnd::How::TimedOut, 0};
    if (WIFSIGNALED(status)) return {ProgramEnd::How::Signaled, WTERMSIG(status)};
    return {ProgramEnd::How::Exited, WEXITSTATUS(status)};
}

std::string describe(const ProgramEnd& end, int64_t timeout_s) {
    switch (end.how) {
        case ProgramEnd::How::Exited:
            return end.value == 127 ? "could not be executed" : "exited with status " + std::to_string(end.value);
        case ProgramEnd::How::Signaled: return "killed by signal " + std::to_string(end.value);
        case ProgramEnd::How::TimedOut: return "timed out after " + std::to_string(timeout_s) + " s";
        case ProgramEnd::How::NotRun: break;
    }
    return std::string("could not be started: ") + std::strerror(end.value);
}

}  // namespace spawn
