#include "spawn-oci/foreground.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fd.hpp"
#include "util/file.hpp"

namespace spawn::oci_runtime {

sigset_t forwarded_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH}) sigaddset(&set, sig);
    return set;
}

Result<int> wait_forwarding(pid_t pid) {
    const sigset_t forwarded = forwarded_signals();
    // Ours: its pidfd cannot name another process.
    UniqueFd sigfd(signalfd(-1, &forwarded, SFD_CLOEXEC | SFD_NONBLOCK));
    UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
    if (!sigfd || !pidfd) return Error::errno_("watching process {}", pid);
    for (;;) {
        struct pollfd p[] = {{sigfd.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR) return Error::errno_("poll");
        struct signalfd_siginfo si;
        while (read(sigfd.get(), &si, sizeof si) == sizeof si)
            (void)syscall(SYS_pidfd_send_signal, pidfd.get(), static_cast<int>(si.ssi_signo), nullptr, 0);
        if (p[1].revents & POLLIN) break;
    }
    siginfo_t info{};
    while (waitid(P_PIDFD, static_cast<id_t>(pidfd.get()), &info, WEXITED) < 0 && errno == EINTR) {
    }
    return info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
}

Result<void> write_pid_file(const std::string& path, pid_t pid) {
    const std::string tmp = path + ".new";
    TRY(write_file(tmp, std::to_string(pid), O_CREAT | O_TRUNC, 0644));
    if (rename(tmp.c_str(), path.c_str()) < 0) return Error::errno_("writing {}", path);
    return ok();
}

}  // namespace spawn::oci_runtime
