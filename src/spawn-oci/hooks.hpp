// hooks: the bundle's hooks that run in the runtime's namespaces, on the
// host, with the container's state (the specification's state JSON) on their
// standard input:
//   prestart, createRuntime  by the supervisor once the container's
//                            namespaces exist, before it pivots (a failure
//                            fails create, and nothing is left)
//   poststart                by the supervisor after the process started (a
//                            failure is a warning)
//   poststop                 by delete, after the container is gone (a
//                            failure is a warning)
#pragma once

#include <string_view>
#include <vector>

#include "oci/spec.hpp"
#include "util/result.hpp"

namespace spawn::oci_runtime {

// Runs HOOKS in order (the first failure ends it); errors name
// "hooks.WHICH[i] (PATH)": its exit status, its signal, its timeout.
Result<void> run_hooks(const std::vector<oci::Hook>& hooks, const char* which, std::string_view state);

}  // namespace spawn::oci_runtime
