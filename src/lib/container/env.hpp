// env: the environment of the container's payload (pure, unit-tested).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "container/guest_user.hpp"

namespace spawn::container {

struct EnvFacts {
    std::string term;        // TERM for the payload
    std::string uuid;        // container_uuid (8-4-4-4-12 form)
    std::optional<PasswdEntry> user;  // the -u user (root when none given)
    int listen_fds = 0;      // LISTEN_FDS passed through (0: none)
    pid_t listen_pid = 1;    // LISTEN_PID inside the container
    bool credentials = false;  // CREDENTIALS_DIRECTORY=/run/host/credentials
};

// PATH, container=, container_uuid, TERM, HOME, USER, LOGNAME, SHELL,
// LISTEN_FDS/LISTEN_PID, CREDENTIALS_DIRECTORY, then -E entries (which override earlier ones).
// With cfg.exact_environment: -E's entries alone, HOME when they lack it,
// LISTEN_FDS/LISTEN_PID and CREDENTIALS_DIRECTORY.
std::vector<std::string> build_environment(const Config& cfg, const EnvFacts& facts);

}  // namespace spawn::container
