// create and run: the container's configuration from its bundle (spawn's own
// option parser, --oci-bundle, as `spawn --oci-bundle` reads it), its state
// directory, and the supervisor (supervisor.hpp), forked and waited for until
// the container is created or its start failed.
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <map>

#include "config/finalize.hpp"
#include "config/options.hpp"
#include "config/settings_load.hpp"
#include "oci/spec.hpp"
#include "spawn-oci/foreground.hpp"
#include "spawn-oci/runtime.hpp"
#include "spawn-oci/supervisor.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace spawn::oci_runtime {
namespace {

// The annotation that registers the container with systemd-machined
// ("yes", "no", "auto"; spawn's --register), so `mctl list` shows it.
constexpr const char* kRegisterAnnotation = "spawn.register";

struct CreateRequest {
    std::string id, bundle, pid_file, console_socket;
    bool detach = false;  // run --detach
};

Result<CreateRequest> create_request(const char* command, const Args& args) {
    auto p = TRY(parse_args(command, args,
                            {{"bundle", 'b', true}, {"pid-file", 0, true}, {"console-socket", 0, true},
                             {"no-pivot", 0, false}, {"no-new-keyring", 0, false}, {"preserve-fds", 0, true},
                             {"detach", 'd', false}, {"keep", 0, false}}));
    CreateRequest r;
    r.id = TRY(one_id(command, p));
    if (auto b = p.get("bundle")) r.bundle = *b;
    if (auto f = p.get("pid-file")) r.pid_file = *f;
    if (auto c = p.get("console-socket")) r.console_socket = *c;
    r.detach = p.has("detach");
    if (auto n = p.get("preserve-fds"); n && *n != "0")
        return Error::msg("{}: --preserve-fds: passing descriptors is not supported yet", command);
    char cwd[4096];
    if (r.bundle.empty() && !getcwd(cwd, sizeof cwd)) return Error::errno_("{}: the current directory", command);
    if (r.bundle.empty()) r.bundle = cwd;
    if (!r.bundle.starts_with('/')) {
        if (!getcwd(cwd, sizeof cwd)) return Error::errno_("{}: the current directory", command);
        r.bundle = path_simplify(std::string(cwd) + "/" + r.bundle);
    }
    return r;
}

// bundle_config() with create's console: a pty for process.terminal, its
// master for the engine (spawn's console would follow spawn's own terminal,
// which a runtime does not have).
Result<Config> create_config(const CreateRequest& r, const oci::Spec& spec) {
    Config cfg = TRY(bundle_config(r.bundle, spec, r.id, true));
    if (!cfg.console) {
        if (r.console_socket.empty()) return Error::msg("process.terminal is true: --console-socket is required");
        cfg.console = ConsoleMode::Passive;
    } else if (!r.console_socket.empty()) {
        return Error::msg("--console-socket is for process.terminal, which is false");
    }
    TRY(resolve_names(cfg));
    TRY(finalize_config(cfg));
    return cfg;
}

std::string now_rfc3339() {
    std::time_t t = std::time(nullptr);
    struct tm tm {};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// The supervisor's life: its lock, spawn's start with it as the driver.
[[noreturn]] void run_supervisor(const Config& cfg, const StateDir& dir, oci::RuntimeState state,
                                 const std::string& console_socket, int report_fd, const sigset_t& mask) {
    setsid();
    sigprocmask(SIG_SETMASK, &mask, nullptr);  // the caller's, for the payload (run blocks what it forwards)
    UniqueFd lock(::open(dir.file("supervisor.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!lock || flock(lock.get(), LOCK_EX) < 0) {
        log::error("{}", Error::errno_("locking {}", dir.file("supervisor.lock")).message());
        _exit(1);
    }
    SupervisorSetup setup{&dir, std::move(state), console_socket, report_fd};
    setup.state.supervisor = getpid();
    int rc = run_container(cfg, [&setup](Started& s) { return supervise(s, setup); });
    _exit(rc);
}

struct Created {
    pid_t init = 0;
    pid_t supervisor = 0;
};

// Forks the supervisor and waits until the container is created (its init's
// PID on the report pipe) or the supervisor exited (it said why).
Result<Created> create_container(const Globals& g, const CreateRequest& r, const sigset_t& mask, bool& reported) {
    const oci::Spec spec = TRY(read_oci_spec(r.bundle));
    Config cfg = TRY(create_config(r, spec));
    auto dir = TRY(StateDir::create(g.root, r.id));
    oci::RuntimeState state;
    state.id = r.id;
    state.bundle = r.bundle;
    state.rootfs = cfg.directory;
    state.created = now_rfc3339();
    state.annotations = cfg.oci_annotations;
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
        dir.remove();
        return Error::errno_("pipe");
    }
    UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
    pid_t supervisor = fork();
    if (supervisor < 0) {
        dir.remove();
        return Error::errno_("forking the supervisor");
    }
    if (supervisor == 0) {
        read_end.reset();
        run_supervisor(cfg, dir, std::move(state), r.console_socket, write_end.release(), mask);
    }
    write_end.reset();
    // One line, not EOF: the init holds a copy of the write end until its exec.
    std::string report;
    char c;
    ssize_t n;
    while (report.size() < 32 && ((n = read(read_end.get(), &c, 1)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0 && (report += c, c == '\n')) break;
    long pid = report.ends_with('\n') ? std::strtol(report.c_str(), nullptr, 10) : 0;
    if (pid <= 0) {
        int status = 0;
        while (waitpid(supervisor, &status, 0) < 0 && errno == EINTR) {
        }
        dir.remove();
        reported = true;  // the supervisor said why
        return Error::msg("creating container {} failed", r.id);
    }
    if (!r.pid_file.empty()) TRY(write_pid_file(r.pid_file, static_cast<pid_t>(pid)));
    return Created{static_cast<pid_t>(pid), supervisor};
}

}  // namespace

Result<Config> bundle_config(const std::string& bundle, const oci::Spec& spec, const std::string& id, bool warnings) {
    std::vector<std::string> argv = {"spawn-oci", "--quiet", "--oci-bundle=" + bundle, "--machine=" + id,
                                     "--register=no", "--settings=no"};
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    Config cfg = TRY(parse_spawn_options(static_cast<int>(argv.size()), cargv.data()));
    cfg.detached = true;
    TRY(apply_oci_spec(cfg, spec, warnings));
    if (auto a = spec.annotations.find(kRegisterAnnotation); a != spec.annotations.end())
        TRY_CTX(apply_long_option(cfg, "register", a->second), fmt::format("annotations.{}", kRegisterAnnotation));
    return cfg;
}

Result<void> start_container(const Globals& g, const std::string& id);  // control.cpp
Result<void> delete_container(const Globals& g, const std::string& id, bool force);  // control.cpp

int cmd_create(const Globals& g, const Args& args) {
    auto r = create_request("create", args);
    if (!r.ok()) return exit_status(std::move(r).error());
    bool reported = false;
    sigset_t mask;
    sigprocmask(SIG_SETMASK, nullptr, &mask);
    auto c = create_container(g, *r, mask, reported);
    if (!c.ok() && reported) return 1;
    return exit_status(c.ok() ? ok() : Result<void>(std::move(c).error()));
}

// create, start, and (without --detach) wait for the init, forwarding
// signals to it, and delete: the init's exit status (128+N for signal N).
int cmd_run(const Globals& g, const Args& args) {
    auto r = create_request("run", args);
    if (!r.ok()) return exit_status(std::move(r).error());
    const bool detach = r->detach;
    const sigset_t forwarded = forwarded_signals();
    sigset_t mask;
    sigprocmask(SIG_BLOCK, detach ? nullptr : &forwarded, &mask);
    bool reported = false;
    auto c = create_container(g, *r, mask, reported);
    if (!c.ok()) return reported ? 1 : exit_status(std::move(c).error());
    if (auto s = start_container(g, r->id); !s.ok()) {
        (void)delete_container(g, r->id, true);
        return exit_status(s);
    }
    if (detach) return 0;
    auto exit = wait_forwarding(c->init);  // the init is ours (CLONE_PARENT)
    while (waitpid(c->supervisor, nullptr, 0) < 0 && errno == EINTR) {
    }
    (void)delete_container(g, r->id, true);
    return exit.ok() ? *exit : exit_status(std::move(exit).error());
}

}  // namespace spawn::oci_runtime
