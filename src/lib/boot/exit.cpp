#include "boot/exit.hpp"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <fmt/format.h>

#include "util/signals.hpp"

namespace spawn::boot {

ExitDecision decide_exit(int st, bool boot, bool keep_unit, const std::string& machine) {
    ExitDecision d;
    if (WIFEXITED(st)) {
        d.exit_code = WEXITSTATUS(st);
        d.message = d.exit_code == 0 ? fmt::format("Container {} exited successfully.", machine)
                                     : fmt::format("Container {} failed with error code {}.", machine, d.exit_code);
        return d;
    }
    if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        if (sig == SIGINT) {
            d.exit_code = 0;
            d.message = fmt::format("Container {} has been shut down.", machine);
            return d;
        }
        if (sig == SIGHUP && boot) {
            if (keep_unit) {
                d.exit_code = kExitReboot;
                d.message = fmt::format("Container {} is being rebooted (exit {} for the service manager).",
                                        machine, kExitReboot);
            } else {
                d.reboot = true;
                d.message = fmt::format("Container {} is being rebooted.", machine);
            }
            return d;
        }
        d.exit_code = 1;
        d.message = fmt::format("Container {} terminated by signal {}.", machine, signal_name(sig));
        return d;
    }
    d.exit_code = 1;
    d.message = fmt::format("Container {} ended in an unexpected state.", machine);
    return d;
}

}  // namespace spawn::boot
