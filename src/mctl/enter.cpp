// exec, shell, login. The D-Bus way first where machinectl has one
// (OpenMachineShell, OpenMachineLogin: they need systemd and dbus in the
// guest); otherwise, and always for exec, mctl enters the machine itself:
// the leader's cgroup, then its namespaces through a pidfd (setns), then a
// fork so the command runs as a process of the machine's PID namespace.
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "container/caps.hpp"
#include "container/seccomp.hpp"
#include "machined/procs.hpp"
#include "mctl.hpp"
#include "pty_forward.hpp"
#include "util/fd.hpp"
#include "util/fdio.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace spawn::mctl {
namespace {

struct Target {
    std::string name;
    pid_t leader = 0;
    UniqueFd pidfd;
    std::vector<std::string> procs_files;  // cgroup.procs of the leader's cgroups
    int ns_flags = 0;
    uint64_t bounding = 0;  // the leader's capability bounding set: what joiners may keep
};

Result<Target> open_target(machined::Machined& m, const std::string& name) {
    auto info = TRY(m.get(name));
    Target t;
    t.name = name;
    t.leader = static_cast<pid_t>(info.leader);
    if (!machined::leader_alive(t.leader, info.unit))
        return Error::msg("machine '{}' has no running leader (PID {} is gone)", name, info.leader);
    int fd = static_cast<int>(syscall(SYS_pidfd_open, t.leader, 0));
    if (fd < 0) return Error::errno_("opening the leader (PID {}) of machine '{}'", t.leader, name);
    t.pidfd.reset(fd);
    for (const auto& c : TRY(machined::cgroups_of(t.leader))) t.procs_files.push_back(c.mount + c.path + "/cgroup.procs");
    t.bounding = TRY(container::read_bounding_set(t.leader));
    static const struct { const char* ns; int flag; } kNs[] = {
        {"mnt", CLONE_NEWNS}, {"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC}, {"net", CLONE_NEWNET},
        {"pid", CLONE_NEWPID}, {"cgroup", CLONE_NEWCGROUP}, {"user", CLONE_NEWUSER}};
    for (const auto& n : kNs) {
        struct stat mine, theirs;
        std::string p = fmt::format("/proc/{}/ns/{}", t.leader, n.ns);
        if (stat(p.c_str(), &theirs) < 0) return Error::errno_("reading {}", p);
        if (stat((std::string("/proc/self/ns/") + n.ns).c_str(), &mine) == 0 && mine.st_ino == theirs.st_ino &&
            mine.st_dev == theirs.st_dev)
            continue;
        t.ns_flags |= n.flag;
    }
    // The pidfd pins the process we checked: if the PID was reused since, it no longer refers to it.
    if (syscall(SYS_pidfd_send_signal, t.pidfd.get(), 0, nullptr, 0) < 0)
        return Error::errno_("machine '{}': leader PID {} went away", name, t.leader);
    return t;
}

// What to run once inside.
struct Spec {
    std::vector<std::string> argv;  // empty: the user's shell (login shell)
    std::vector<std::string> login_candidates;  // login: the first that exists is run
    std::string user = "root";
    std::vector<std::string> env;   // extra VAR=VALUE
    bool pty = false;               // allocate a pty inside the machine, send its master back
};

struct Passwd {
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home = "/", shell = "/bin/sh";
    bool found = false;
};

// Reads the guest's /etc/passwd (we are in its mount namespace).
Passwd lookup_user(const std::string& user) {
    Passwd pw;
    std::ifstream in("/etc/passwd");
    std::string line;
    auto numeric = str::parse_uint(user);
    while (std::getline(in, line)) {
        auto f = str::split(line, ':');
        if (f.size() < 7) continue;
        bool match = f[0] == user || (numeric && f[2] == user);
        if (!match) continue;
        auto u = str::parse_uint(f[2]), g = str::parse_uint(f[3]);
        if (!u || !g) continue;
        pw.uid = static_cast<uid_t>(*u);
        pw.gid = static_cast<gid_t>(*g);
        pw.home = f[5].empty() ? "/" : f[5];
        pw.shell = f[6].empty() ? "/bin/sh" : f[6];
        pw.found = true;
        break;
    }
    if (!pw.found && user == "root") pw.found = true, pw.home = "/root";
    return pw;
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

int wait_status(pid_t pid) {
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return 1;
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return 1;
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

// The innermost process: becomes the command.
// Confined like the machine's own processes (bounding set and seccomp filter),
// so a command entered from the host gains nothing the guest does not have.
[[noreturn]] void exec_inside(const Spec& spec, int slave, uint64_t bounding) {
    if (slave >= 0) {
        setsid();
        if (ioctl(slave, TIOCSCTTY, 0) < 0) die("making the pty the controlling terminal", "", 126);
        dup2(slave, 0);
        dup2(slave, 1);
        dup2(slave, 2);
        if (slave > 2) close(slave);
    }
    for (int s : {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGCHLD, SIGWINCH}) signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);

    Passwd pw = lookup_user(spec.user);
    if (!pw.found) {
        errno = ENOENT;
        die("no such user in the machine:", spec.user, 126);
    }
    const char* term = getenv("TERM");
    std::string term_s = term ? term : "";
    clearenv();
    setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
    setenv("HOME", pw.home.c_str(), 1);
    setenv("SHELL", pw.shell.c_str(), 1);
    setenv("USER", spec.user.c_str(), 1);
    setenv("LOGNAME", spec.user.c_str(), 1);
    setenv("container", kContainerManager, 1);
    if (!term_s.empty()) setenv("TERM", term_s.c_str(), 1);
    else if (slave >= 0) setenv("TERM", "vt220", 1);
    for (const auto& e : spec.env) putenv(const_cast<char*>(e.c_str()));

    if (auto r = container::confine_like_machine(bounding, pw.uid); !r.ok()) {
        errno = r.error().code();
        die("confining the command to machine", spec.user, 126);
    }
    if (pw.uid != 0 || pw.gid != 0) {
        if (setgroups(0, nullptr) < 0 || setgid(pw.gid) < 0 || setuid(pw.uid) < 0) die("switching to user", spec.user, 126);
    }
    if (chdir(pw.home.c_str()) < 0) (void)chdir("/");

    if (!spec.login_candidates.empty()) {
        for (const auto& l : spec.login_candidates) {
            if (access(l.c_str(), X_OK) == 0) {
                execl(l.c_str(), l.c_str(), static_cast<char*>(nullptr));
                die("executing", l, 126);
            }
        }
        errno = ENOENT;
        die("no login program (/bin/login, /usr/bin/login, /sbin/login) in the machine", "", 127);
    }
    std::vector<std::string> argv = spec.argv;
    std::string argv0;
    if (argv.empty()) {
        argv = {pw.shell};
        argv0 = "-" + pw.shell.substr(pw.shell.rfind('/') + 1);  // login shell
    }
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    if (!argv0.empty()) a[0] = argv0.data();
    execvp(argv[0].c_str(), a.data());
    die("executing", argv[0], errno == ENOENT ? 127 : 126);
}

// Enters the machine and runs spec. With spec.pty the pty master comes back
// through the returned fd; the returned pid is the intermediate child whose
// exit status is the command's.
Result<pid_t> launch(const Target& t, const Spec& spec, UniqueFd* master, std::string* pty_path) {
    int sv[2] = {-1, -1};
    if (spec.pty && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return Error::errno_("socketpair");
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) return Error::errno_("fork");
    if (pid == 0) {
        if (spec.pty) close(sv[0]);
        std::string self = std::to_string(getpid());
        for (const auto& f : t.procs_files) {
            int fd = open(f.c_str(), O_WRONLY | O_CLOEXEC);
            if (fd < 0) continue;
            (void)!write(fd, self.data(), self.size());  // v2 EBUSY on an inner node: stay where we are
            close(fd);
        }
        if (t.ns_flags && setns(t.pidfd.get(), t.ns_flags) < 0) die("entering the namespaces of machine", t.name, 126);
        int slave = -1;
        if (spec.pty) {
            int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (m < 0) m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (m < 0) die("opening /dev/ptmx (or /dev/pts/ptmx) in machine", t.name, 126);
            if (grantpt(m) < 0 || unlockpt(m) < 0) die("unlocking a pty in machine", t.name, 126);
            char name[128];
            if (ptsname_r(m, name, sizeof name) != 0) die("naming the pty in machine", t.name, 126);
            slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (slave < 0) die("opening", name, 126);
            std::string msg = std::string("p") + name;
            // Send the master first (with the pty name), then run the program.
            if (send_with_fd(sv[1], msg.data(), msg.size(), m) < 0) die("passing the pty back", "", 126);
            close(m);
            close(sv[1]);
        }
        pid_t inner = fork();
        if (inner < 0) die("fork", "", 126);
        if (inner == 0) {
            if (slave >= 0) {
                int s2 = fcntl(slave, F_DUPFD, 3);  // without CLOEXEC: becomes stdio
                exec_inside(spec, s2, t.bounding);
            }
            exec_inside(spec, -1, t.bounding);
        }
        if (slave >= 0) close(slave);
        install_forwarding(inner);
        _exit(wait_status(inner));
    }
    if (spec.pty) {
        close(sv[1]);
        UniqueFd sock(sv[0]);
        int fd = recv_fd(sock.get(), *pty_path);
        if (fd < 0) {
            // The child has said why on stderr already; only the status is left.
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
    spec.argv.assign(args.begin() + 1, args.end());
    spec.env = o.setenv;
    if (!o.uid.empty()) spec.user = o.uid;
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
    spec.argv = cmd;
    spec.user = user;
    spec.env = o.setenv;
    spec.pty = isatty(STDIN_FILENO);
    return run_direct(*t, spec);
}

int verb_login(const Options& o, const std::vector<std::string>& args) {
    std::string name = args.empty() ? ".host" : args[0];
    auto m = connect();
    if (!m) return fail(m.error());
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
    spec.login_candidates = {"/bin/login", "/usr/bin/login", "/sbin/login", "/usr/sbin/login"};
    spec.pty = true;
    return run_direct(*t, spec);
}

}  // namespace spawn::mctl
