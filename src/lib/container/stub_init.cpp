#include "container/stub_init.hpp"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace spawn::container {

void name_stub_init() noexcept { prctl(PR_SET_NAME, "spawn-stub"); }

void run_stub_init(pid_t payload) noexcept {
    sigset_t all;
    sigfillset(&all);
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);
        if (sig < 0) continue;
        if (sig != SIGCHLD) {
            ::kill(payload, sig);
            continue;
        }
        for (;;) {
            int status = 0;
            pid_t pid = waitpid(-1, &status, WNOHANG);
            if (pid <= 0) break;
            if (pid == payload) {
                if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
                _exit(128 + WTERMSIG(status));
            }
        }
    }
}

}  // namespace spawn::container
