#include "container/process.hpp"

#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <utility>

namespace spawn::container {

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      pidfd_(std::move(o.pidfd_)),
      ours_(o.ours_),
      reaped_(std::exchange(o.reaped_, false)),
      born_in_cgroup_(o.born_in_cgroup_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
    if (this != &o) {
        kill_and_reap();
        pid_ = std::exchange(o.pid_, -1);
        pidfd_ = std::move(o.pidfd_);
        ours_ = o.ours_;
        reaped_ = std::exchange(o.reaped_, false);
        born_in_cgroup_ = o.born_in_cgroup_;
    }
    return *this;
}

ChildProcess::~ChildProcess() { kill_and_reap(); }

Result<ChildProcess> ChildProcess::clone_raw(uint64_t flags, int cgroup_fd) {
    int pidfd = -1;
    struct clone_args args;
    std::memset(&args, 0, sizeof args);
    args.flags = flags | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    // With CLONE_PARENT the kernel takes the caller's own exit signal (and
    // refuses one given).
    args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<uint64_t>(cgroup_fd);
    }
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0 && cgroup_fd >= 0 && errno != ENOMEM && errno != EAGAIN) {
        // Some cgroup set-ups refuse CLONE_INTO_CGROUP (EBUSY, EOPNOTSUPP...):
        // clone in our cgroup; the caller migrates the child instead.
        args.flags &= ~static_cast<uint64_t>(CLONE_INTO_CGROUP);
        args.cgroup = 0;
        pid = syscall(SYS_clone3, &args, sizeof args);
        cgroup_fd = -1;
    }
    if (pid < 0) return Error::errno_("clone3 of the container process");
    if (pid == 0) return ChildProcess(0, UniqueFd());
    ChildProcess c(static_cast<pid_t>(pid), UniqueFd(pidfd), !(flags & CLONE_PARENT));
    c.born_in_cgroup_ = cgroup_fd >= 0;
    return c;
}

Result<void> ChildProcess::send_signal(int sig) {
    if (!running()) return ok();
    if (syscall(SYS_pidfd_send_signal, pidfd_.get(), sig, nullptr, 0) < 0 && errno != ESRCH)
        return Error::errno_("sending signal {} to the container", sig);
    return ok();
}

Result<bool> ChildProcess::reap(siginfo_t& info, bool block) {
    if (!running()) return false;
    std::memset(&info, 0, sizeof info);
    if (!ours_) {
        struct pollfd p = {pidfd_.get(), POLLIN, 0};
        int n;
        while ((n = poll(&p, 1, block ? -1 : 0)) < 0 && errno == EINTR) {
        }
        if (n < 0) return Error::errno_("waiting for the container");
        if (n == 0) return false;
        info.si_pid = pid_;
        reaped_ = true;
        return true;
    }
    int r;
    do {
        r = waitid(P_PIDFD, static_cast<id_t>(pidfd_.get()), &info, WEXITED | (block ? 0 : WNOHANG));
    } while (r < 0 && errno == EINTR);
    if (r < 0) return Error::errno_("waiting for the container");
    if (info.si_pid == 0) return false;
    reaped_ = true;
    return true;
}

void ChildProcess::kill_and_reap() noexcept {
    if (!running()) return;
    syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
    siginfo_t info;
    (void)reap(info, true);
}

}  // namespace spawn::container
