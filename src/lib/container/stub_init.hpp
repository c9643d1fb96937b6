// stub_init (-a/--as-pid2): a tiny PID 1 for payloads that are not init
// systems. The payload runs as PID 2; the stub reaps every zombie that is
// reparented to it, forwards the signals it receives to the payload, and exits
// with the payload's status (128+N when the payload died of signal N).
#pragma once

#include <signal.h>
#include <sys/types.h>

namespace spawn::container {

// Names the process "spawn-stub" (its /proc/1/comm). Called before the
// payload is forked, so the payload can never see PID 1 under another name.
void name_stub_init() noexcept;

// Call in PID 1 with every signal blocked (sigfillset + sigprocmask) before
// forking the payload; never returns.
[[noreturn]] void run_stub_init(pid_t payload) noexcept;

}  // namespace spawn::container
