// helper_protocol: what spawn and mctl ask of the sealed helper (src/helper,
// run from a sealed in-memory copy: sealed_helper.hpp), as its command line.
// Pure: both sides build and parse it with these functions (unit-tested), so
// the two cannot drift apart. The helper runs with the privileges of the
// machine, never more, so a malformed or forged request gains nothing.
//
//   spawn-helper exec  [OPTIONS] -- [PROGRAM [ARGS...]]   spawn: the payload
//   spawn-helper enter [OPTIONS] -- [COMMAND [ARGS...]]   mctl: a command in a machine
#pragma once

#include <sys/types.h>

#include <cstdint>

#include <optional>
#include <string>
#include <vector>

namespace spawn::container {

// argv[0] of every request: the helper refuses any other (a container script
// with "#!/proc/self/exe" reaches the helper with another argv[0]).
inline constexpr const char* kHelperArgv0 = "spawn-helper";

// The payload of a container (spawn's PID 1, after the mounts, the
// capability drop and the seccomp filter). Without as_pid2 the helper sets
// the process up and execs the program; with it, the helper stays PID 1 as
// the stub init ("spawn-stub") and does that in a forked PID 2.
// An OCI bundle's startContainer hook (oci/hook.hpp), which the helper runs
// in the container, as the payload's user, just before it becomes the payload.
struct StartHook {
    std::string path;               // the container's
    std::vector<std::string> args;  // argv[0] included
    std::vector<std::string> env;   // the whole environment
    int64_t timeout = 0;            // seconds; 0: none
    bool operator==(const StartHook&) const = default;
};

struct ExecRequest {
    int sync_fd = -1;          // error frames (sync_frame.hpp) for a failure before exec
    bool as_pid2 = false;
    bool new_session = false;  // setsid() in the payload process
    bool ctty = false;         // and make stdin its controlling terminal
    std::optional<uid_t> uid;  // set with gid and groups: change to this user
    gid_t gid = 0;
    std::vector<gid_t> groups;
    std::string user_name;     // for messages
    uint64_t ambient_capabilities = 0;  // raised in the payload (after the uid change: kept through it)
    std::string chdir;         // working directory ("" = stay)
    bool chdir_required = false;  // a failed chdir is an error (else: "/")
    int listen_fds = 0;        // fds 3.. handed to the payload (the stub closes them)
    std::string selinux_label; // -Z: the program's SELinux label ("" = inherited)
    std::vector<std::string> argv;    // the program (PATH search in the environment's PATH)
    std::vector<std::string> shells;  // no argv: login shells tried in order
    std::vector<StartHook> start_hooks;
    std::string hook_state;    // their standard input: the container's state JSON
};

// A command entered into a running machine by mctl (exec, shell, login): the
// helper is already in the machine's namespaces and cgroup and confined like
// it; it forks the command into the machine's PID namespace.
struct EnterRequest {
    int pty_socket = -1;       // >= 0: allocate a pty in the machine, send the master here
    std::string user = "root";
    std::string term;          // TERM to set ("" = none, vt220 with a pty)
    std::vector<std::string> env;     // extra VAR=VALUE
    std::vector<std::string> login;   // login programs tried in order (login)
    std::vector<std::string> argv;    // the command; empty: the user's login shell
};

std::vector<std::string> helper_args(const ExecRequest& r);
std::vector<std::string> helper_args(const EnterRequest& r);

// Parses argv (argv[0] included). nullopt when it is not such a request;
// *error says why.
std::optional<ExecRequest> parse_exec_request(const std::vector<std::string>& argv, std::string* error);
std::optional<EnterRequest> parse_enter_request(const std::vector<std::string>& argv, std::string* error);

}  // namespace spawn::container
