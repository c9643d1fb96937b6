// What spawn does when the container's PID 1 ends, as systemd-nspawn:
//   exited with N          -> spawn exits N
//   killed by SIGINT       -> the guest powered off / halted: exit 0
//   killed by SIGHUP (-b)  -> the guest rebooted: boot again, or exit 133
//                             under --keep-unit (spawn@.service restarts it:
//                             RestartForceExitStatus=133)
//   killed by another sig  -> exit 1 with "terminated by signal X"
// Pure; unit-tested.
#pragma once

#include <string>

namespace spawn::boot {

inline constexpr int kExitReboot = 133;

struct ExitDecision {
    bool reboot = false;  // boot the tree again in this process
    int exit_code = 0;    // when !reboot
    std::string message;  // for the log ("Container NAME has been shut down.")
};

// wait_status: as from waitpid(). boot: -b. keep_unit: --keep-unit.
ExitDecision decide_exit(int wait_status, bool boot, bool keep_unit, const std::string& machine);

}  // namespace spawn::boot
