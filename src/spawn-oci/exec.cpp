// exec: another process in a running container, as runc's. spawn-oci exec
// (X) forks E, which joins the init's cgroups and (through its pidfd) its
// namespaces and clones F into them as X's child (CLONE_PARENT: with
// --detach, X exits and the engine's subreaper inherits F, as with runc). F
// takes the container's confinement (its seccomp filter, the process's user
// and capability sets within the container's bounding set, no_new_privs) and
// execs the sealed helper (container/sealed_helper.hpp), which execs the
// command: no process of spawn-oci's own image ever runs where the
// container's root could write or trace it (the runc CVE-2019-5736 class).
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "container/caps.hpp"
#include "container/payload.hpp"
#include "container/helper_protocol.hpp"
#include "container/process.hpp"
#include "container/sealed_helper.hpp"
#include "container/seccomp.hpp"
#include "container/seccomp_cache.hpp"
#include "container/seccomp_plan.hpp"
#include "container/sync.hpp"
#include "machined/procs.hpp"
#include "config/settings_load.hpp"
#include "oci/spec.hpp"
#include "spawn-oci/foreground.hpp"
#include "spawn-oci/runtime.hpp"
#include "spawn-oci/state_dir.hpp"
#include "spawn-oci/unix_socket.hpp"
#include "util/fdio.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/nsfs.hpp"

