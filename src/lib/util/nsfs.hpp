// nsfs: namespace files (/proc/PID/ns/KIND, or a bind mount of one), opened
// and checked to be namespaces of the kind asked for.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn {

// "network", "IPC", "UTS", ... for a CLONE_NEW* type (messages).
std::string_view namespace_name(int type);

// O_RDONLY|O_CLOEXEC fd of the namespace file at path; an error naming the
// path when it is missing, not a namespace file, or (where the kernel tells,
// NS_GET_NSTYPE) a namespace of another type than TYPE.
Result<UniqueFd> open_namespace_file(const std::string& path, int type);

// The CLONE_NEW* flags of the namespaces (mount, UTS, IPC, network, PID,
// cgroup, user) in which process PID is and this process is not: what a
// process entering PID's machine joins.
Result<int> namespaces_to_join(pid_t pid);

}  // namespace spawn
