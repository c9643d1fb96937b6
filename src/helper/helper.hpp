// spawn-helper: the only code of ours that a machine can ever see running.
// spawn and mctl never exec a path of a machine, and never let a process of
// theirs become visible inside one, while it runs from the host's binaries:
// they exec this small static program from a sealed in-memory copy
// (container/sealed_helper.hpp) instead. It maps no host file (static, its
// image a sealed memfd), holds no host descriptor, and runs with the
// machine's own capabilities and seccomp filter, non-dumpable: a container
// root that finds it through /proc can neither write its binary nor a host
// library through /proc/PID/exe or /proc/PID/map_files, nor gain anything by
// tracing it. Requests: container/helper_protocol.hpp.
#pragma once

#include "container/helper_protocol.hpp"

namespace spawn::helper {

// The payload of spawn's container (and with --as-pid2 the stub init).
[[noreturn]] void run_exec(const container::ExecRequest& r);
// A command mctl enters into a running machine.
[[noreturn]] void run_enter(const container::EnterRequest& r);

}  // namespace spawn::helper
