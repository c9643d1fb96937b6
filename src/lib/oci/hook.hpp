// oci/hook: a bundle's hooks (config.json's "hooks"), as data: programs run
// with the container's state (the specification's state JSON) on their
// standard input at points of its life. oci/hooks.hpp runs them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spawn::oci {

struct Hook {
    std::string path;               // absolute: on the host, or for startContainer in the container
    std::vector<std::string> args;  // argv, argv[0] included
    std::vector<std::string> env;   // NAME=VALUE, the whole environment
    std::optional<int64_t> timeout; // seconds (> 0); unset: none
    bool operator==(const Hook&) const = default;
};

// Where each list runs:
//   prestart, createRuntime  the runtime's namespaces, once the container's
//                            exist, before its pivot (failure: no container)
//   createContainer          the container's namespaces, before the pivot
//                            (its path is the host's); failure: no container
//   startContainer           the container, confined like its process, just
//                            before the process (its path is the
//                            container's); failure: the start fails
//   poststart                the runtime's, once the process runs (failure: a warning)
//   poststop                 the runtime's, once the container is gone (failure: a warning)
struct Hooks {
    std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart, poststop;
    bool empty() const {
        return prestart.empty() && create_runtime.empty() && create_container.empty() && start_container.empty() &&
               poststart.empty() && poststop.empty();
    }
    bool operator==(const Hooks&) const = default;
};

}  // namespace spawn::oci
