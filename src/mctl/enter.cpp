// exec, shell, login. The D-Bus way first where machinectl has one
// (OpenMachineShell, OpenMachineLogin: they need systemd and dbus in the
// guest); otherwise, and always for exec, mctl enters the machine itself: a
// forked child joins the leader's cgroup and namespaces (setns through a
// pidfd), drops to the machine's bounding set and seccomp filter with only
// stdio left, and execs the sealed helper (container/sealed_helper.hpp),
// which forks the command into the machine's PID namespace. The machine
// never sees mctl's own image or a process with more than it has itself.
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "container/caps.hpp"
#include "container/confinement.hpp"
#include "container/helper_protocol.hpp"
#include "container/sealed_helper.hpp"
#include "container/seccomp.hpp"
#include "machined/machine_state.hpp"
#include "machined/procs.hpp"
#include "mctl.hpp"
#include "pty_forward.hpp"
#include "util/fd.hpp"
#include "util/fdio.hpp"
#include "util/log.hpp"
#include "util/nsfs.hpp"
#include "util/strings.hpp"

namespace spawn::mctl {
namespace {

struct Target {
    std::string name;
    pid_t leader = 0;
    UniqueFd pidfd;                        // the leader, pinned (machined/ghost.hpp)
    std::vector<std::string> procs_files;  // cgroup.procs of the leader's cgroups
    int ns_flags = 0;
    uint64_t bounding = 0;           // what joiners may keep: the machine's bounding set
    SyscallFilter syscall_filter;    // the machine's --system-call-filter lists
};

Result<Target> open_target(machined::Machined& m, const std::string& name) {
    auto live = TRY(live_machine(m, name));
    if (!live.leader) return Error::msg("{}: not a machine to enter directly", name);
    Target t;
    t.name = name;
    t.leader = live.leader->pid();
    t.pidfd.reset(fcntl(live.leader->fd(), F_DUPFD_CLOEXEC, 3));
    if (!t.pidfd) return Error::errno_("duplicating the pidfd of machine '{}'", name);
    for (const auto& c : TRY(machined::cgroups_of(t.leader))) t.procs_files.push_back(c.mount + c.path + "/cgroup.procs");
    // The machine's own confinement, from the state file spawn wrote before
    // registering it: right after registration the leader has not dropped its
    // capabilities yet, so its CapBnd alone could be the host's. The leader's
    // counts too (container root may have lowered it since).
    const auto state = TRY(machined::read_machine_state(name));
    t.bounding = TRY(container::read_bounding_set(t.leader)) & state.bounding_set.value_or(~uint64_t{0});
    t.syscall_filter = state.syscall_filter;
    t.ns_flags = TRY(namespaces_to_join(t.leader));
    // What was read above through /proc/PID was the pinned process's only if it still runs.
    if (!live.leader->alive()) return Error(ESRCH, fmt::format("Machine '{}' is not running: its leader (PID {}) went away", name, t.leader));
    return t;
}

std::string getenv_or_empty(const char* name) {
    const char* v = getenv(name);
    return v ? v : "";
}

// What to run once inside (the helper's request) and whether on a new pty.
struct Spec {
    container::EnterRequest request;
    bool pty = false;
};

int wait_status(pid_t pid) {
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return 1;
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return 1;
}

pid_t g_forward_to = -1;
void forward_signal(int sig) {
    if (g_forward_to > 0) ::kill(g_forward_to, sig);
}

void install_forwarding(pid_t to) {
    g_forward_to = to;
    struct sigaction sa = {};
    sa.sa_handler = forward_signal;
    for (int s : {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2}) sigaction(s, &sa, nullptr);
}

[[noreturn]] void die(const char* what, const std::string& arg, int code) {
    int err = errno;
    std::fprintf(stderr, "mctl: %s%s%s: %s\n", what, arg.empty() ? "" : " ", arg.c_str(), std::strerror(err));
    _exit(code);
}

int recv_fd(int sock, std::string& path) {
    char data[256];
    struct iovec iov = {data, sizeof data - 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof u.buf;
    ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n <= 0) return -1;
    int fd = received_fd(&msg);
    if (fd < 0) return -1;
    path.assign(data + 1, static_cast<size_t>(n - 1));
    return fd;
}

// Descriptors the helper gets: 3 = its own sealed image (close-on-exec),
// 4 = the pty socket when there is one. Nothing else of ours survives.
constexpr int kHelperFd = 3, kPtySocketFd = 4;

// In the forked child, still in the host's PID namespace (invisible to the
// machine): joins the machine, gives up everything the machine does not
// have, then execs the sealed helper, which forks the command into the
// machine's PID namespace. Only from that fork on can the machine see a
// process of ours, and it sees the helper: a sealed static image, the
// machine's bounding set and seccomp filter, non-dumpable, stdio only.
[[noreturn]] void enter_machine(const Target& t, const container::MachineConfinement& confinement, int helper,
                                int pty_socket, const std::vector<std::string>& args) {
    std::string self = std::to_string(getpid());
    for (const auto& f : t.procs_files) {
        int fd = open(f.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) continue;
        (void)!write(fd, self.data(), self.size());  // v2 EBUSY on an inner node: stay where we are
        close(fd);
    }
    if (t.ns_flags && setns(t.pidfd.get(), t.ns_flags) < 0) die("entering the namespaces of machine", t.name, 126);
    // In the machine's user namespace host root is nobody: become its root
    // (the host UID its range maps 0 to), as its own processes are.
    if ((t.ns_flags & CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setgroups(0, nullptr) < 0 || setresuid(0, 0, 0) < 0))
        die("becoming root of the user namespace of machine", t.name, 126);
    prctl(PR_SET_DUMPABLE, 0);
    // The caller's descriptors (a host file on fd 9, the bus connection, the
    // leader's pidfd) must not reach the machine: keep stdio and ours only.
    int h = fcntl(helper, F_DUPFD_CLOEXEC, 10);
    int s = pty_socket >= 0 ? fcntl(pty_socket, F_DUPFD_CLOEXEC, 10) : -1;
    if (h < 0 || dup3(h, kHelperFd, O_CLOEXEC) < 0) die("passing the helper", "", 126);
    if (s >= 0 && dup2(s, kPtySocketFd) < 0) die("passing the pty socket", "", 126);
    close_range(s >= 0 ? kPtySocketFd + 1 : kHelperFd + 1, ~0U, 0);
    if (auto r = container::confine_like_machine(confinement, 0); !r.ok()) {
        errno = r.error().code();
        die("confining the command to machine", t.name, 126);
    }
    char* const no_env[] = {nullptr};
    container::exec_sealed_helper(kHelperFd, args, no_env);
    die("executing mctl's sealed helper for machine", t.name, 126);
}

// Enters the machine and runs spec. With spec.pty the pty master comes back
// through *master; the returned pid is the helper, whose exit status is the
// command's.
Result<pid_t> launch(const Target& t, const Spec& spec, UniqueFd* master, std::string* pty_path) {
    auto helper = TRY(container::open_sealed_helper());
    // Here, in the host's namespaces: the filter's cache is the host's.
    const auto confinement = TRY(container::prepare_confinement(t.bounding, t.syscall_filter));
    int sv[2] = {-1, -1};
    if (spec.pty && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return Error::errno_("socketpair");
    UniqueFd ours(sv[0]), theirs(sv[1]);
    container::EnterRequest request = spec.request;
    request.pty_socket = spec.pty ? kPtySocketFd : -1;
    const std::vector<std::string> args = container::helper_args(request);
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) return Error::errno_("fork");
    if (pid == 0) enter_machine(t, confinement, helper.get(), theirs.get(), args);
    theirs.reset();
    if (spec.pty) {
        int fd = recv_fd(ours.get(), *pty_path);
        if (fd < 0) {
            // The helper has said why on stderr already; only the status is left.
            return Error(wait_status(pid), "");
        }
        master->reset(fd);
    }
    return pid;
}

int run_direct(const Target& t, const Spec& spec) {
    UniqueFd master;
    std::string path;
    auto pid = launch(t, spec, &master, &path);
    if (!pid) {
        if (pid.error().message().empty()) return pid.error().code() ? pid.error().code() : 1;
        return fail(pid.error());
    }
    if (!spec.pty) {
        install_forwarding(*pid);
        return wait_status(*pid);
    }
    int st = 0;
    auto end = forward_pty(master.get(), t.name, *pid, &st);
    if (!end) return fail(end.error());
    if (*end == ForwardEnd::Escape) return 0;  // the user left; the session was hung up
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

}  // namespace

int verb_exec(const Options& o, const std::vector<std::string>& args) {
    auto m = connect();
    if (!m) return fail(m.error());
    auto t = open_target(*m, args[0]);
    if (!t) return fail(t.error());
    Spec spec;
    spec.request.argv.assign(args.begin() + 1, args.end());
    spec.request.env = o.setenv;
    spec.request.term = getenv_or_empty("TERM");
    if (!o.uid.empty()) spec.request.user = o.uid;
    return run_direct(*t, spec);
}

int verb_shell(const Options& o, const std::vector<std::string>& args) {
    std::string target = args.empty() ? ".host" : args[0];
    std::string user = o.uid;
    auto at = target.find('@');
    if (at != std::string::npos) {
        if (!user.empty() && at > 0) {
            log::error("shell: user given twice (--uid= and USER@)");
            return 1;
        }
        if (at > 0) user = target.substr(0, at);
        target = target.substr(at + 1);
    }
    if (target.empty()) target = ".host";
    if (user.empty()) user = "root";
    std::vector<std::string> cmd;
    if (args.size() > 1) cmd.assign(args.begin() + 1, args.end());
    auto m = connect();
    if (!m) return fail(m.error());

    std::vector<std::string> env = o.setenv;
    if (const char* term = getenv("TERM")) env.push_back(std::string("TERM=") + term);
    std::string path = cmd.empty() ? "" : cmd[0];
    if (!path.empty() && path[0] != '/') {
        log::error("shell: command \"{}\" must be an absolute path (as with machinectl)", path);
        return 1;
    }
    // machined opens the shell in the namespaces of whatever has the leader's PID: not for a ghost.
    if (auto live = live_machine(*m, target); !live && live.error().code() == ESRCH) return fail(live.error());
    auto pty = m->open_shell(target, user, path, cmd, env);
    if (pty) {
        auto end = forward_pty(pty->master.get(), target, -1, nullptr, PtyPeer::Program);
        if (!end) return fail(end.error());
        return 0;
    }
    if (pty.error().code() == machined::kNoSuchMachine || target == ".host") return fail(pty.error());
    auto t = open_target(*m, target);
    if (!t) return fail(t.error());
    if (!o.quiet)
        log::warn("OpenMachineShell failed ({}); entering machine '{}' directly", pty.error().message(), target);
    Spec spec;
    spec.request.argv = cmd;
    spec.request.user = user;
    spec.request.env = o.setenv;
    spec.request.term = getenv_or_empty("TERM");
    spec.pty = isatty(STDIN_FILENO);
    return run_direct(*t, spec);
}

int verb_login(const Options& o, const std::vector<std::string>& args) {
    std::string name = args.empty() ? ".host" : args[0];
    auto m = connect();
    if (!m) return fail(m.error());
    if (auto live = live_machine(*m, name); !live && live.error().code() == ESRCH) return fail(live.error());
    auto pty = m->open_login(name);
    if (pty) {
        auto end = forward_pty(pty->master.get(), name);
        if (!end) return fail(end.error());
        return 0;
    }
    if (pty.error().code() == machined::kNoSuchMachine || name == ".host") return fail(pty.error());
    auto t = open_target(*m, name);
    if (!t) return fail(t.error());
    if (!o.quiet)
        log::warn("OpenMachineLogin failed ({}); starting the guest's login on a new pty in machine '{}' instead",
                  pty.error().message(), name);
    Spec spec;
    spec.request.login = {"/bin/login", "/usr/bin/login", "/sbin/login", "/usr/sbin/login"};
    spec.request.term = getenv_or_empty("TERM");
    spec.pty = true;
    return run_direct(*t, spec);
}

}  // namespace spawn::mctl
