// spawn-helper enter: runs a command in a machine for mctl (exec, and shell
// and login when the guest has no D-Bus). mctl has put this process in the
// machine's cgroup and namespaces, confined it like the machine (bounding
// set, seccomp filter) and closed every descriptor but stdio and the pty
// socket before exec'ing us; here we allocate the pty inside the machine if
// asked, fork the command into the machine's PID namespace, forward signals
// to it and exit with its status.
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "config/config.hpp"
#include "container/guest_user.hpp"
#include "helper.hpp"
#include "util/fdio.hpp"
#include "util/strings.hpp"

namespace spawn::helper {
namespace {

using container::EnterRequest;

[[noreturn]] void die(const std::string& what, int code) {
    std::fprintf(stderr, "mctl: %s: %s\n", what.c_str(), std::strerror(errno));
    _exit(code);
}

// The contents of a file of the machine ("" when it cannot be read).
std::string read_file(const char* path) {
    std::string out;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) out.append(buf, static_cast<size_t>(n));
    close(fd);
    return out;
}

// A pty of the machine's devpts instance: the master goes back to mctl
// (which forwards it to the user's terminal), the slave is returned.
int open_pty(int sock) {
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) die("opening /dev/ptmx (or /dev/pts/ptmx) in the machine", 126);
    if (grantpt(m) < 0 || unlockpt(m) < 0) die("unlocking a pty in the machine", 126);
    char name[128];
    if (ptsname_r(m, name, sizeof name) != 0) die("naming the pty in the machine", 126);
    int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) die(std::string("opening ") + name, 126);
    std::string msg = std::string("p") + name;
    if (send_with_fd(sock, msg.data(), msg.size(), m) < 0) die("passing the pty back", 126);
    close(m);
    close(sock);
    return slave;
}

// The command's process, inside the machine's PID namespace.
[[noreturn]] void become_command(const EnterRequest& r, int slave) {
    if (slave >= 0) {
        setsid();
        if (ioctl(slave, TIOCSCTTY, 0) < 0) die("making the pty the controlling terminal", 126);
        for (int fd = 0; fd < 3; ++fd) dup2(slave, fd);
        if (slave > 2) close(slave);
    }
    for (int s : {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGCHLD, SIGWINCH}) signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);

    auto pw = container::find_passwd(read_file("/etc/passwd"), r.user);
    if (!pw && r.user == "root") pw = container::PasswdEntry{"root", 0, 0, "/root", "/bin/sh"};
    if (!pw) {
        errno = ENOENT;
        die("no such user in the machine: " + r.user, 126);
    }
    if (pw->home.empty()) pw->home = "/";
    if (pw->shell.empty()) pw->shell = "/bin/sh";
    clearenv();
    setenv("PATH", container::kDefaultPath, 1);
    setenv("HOME", pw->home.c_str(), 1);
    setenv("SHELL", pw->shell.c_str(), 1);
    setenv("USER", pw->name.c_str(), 1);
    setenv("LOGNAME", pw->name.c_str(), 1);
    setenv("container", kContainerManager, 1);
    if (!r.term.empty()) setenv("TERM", r.term.c_str(), 1);
    else if (slave >= 0) setenv("TERM", "vt220", 1);
    for (const auto& e : r.env) putenv(const_cast<char*>(e.c_str()));

    if (pw->uid != 0 || pw->gid != 0) {
        auto groups = container::supplementary_groups(read_file("/etc/group"), pw->name, pw->gid);
        if (setgroups(groups.size(), groups.data()) < 0 || setgid(pw->gid) < 0 || setuid(pw->uid) < 0)
            die("switching to user " + r.user, 126);
    }
    if (chdir(pw->home.c_str()) < 0) (void)!chdir("/");

    if (!r.login.empty()) {
        for (const auto& l : r.login) {
            if (access(l.c_str(), X_OK) == 0) {
                execl(l.c_str(), l.c_str(), static_cast<char*>(nullptr));
                die("executing " + l, 126);
            }
        }
        errno = ENOENT;
        die("no login program (" + str::join(r.login, ", ") + ") in the machine", 127);
    }
    std::vector<std::string> argv = r.argv;
    std::string argv0;
    if (argv.empty()) {
        argv = {pw->shell};
        argv0 = "-" + pw->shell.substr(pw->shell.rfind('/') + 1);  // login shell
    }
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    if (!argv0.empty()) a[0] = argv0.data();
    execvp(argv[0].c_str(), a.data());
    die("executing " + argv[0], errno == ENOENT ? 127 : 126);
}

// The signals the helper passes on to the command.
constexpr int kForwarded[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2};

pid_t g_command = -1;
void forward_signal(int sig) {
    if (g_command > 0) ::kill(g_command, sig);
}

}  // namespace

void run_enter(const EnterRequest& r) {
    // What we forward stays blocked until the command exists and our handlers
    // are in place: a signal mctl passes on meanwhile (the user's SIGHUP when
    // leaving with Ctrl-]) waits instead of being lost, or ignored because the
    // caller ran with SIGHUP ignored (nohup) and exec kept that.
    sigset_t forwarded, before;
    sigemptyset(&forwarded);
    for (int s : kForwarded) sigaddset(&forwarded, s);
    sigprocmask(SIG_BLOCK, &forwarded, &before);
    int slave = r.pty_socket >= 0 ? open_pty(r.pty_socket) : -1;
    pid_t pid = fork();
    if (pid < 0) die("fork", 126);
    if (pid == 0) become_command(r, slave);  // default dispositions, empty mask
    if (slave >= 0) close(slave);
    g_command = pid;
    struct sigaction sa = {};
    sa.sa_handler = forward_signal;
    for (int s : kForwarded) sigaction(s, &sa, nullptr);
    sigprocmask(SIG_SETMASK, &before, nullptr);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) _exit(1);
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

}  // namespace spawn::helper
