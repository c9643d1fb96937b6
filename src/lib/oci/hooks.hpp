// oci/hooks: runs a bundle's hooks (oci/hook.hpp says where each list runs),
// each with the container's state (the specification's state JSON) on its
// standard input, its output discarded and its timeout enforced.
//   spawn-oci   prestart and createRuntime in its supervisor, poststart in
//               start, poststop in delete
//   spawn       prestart and createRuntime before the release, poststart
//               after it, poststop once everything is torn down
//   both        createContainer in the container's first process before the
//               pivot; startContainer in the sealed helper (src/helper),
//               before it becomes the process
#pragma once

#include <sys/types.h>

#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "oci/hook.hpp"
#include "oci/runtime_state.hpp"
#include "util/result.hpp"

namespace spawn::oci {

// Runs HOOKS in order (the first failure ends it); errors name
// "hooks.WHICH[i] (PATH)": its exit status, its signal, its timeout.
Result<void> run_hooks(const std::vector<Hook>& hooks, const char* which, std::string_view state);

// The state JSON a container started from cfg (an OCI bundle) shows its
// hooks: its machine name as the id, the bundle, the tree, PID, the
// annotations, STATUS.
std::string hook_state_json(const Config& cfg, pid_t pid, Status status);

}  // namespace spawn::oci
