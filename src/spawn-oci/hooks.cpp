#include "spawn-oci/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fd.hpp"
#include "util/fdio.hpp"

namespace spawn::oci_runtime {
namespace {

Result<void> run_hook(const oci::Hook& h, std::string_view state, const std::string& name) {
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0) return Error::errno_("{}: pipe", name);
    UniqueFd read_end(in[0]), write_end(in[1]);
    std::vector<char*> argv, envp;
    if (h.args.empty()) argv.push_back(const_cast<char*>(h.path.c_str()));
    for (const auto& a : h.args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : h.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    pid_t pid = fork();
    if (pid < 0) return Error::errno_("{}: fork", name);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        dup2(read_end.get(), STDIN_FILENO);
        if (null >= 0) dup2(null, STDOUT_FILENO), dup2(null, STDERR_FILENO);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execve(h.path.c_str(), argv.data(), envp.data());
        _exit(127);
    }
    read_end.reset();
    UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
    signal(SIGPIPE, SIG_IGN);  // a hook that does not read its state
    (void)write_all(write_end.get(), state.data(), state.size());
    write_end.reset();
    struct pollfd p = {pidfd.get(), POLLIN, 0};
    int n;
    while ((n = poll(&p, 1, h.timeout ? static_cast<int>(*h.timeout * 1000) : -1)) < 0 && errno == EINTR) {
    }
    const bool timed_out = n == 0;
    if (timed_out) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) return Error::msg("{}: timed out after {} s", name, *h.timeout);
    if (WIFSIGNALED(status)) return Error::msg("{}: killed by signal {}", name, WTERMSIG(status));
    if (WEXITSTATUS(status) == 127) return Error::msg("{}: could not be executed", name);
    if (WEXITSTATUS(status) != 0) return Error::msg("{}: exited with status {}", name, WEXITSTATUS(status));
    return ok();
}

}  // namespace

Result<void> run_hooks(const std::vector<oci::Hook>& hooks, const char* which, std::string_view state) {
    for (size_t i = 0; i < hooks.size(); ++i)
        TRY(run_hook(hooks[i], state, fmt::format("hooks.{}[{}] ({})", which, i, hooks[i].path)));
    return ok();
}

}  // namespace spawn::oci_runtime