namespace spawn::oci_runtime {
namespace {

struct ExecPlan {
    oci::Process process;
    uint64_t bounding = 0;                          // the container's
    std::optional<CapabilitySets> capabilities;      // the process's, else the container's
    container::CompiledSeccomp seccomp;
    std::vector<std::string> cgroup_procs;           // the init's cgroups
    int ns_flags = 0;                                // the init's namespaces that are not ours
    UniqueFd console;                                // connected to --console-socket (terminal)
};

// --process FILE, or the container's process (config.json's) with the
// command line's arguments, environment, directory and user, as runc's.
Result<oci::Process> process_from(const ParsedArgs& p, const oci::Spec& spec) {
    if (auto file = p.get("process")) {
        auto text = TRY(read_file(*file));
        return oci::parse_process_json(text);
    }
    oci::Process proc = *spec.process;  // (bundle_config() refuses a spec without one)
    proc.args.assign(p.positional.begin() + 1, p.positional.end());
    if (proc.args.empty()) return Error::msg("exec: no command given (ARGS... or --process FILE)");
    proc.terminal = p.has("tty");
    for (const auto& [name, value] : p.options) {
        if (name == "env") proc.env.push_back(value);
        if (name == "cwd") proc.cwd = value;
        if (name == "user") {
            char* end = nullptr;
            proc.user.uid = static_cast<uint32_t>(std::strtoul(value.c_str(), &end, 10));
            if (end == value.c_str() || (*end && *end != ':')) return Error::msg("exec: --user {}: expected UID[:GID]", value);
            proc.user.gid = *end == ':' ? static_cast<uint32_t>(std::strtoul(end + 1, nullptr, 10)) : 0;
        }
    }
    return proc;
}

Result<ExecPlan> plan_exec(const ParsedArgs& p, const oci::RuntimeState& state, const Pinned& init) {
    ExecPlan x;
    // The container's confinement, from its bundle as create read it.
    const oci::Spec spec = TRY(read_oci_spec(state.bundle));
    Config cfg = TRY(bundle_config(state.bundle, spec, state.id, false));
    x.process = TRY(process_from(p, spec));
    if (x.process.terminal) {
        auto socket = p.get("console-socket");
        if (!socket) return Error::msg("exec: process.terminal is true: --console-socket is required");
        x.console = TRY(connect_unix(*socket, SOCK_STREAM, "--console-socket"));
    }
    x.bounding = container::plan_capabilities(cfg);
    if (const auto& c = x.process.capabilities)
        x.capabilities = CapabilitySets{c->bounding, c->effective, c->permitted, c->inheritable, c->ambient};
    else
        x.capabilities = cfg.capability_sets;
    x.seccomp = cfg.seccomp_profile
                    ? TRY(container::compile_seccomp_profile(*cfg.seccomp_profile))
                    : TRY(container::compile_seccomp_cached(
                          container::plan_seccomp(x.bounding, cfg.syscall_filter, cfg.suppress_sync)));
    for (const auto& c : TRY(machined::cgroups_of(init.pid())))
        x.cgroup_procs.push_back(c.mount + c.path + "/cgroup.procs");
    x.ns_flags = TRY(namespaces_to_join(init.pid()));
    return x;
}

// F, in the container's namespaces: its terminal, limits, confinement, then
// the sealed helper. Errors go to the sync socket.
int run_process(const ExecPlan& x, int helper_fd, container::SyncChannel& child_end) noexcept {
    auto fail = [&](const Error& e) {
        child_end.send_error(e);
        return 1;
    };
    const auto& proc = x.process;
    if (proc.terminal) {
        UniqueFd master(::open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
        if (!master) return fail(Error::errno_("opening the container's /dev/pts/ptmx"));
        int unlock = 0;
        if (ioctl(master.get(), TIOCSPTLCK, &unlock) < 0) return fail(Error::errno_("unlocking the pty"));
        UniqueFd slave(ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
        if (!slave) return fail(Error::errno_("opening the pty's peer"));
        if (auto sent = send_console(x.console.get(), master.get()); !sent.ok()) return fail(sent.error());
        for (int fd = 0; fd < 3; ++fd)
            if (dup2(slave.get(), fd) < 0) return fail(Error::errno_("dup2 of the pty"));
    }
    for (const auto& r : proc.rlimits)  // as the container's init got them
        if (auto l = container::set_rlimit_closest(r.resource, ResourceLimit{r.soft, r.hard}); !l.ok())
            return fail(l.error());
    auto secured = container::load_seccomp(x.seccomp);
    const UserIds ids{proc.user.uid, proc.user.gid, proc.user.additional_gids, proc.user.umask};
    if (secured.ok()) secured = container::become_user_keeping_capabilities(ids);
    if (secured.ok())
        secured = container::apply_capabilities(x.bounding, ids.uid, x.capabilities ? &*x.capabilities : nullptr);
    if (secured.ok() && x.capabilities) secured = container::raise_ambient_capabilities(x.capabilities->ambient);
    if (secured.ok() && proc.no_new_privileges) secured = container::set_no_new_privileges();
    if (!secured.ok()) return fail(secured.error());
    container::ExecRequest req;
    req.new_session = proc.terminal;
    req.ctty = proc.terminal;
    req.chdir = proc.cwd.empty() ? "/" : proc.cwd;
    req.chdir_required = true;
    req.argv = proc.args;
    req.sync_fd = child_end.fd();
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (fcntl(req.sync_fd, F_SETFD, 0) < 0) return fail(Error::errno_("passing the sync socket to the helper"));
    umask(proc.user.umask ? *proc.user.umask : 0022);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> envp;
    for (const auto& e : proc.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    container::exec_sealed_helper(helper_fd, container::helper_args(req), envp.data());
    return fail(Error::errno_("executing spawn's sealed helper"));
}

// E: into the container's cgroups and namespaces; F cloned there as X's
// child; F's PID on the report pipe.
[[noreturn]] void enter(const ExecPlan& x, const Pinned& init, int helper_fd, container::SyncChannel& child_end,
                        int report_fd) noexcept {
    prctl(PR_SET_DUMPABLE, 0);
    auto fail = [&](const Error& e) {
        child_end.send_error(e);
        _exit(1);
    };
    const std::string self = std::to_string(getpid());
    for (const auto& procs : x.cgroup_procs)
        if (auto w = write_file(procs, self); !w.ok()) fail(std::move(w).error().context("joining the container's cgroup"));
    if (x.ns_flags && setns(init.fd(), x.ns_flags) < 0) fail(Error::errno_("joining the container's namespaces"));
    auto f = container::ChildProcess::clone(CLONE_PARENT, -1, [&]() { return run_process(x, helper_fd, child_end); });
    if (!f.ok()) fail(f.error());
    const std::string report = std::to_string(f->pid()) + "\n";
    _exit(write_all(report_fd, report.data(), report.size()) ? 0 : 1);  // F is X's: no destructor may kill it
}

}  // namespace

int cmd_exec(const Globals& g, const Args& args) {
    const sigset_t forwarded = forwarded_signals();
    auto r = [&]() -> Result<int> {
        auto p = TRY(parse_args("exec", args,
                                {{"process", 'p', true}, {"console-socket", 0, true}, {"tty", 't', false},
                                 {"detach", 'd', false}, {"pid-file", 0, true}, {"cwd", 0, true},
                                 {"env", 'e', true}, {"user", 'u', true}, {"no-new-privs", 0, false},
                                 {"preserve-fds", 0, true}, {"ignore-paused", 0, false}}));
        if (p.positional.empty()) return Error::msg("exec: expected a container ID");
        if (auto n = p.get("preserve-fds"); n && *n != "0")
            return Error::msg("exec: --preserve-fds: passing descriptors is not supported yet");
        const std::string id = p.positional[0];
        auto dir = TRY(StateDir::open(g.root, id));
        auto state = TRY(dir.read());
        auto init = state ? Pinned::pin(state->pid, state->pid_start) : std::nullopt;
        if (!init) return Error::msg("cannot exec in container {}: it is not running", id);
        auto x = TRY(plan_exec(p, *state, *init));
        if (p.has("no-new-privs")) x.process.no_new_privileges = true;
        auto helper = TRY(container::open_sealed_helper());
        auto [parent_end, child_end] = TRY(container::SyncChannel::make_pair());
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0) return Error::errno_("pipe");
        UniqueFd report_read(fds[0]), report_write(fds[1]);
        const bool detach = p.has("detach");
        if (!detach) sigprocmask(SIG_BLOCK, &forwarded, nullptr);
        pid_t e = fork();
        if (e < 0) return Error::errno_("fork");
        if (e == 0) {
            if (!detach) sigprocmask(SIG_UNBLOCK, &forwarded, nullptr);
            parent_end.close();
            report_read.reset();
            enter(x, *init, helper.get(), child_end, report_write.get());
        }
        child_end.close();
        report_write.reset();
        int status = 0;
        while (waitpid(e, &status, 0) < 0 && errno == EINTR) {
        }
        auto report = read_fd(report_read.get(), "the process's PID", 32);
        const pid_t pid = report.ok() ? static_cast<pid_t>(std::strtol(report->c_str(), nullptr, 10)) : 0;
        // EOF: the command was executed; an error frame: why not.
        if (auto executed = parent_end.wait_closed(); !executed.ok() || pid <= 0) {
            if (pid > 0) waitpid(pid, &status, 0);
            return executed.ok() ? Error::msg("exec: entering container {} failed", id) : std::move(executed).error();
        }
        if (auto f = p.get("pid-file")) TRY(write_pid_file(*f, pid));
        if (detach) return 0;
        return wait_forwarding(pid);
    }();
    if (!r.ok()) {
        log::error("{}", r.error().message());
        return 1;
    }
    return *r;
}

}  // namespace spawn::oci_runtime
