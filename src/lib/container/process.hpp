// process: clone3() of the container's first process with a pidfd, and
// ChildProcess, which owns it: dropping a ChildProcess that was not reaped
// kills (SIGKILL) and reaps it, so no error path leaves a container running.
// A process cloned with CLONE_PARENT is its caller's parent's child (spawn's
// own user namespace path, spawn-oci's engine containers): it is watched
// through its pidfd, and its parent reaps it.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstdint>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

class ChildProcess {
public:
    ChildProcess() = default;
    // ours: the caller is its parent (it can reap it and read its status).
    ChildProcess(pid_t pid, UniqueFd pidfd, bool ours = true) : pid_(pid), pidfd_(std::move(pidfd)), ours_(ours) {}
    ChildProcess(ChildProcess&& o) noexcept;
    ChildProcess& operator=(ChildProcess&& o) noexcept;
    ~ChildProcess();

    // clone3(flags | CLONE_PIDFD), born in the cgroup2 directory cgroup_fd
    // when >= 0 (CLONE_INTO_CGROUP: no migration, which costs milliseconds).
    // In the child, fn runs and its return value is the exit status (_exit);
    // it must not throw.
    template <typename Fn>
    static Result<ChildProcess> clone(uint64_t flags, int cgroup_fd, Fn&& fn) {
        auto r = clone_raw(flags, cgroup_fd);
        if (!r.ok()) return std::move(r).error();
        if (r->pid_ == 0) {
            int status = fn();
            _exit(status);
        }
        return std::move(r).value();
    }

    pid_t pid() const { return pid_; }
    int pidfd() const { return pidfd_.get(); }
    bool running() const { return pid_ > 0 && !reaped_; }
    // True when clone3(CLONE_INTO_CGROUP) put it in the cgroup it was given
    // (false when the kernel refused and it was cloned in the caller's cgroup).
    bool born_in_cgroup() const { return born_in_cgroup_; }

    Result<void> send_signal(int sig);
    // Reaps the child if it has exited (WNOHANG when !block). Returns true with
    // info filled when reaped. Not ours: true once it has exited, with
    // info.si_code 0 (its parent has its status).
    Result<bool> reap(siginfo_t& info, bool block);
    // SIGKILL and reap (idempotent).
    void kill_and_reap() noexcept;

private:
    static Result<ChildProcess> clone_raw(uint64_t flags, int cgroup_fd);
    pid_t pid_ = -1;
    UniqueFd pidfd_;
    bool ours_ = true;
    bool reaped_ = false;
    bool born_in_cgroup_ = false;
};

}  // namespace spawn::container
