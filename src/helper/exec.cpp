// spawn-helper exec: becomes the container's payload. Without --as-pid2 this
// process (the container's PID 1) is set up and execs the program; with it,
// it stays PID 1 as the stub init and the payload is its forked PID 2. A
// failure before exec goes to spawn as an error frame on the sync socket
// (sync_frame.hpp), so spawn prints the cause in one line and exits 1.
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "container/sync_frame.hpp"
#include "util/run_program.hpp"
#include "util/strings.hpp"
#include "helper.hpp"

namespace spawn::helper {
namespace {

using container::ExecRequest;

// A failure before exec: to spawn as an error frame, or on stderr.
[[noreturn]] void report_failure(const ExecRequest& r, int err, const std::string& message) {
    if (r.sync_fd >= 0)
        container::send_error_frame(r.sync_fd, err, message);
    else
        std::fprintf(stderr, "spawn: %s\n", message.c_str());
    _exit(1);
}

// A system call's failure (errno).
[[noreturn]] void fail(const ExecRequest& r, const std::string& what) {
    int err = errno;
    report_failure(r, err, what + ": " + std::strerror(err));
}

// An OCI bundle's startContainer hooks: in the container, as the payload's
// user and confined like it, with the state on their stdin; the first that
// fails fails the start.
void run_start_hooks(const ExecRequest& r) {
    for (size_t i = 0; i < r.start_hooks.size(); ++i) {
        const auto& h = r.start_hooks[i];
        const ProgramEnd end = run_program(h.path, h.args, h.env, r.hook_state, h.timeout);
        if (!end.ok())
            report_failure(r, EIO, "hooks.startContainer[" + std::to_string(i) + "] (" + h.path + "): " + describe(end, h.timeout));
    }
}

// --ambient-capability: each capability must be permitted and inheritable
// to be raised into the ambient set, which exec then hands to the program
// (its permitted and effective sets, for a program without file
// capabilities, whatever its uid). After a change to another user (through
// which PR_SET_KEEPCAPS kept the permitted set), permitted and inheritable
// are narrowed to the ambient set and effective is empty, as nspawn does; as
// root, inheritable already holds the container's bounding set.
void raise_ambient(const ExecRequest& r, bool other_user) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (syscall(SYS_capget, &header, data) < 0) fail(r, "reading the capabilities");
    for (int i = 0; i < 2; ++i) {
        auto ambient = static_cast<uint32_t>(r.ambient_capabilities >> (32 * i));
        if (other_user) {
            data[i].permitted &= ambient;
            data[i].effective = 0;
            data[i].inheritable = ambient;
        } else {
            data[i].inheritable |= ambient;
        }
    }
    if (syscall(SYS_capset, &header, data) < 0) fail(r, "setting the capabilities for the ambient set");
    for (unsigned cap = 0; cap < 64; ++cap) {
        if (!(r.ambient_capabilities >> cap & 1)) continue;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            fail(r, "raising capability " + std::to_string(cap) + " into the ambient set");
    }
}

// Session, terminal, user, directory, then exec: what the payload process
// does for itself.
[[noreturn]] void become_payload(const ExecRequest& r) {
    if (r.new_session) setsid();
    if (r.ctty && ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0) fail(r, "making the pty the controlling terminal");
    if (r.uid) {
        if (r.ambient_capabilities && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
            fail(r, "keeping the capabilities through the change to user " + r.user_name);
        if (setgroups(r.groups.size(), r.groups.data()) < 0 || setgid(r.gid) < 0 || setuid(*r.uid) < 0)
            fail(r, "changing to user " + r.user_name);
        // A credential change clears the death signal: arm it again.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
    }
    if (r.ambient_capabilities) raise_ambient(r, r.uid && *r.uid != 0);
    if (!r.chdir.empty() && chdir(r.chdir.c_str()) < 0) {
        if (r.chdir_required) fail(r, "changing directory to " + r.chdir);
        if (chdir("/") < 0) fail(r, "chdir /");
    }
    run_start_hooks(r);
    // -Z: the label the next exec gives the program (setexeccon()).
    if (!r.selinux_label.empty()) {
        int fd = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
        bool written = fd >= 0 && write(fd, r.selinux_label.data(), r.selinux_label.size()) ==
                                      static_cast<ssize_t>(r.selinux_label.size());
        if (fd >= 0) close(fd);
        if (!written) fail(r, "setting the SELinux label " + r.selinux_label + " for the program");
    }
    if (!r.argv.empty()) {
        execvp(r.argv[0].c_str(), str::c_strings(r.argv).data());  // the container's PATH (our environment)
        fail(r, "Failed to execute " + r.argv[0]);
    }
    // No command: the user's shell as a login shell, as nspawn does.
    std::string tried;
    for (const auto& sh : r.shells) {
        if (sh.empty()) continue;
        std::string arg0 = "-" + sh.substr(sh.rfind('/') + 1);
        char* argv[] = {arg0.data(), nullptr};
        execv(sh.c_str(), argv);
        tried += (tried.empty() ? "" : ", ") + sh;
    }
    fail(r, "Failed to execute a shell (" + tried + ")");
}

// PID 1 of an --as-pid2 container: reaps every zombie reparented to it,
// forwards the signals it receives to the payload, and exits with the
// payload's status (128+N when it died of signal N).
[[noreturn]] void run_stub(pid_t payload) {
    sigset_t all;
    sigfillset(&all);
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);
        if (sig < 0) continue;
        if (sig != SIGCHLD) {
            ::kill(payload, sig);
            continue;
        }
        for (;;) {
            int status = 0;
            pid_t pid = waitpid(-1, &status, WNOHANG);
            if (pid <= 0) break;
            if (pid == payload) _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
    }
}

}  // namespace

void run_exec(const ExecRequest& r) {
    if (r.sync_fd >= 0) fcntl(r.sync_fd, F_SETFD, FD_CLOEXEC);  // EOF at exec tells spawn it worked
    if (!r.as_pid2) become_payload(r);

    // Named before the payload exists, so it never sees PID 1 under another name.
    prctl(PR_SET_NAME, "spawn-stub");
    sigset_t all, payload_mask;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &payload_mask);
    pid_t pid = fork();
    if (pid < 0) fail(r, "forking the payload");
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &payload_mask, nullptr);
        become_payload(r);
    }
    // The stub keeps nothing but stdio (the console, when there is one): the
    // payload's copy of the sync socket closes when it execs.
    close_range(3, ~0U, 0);
    run_stub(pid);
}

}  // namespace spawn::helper
