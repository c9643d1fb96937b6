// foreground: what run and exec (without --detach) share, and the pid files
// of create, run and exec.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <string>

#include "util/result.hpp"

namespace spawn::oci_runtime {

// The signals a foreground run or exec forwards to its process (SIGTERM,
// SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH); the caller blocks
// them before the process exists.
sigset_t forwarded_signals();

// Waits for PID, a child of ours, forwarding those signals to it; its exit
// status (128+N when signal N killed it).
Result<int> wait_forwarding(pid_t pid);

// PID written to PATH atomically (a temporary file renamed), as runc writes
// --pid-file.
Result<void> write_pid_file(const std::string& path, pid_t pid);

}  // namespace spawn::oci_runtime
