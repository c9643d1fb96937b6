// cgroup: the kernel half of the container's cgroup (see cgroup_plan.hpp).
// Created in every hierarchy of the plan before the container process is
// released (the child joins them all before unsharing its cgroup namespace),
// killed and removed on exit; a stale empty cgroup of the same name left by a
// crashed run is removed at start.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "container/cgroup_plan.hpp"
#include "util/fd.hpp"
#include "util/handoff.hpp"
#include "util/result.hpp"

namespace spawn::container {

// statfs of /sys/fs/cgroup and /sys/fs/cgroup/unified.
CgroupLayout detect_cgroup_layout();

class Cgroup {
public:
    Cgroup() = default;
    Cgroup(Cgroup&& o) noexcept
        : plan_(std::move(o.plan_)), made_(std::exchange(o.made_, {})), v2_fd_(std::move(o.v2_fd_)) {}
    Cgroup& operator=(Cgroup&&) = delete;
    ~Cgroup() { destroy(); }

    // Creates the cgroup in every hierarchy of the plan (v1 cpuset: cpus and
    // mems copied from the parent). A leftover cgroup without processes is
    // removed first; one with processes is an error (machine name in use), and
    // so is one another start makes meanwhile (the machine's own directory is
    // made with an exclusive mkdir, and only what this start made is removed).
    static Result<Cgroup> create(CgroupPlan plan, std::string_view machine);
    // Directory fd of the cgroup2 cgroup, for clone3(CLONE_INTO_CGROUP); -1
    // when there is no cgroup2 hierarchy.
    int clone_into_fd() const { return v2_fd_.get(); }
    // Moves pid into the cgroup in every hierarchy (skipping cgroup2 when the
    // process was born there with CLONE_INTO_CGROUP; v1: false skips the v1
    // ones, which the process joins itself).
    Result<void> attach(pid_t pid, bool born_in_v2, bool v1 = true);
    // Moves the calling process, single-threaded, into the cgroup in every v1
    // hierarchy: a 0 written to "tasks" moves the caller alone and takes no
    // global lock, where a write to cgroup.procs waits for an RCU grace
    // period (5-30 ms), which every start would pay.
    Result<void> join_v1_self() const;
    // Kills what is left in it and removes it in every hierarchy (idempotent).
    void destroy() noexcept;

    const CgroupPlan& plan() const { return plan_; }
    // util/handoff.hpp: what destroy() needs (the directories it made).
    void hand_off(Handoff& h, const std::string& key) &&;
    static Cgroup take_over(Handoff& h, const std::string& key);

private:
    CgroupPlan plan_;
    std::vector<bool> made_;  // per plan dir: made by this start (destroy() removes those only)
    UniqueFd v2_fd_;
};

// Removes the cgroup dir and those below it, left by a machine that is gone:
// false when it does not exist, EBUSY (naming machine) when a process is in it.
Result<bool> remove_stale_cgroup(const std::string& dir, std::string_view machine);

// Gives the container's root (host UID and GID root_id) what a delegated
// cgroup gives, as nspawn with a user namespace: the cgroup2 and name=systemd
// directories of plan and the files a delegate may write in them
// (/sys/kernel/cgroup/delegate), so the guest's init makes its own cgroups.
Result<void> delegate_cgroup(const CgroupPlan& plan, uid_t root_id);

// Fails (naming the hierarchy) when pid (0: the caller) sits in the root
// cgroup of a cgroup v1 hierarchy: checked once the container is placed,
// before it runs anything.
Result<void> check_not_in_v1_root(pid_t pid);

}  // namespace spawn::container
