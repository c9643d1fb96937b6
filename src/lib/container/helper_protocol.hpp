// helper_protocol: what spawn and mctl ask of the sealed helper (src/helper,
// run from a sealed in-memory copy: sealed_helper.hpp), as its command line.
// Pure: both sides build and parse it with these functions (unit-tested), so
// the two cannot drift apart. The helper runs with the privileges of the
// machine, never more, so a malformed or forged request gains nothing.
//
//   spawn-helper exec  [OPTIONS] -- [PROGRAM [ARGS...]]   spawn: the payload
//   spawn-helper enter [OPTIONS] -- [COMMAND [ARGS...]]   mctl: a command in a machine
//   spawn-monitor [OPTIONS] -- SPAWN-ARGV...               spawn: its lean monitor
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
// argv[0] of spawn's monitor (src/helper/monitor.cpp), a program of its own.
inline constexpr const char* kMonitorArgv0 = "spawn-monitor";

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

// What spawn becomes while its container runs (helper/monitor.cpp): the
// event loop (signals, console, notify relay) in a process that maps nothing
// but spawn-monitor's small static image, instead of spawn's 7 MB of libraries.
// When PID 1 ends it execs spawn again (spawn_fd, an O_PATH fd of spawn's own
// binary, with spawn's command line) to tear down from the record (the
// handoff: util/handoff.hpp) and to exit, or boot the guest again.
struct MonitorRequest {
    pid_t pid = 0;             // the container's PID 1 (the monitor's child)
    int pidfd = -1;
    int kill_signal = 0;       // what a stop request sends PID 1
    bool quiet = false;
    int console_mode = 0;      // ConsoleMode's value
    int pty = -1;              // the container's pty master, if it has one
    int relay = -1;            // the notify relay's socket (-b), or -1
    int spawn_fd = -1;         // spawn's own binary (O_PATH)
    int record_fd = -1;        // the handoff record, passed on to spawn
    std::string signals;       // what spawn handles from its signalfd (util/handoff.hpp format_sigset)
    std::string terminal;      // stdin's settings to restore (TerminalGuard::hand_off), "" if not raw
    std::vector<std::string> argv;  // spawn's command line, argv[0] included
};

std::vector<std::string> helper_args(const ExecRequest& r);
std::vector<std::string> helper_args(const EnterRequest& r);
std::vector<std::string> helper_args(const MonitorRequest& r);

// Parses argv (argv[0] included). nullopt when it is not such a request;
// *error says why.
std::optional<ExecRequest> parse_exec_request(const std::vector<std::string>& argv, std::string* error);
std::optional<EnterRequest> parse_enter_request(const std::vector<std::string>& argv, std::string* error);
std::optional<MonitorRequest> parse_monitor_request(const std::vector<std::string>& argv, std::string* error);

}  // namespace spawn::container
