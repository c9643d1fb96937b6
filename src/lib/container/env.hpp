// env: the environment of the container's payload (pure, unit-tested) and the
// guest user lookup in the tree's /etc/passwd.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace spawn::container {

inline constexpr const char* kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct PasswdEntry {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home;
    std::string shell;
};

// Finds USER (a name, or a numeric uid) in the contents of an /etc/passwd file.
std::optional<PasswdEntry> find_passwd(std::string_view passwd, std::string_view user);

// The supplementary groups of USER in the contents of an /etc/group file
// (groups that list the user as a member), without the primary group.
std::vector<gid_t> supplementary_groups(std::string_view group, std::string_view user, gid_t primary);

struct EnvFacts {
    std::string term;        // TERM for the payload
    std::string uuid;        // container_uuid (8-4-4-4-12 form)
    std::optional<PasswdEntry> user;  // the -u user (root when none given)
    int listen_fds = 0;      // LISTEN_FDS passed through (0: none)
    pid_t listen_pid = 1;    // LISTEN_PID inside the container
};

// PATH, container=, container_uuid, TERM, HOME, USER, LOGNAME, SHELL,
// LISTEN_FDS/LISTEN_PID, then -E entries (which override earlier ones).
std::vector<std::string> build_environment(const Config& cfg, const EnvFacts& facts);

}  // namespace spawn::container
