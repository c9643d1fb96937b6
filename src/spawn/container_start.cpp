#include "spawn/container_start.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "container/cgroup_hierarchies.hpp"
#include "container/payload.hpp"
#include "container/sealed_helper.hpp"
#include "machined/scope.hpp"
#include "spawn/launch.hpp"
#include "spawn/users_stage.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/fault.hpp"

namespace spawn {

using container::Barrier;

namespace {

// This thread in another namespace until dropped (then back in its own):
// where the clone below is born. (For a PID namespace, setns() changes the
// namespace of the thread's children only.)
class ScopedNamespace {
public:
    static Result<ScopedNamespace> enter(int fd, int type, std::string_view what) {
        ScopedNamespace s;
        s.type_ = type;
        const std::string own = fmt::format("/proc/thread-self/ns/{}", type == CLONE_NEWPID ? "pid" : "net");
        s.own_.reset(::open(own.c_str(), O_RDONLY | O_CLOEXEC));
        if (!s.own_) return Error::errno_("opening spawn's own {}", own);
        if (setns(fd, type) < 0) return Error::errno_("entering {}", what);
        return s;
    }
    ScopedNamespace(ScopedNamespace&&) = default;
    ~ScopedNamespace() {
        if (own_ && setns(own_.get(), type_) < 0) std::abort();  // never go on in the wrong namespace
    }

private:
    ScopedNamespace() = default;
    int type_ = 0;
    UniqueFd own_;
};

// The outer child's report: the container it cloned (spawn's child, by
// CLONE_PARENT; detached: spawn's parent's) becomes the ChildProcess; the
// outer child is reaped (detached: watched until it exits).
Result<container::ChildProcess> adopt_container(container::SyncChannel& channel, container::ChildProcess outer,
                                                bool detached) {
    UniqueFd pidfd;
    auto cloned = channel.wait(Barrier::InnerCloned, &pidfd);
    siginfo_t ignored;
    (void)outer.reap(ignored, true);
    if (!cloned.ok()) return std::move(cloned).error();
    pid_t pid = -1;
    if (auto info = read_file("/proc/self/fdinfo/" + std::to_string(pidfd.get()))) {
        auto at = info->find("\nPid:");
        if (at != std::string::npos) pid = static_cast<pid_t>(std::strtol(info->c_str() + at + 5, nullptr, 10));
    }
    if (pid <= 0) return Error::msg("the container's pidfd names no process");
    return container::ChildProcess(pid, std::move(pidfd), !detached);
}

}  // namespace

Error ContainerStart::first_cause(Error ours) {
    siginfo_t ignored;
    (void)child_.reap(ignored, false);
    if (auto e = parent_end_.pending_error()) return std::move(*e);
    return ours;
}

Result<ContainerStart> ContainerStart::clone(const Config& cfg, const start::StartPlan& plan, const ChildInputs& in,
                                             container::Cgroup& cgroup) {
    auto [parent_end, child_end] = TRY(container::SyncChannel::make_pair());
    auto helper = TRY(container::open_sealed_helper());
    Launch l;
    l.cfg = &cfg;
    l.plan = &plan;
    l.root_fd = in.root_fd;
    l.netns_fd = in.netns_fd;
    l.joined = in.joined;
    l.helper_fd = helper.get();
    l.seccomp = in.seccomp;
    l.saved_sigmask = *in.saved_sigmask;
    l.parent_end = &parent_end;
    l.child_end = &child_end;
    l.boot = in.boot;
    // Born in its cgroup2 cgroup (CLONE_INTO_CGROUP, its BPF device program
    // already attached); moved into the v1 ones (name=systemd and every
    // controller) while it sets up its mounts. It unshares its cgroup
    // namespace only after HostReady.
    // --network-namespace-path with a user namespace: the container cannot
    // join a namespace of the host's user namespace from its own, so it is
    // born in it (spawn stands in it for the clone), as with nspawn.
    UserPrep users;
    if (in.users) {
        users = TRY(prepare_users(plan, *in.users, in.root_fd, cfg.read_only));
        TRY(fault::at("idmapped tree"));
        l.users = in.users;
        l.idmap_userns_fd = users.userns.get();
        l.idmapped_tree_fd = users.tree ? users.tree.get() : -1;
        l.cgroup_fd = cgroup.clone_into_fd();
    }
    // Without a user namespace the child joins its v1 cgroups itself.
    if (!in.users && !plan.transient) l.cgroup = &cgroup;
    std::optional<ScopedNamespace> born_in, born_in_pid;
    if (in.users && in.netns_fd >= 0)
        born_in.emplace(TRY(ScopedNamespace::enter(in.netns_fd, CLONE_NEWNET, "the --network-namespace-path namespace")));
    // An OCI bundle's PID namespace to join: the container is born in it.
    if (in.joined)
        for (const auto& j : *in.joined)
            if (j.type == CLONE_NEWPID)
                born_in_pid.emplace(TRY(ScopedNamespace::enter(j.fd.get(), CLONE_NEWPID, "the PID namespace of linux.namespaces")));
    // With a user namespace this is the outer child (child_userns.cpp): a new
    // mount namespace only; it clones the container and reports it.
    const uint64_t parent = plan.detached ? CLONE_PARENT : 0;
    auto child = TRY(container::ChildProcess::clone((in.users ? CLONE_NEWNS : plan.clone_flags) | parent,
                                                    in.users ? -1 : cgroup.clone_into_fd(),
                                                    [&l]() { return run_child(l); }));
    born_in_pid.reset();
    born_in.reset();
    child_end.close();
    if (in.users) child = TRY(adopt_container(parent_end, std::move(child), plan.detached));
    ContainerStart c(std::move(parent_end), std::move(child));
    if (in.users) {
        if (auto m = map_users(c.pid(), plan, *in.users); !m.ok()) return c.first_cause(std::move(m).error());
        if (auto f = fault::at("user namespace maps"); !f.ok()) return c.first_cause(std::move(f).error());
        if (auto s = c.parent_end_.signal(Barrier::UsersMapped); !s.ok()) return c.first_cause(std::move(s).error());
    }
    if (plan.transient) {
        auto scope = *plan.transient;
        scope.pids = {static_cast<uint32_t>(c.pid())};
        if (auto a = machined::allocate_transient_scope(scope); !a.ok())
            return c.first_cause(std::move(a).error().context("allocating the container's scope"));
        if (in.users)
            if (auto d = machined::delegate_transient_scope(c.pid(), in.users->base); !d.ok())
                return c.first_cause(std::move(d).error().context("delegating the container's scope"));
    } else if (auto a = cgroup.attach(c.pid(), c.child_.born_in_cgroup(), /*v1=*/in.users != nullptr); !a.ok()) {
        return c.first_cause(std::move(a).error().context("moving the container into its cgroup"));
    } else if (in.users) {
        // Before it unshares its cgroup namespace (without a user namespace
        // the child checks itself, once it joined them).
        if (auto v = container::check_not_in_v1_root(c.pid()); !v.ok()) return c.first_cause(std::move(v).error());
    }
    // --oom-score-adjust from the host side, before the payload exists: it
    // needs no privilege inside the container (a user namespace has none).
    if (const auto& oom = plan.payload.oom_score_adjust)
        if (auto o = container::adjust_oom_score(c.pid(), *oom); !o.ok()) return c.first_cause(std::move(o).error());
    return c;
}

Result<UniqueFd> ContainerStart::mounted() {
    if (auto s = parent_end_.signal(Barrier::HostReady); !s.ok()) return first_cause(std::move(s).error());
    UniqueFd master;
    TRY(parent_end_.wait(Barrier::ChildMounted, &master));
    return master;
}

Result<void> ContainerStart::go() {
    TRY(parent_end_.signal(Barrier::Go));
    // EOF: the payload was executed; an error frame: it could not be.
    auto e = parent_end_.wait_closed();
    parent_end_.close();
    return e;
}

Result<void> ContainerStart::release(const Config& cfg, const start::StartPlan& plan, Console& console) {
    UniqueFd master = TRY(mounted());
    if (master) {
        if (!cfg.quiet && plan.console != ConsoleMode::Passive)
            log::info("Spawning container {} on {}.\nPress ^] three times within 1s to kill container.",
                      plan.machine, plan.root);
        if (plan.console == ConsoleMode::Interactive) TRY(console.terminal.make_raw(STDIN_FILENO));
        console.forwarder.emplace(std::move(master), plan.console);
    }
    // Pipes: the child execs right after ChildMounted, without Go. A failed
    // exec's exit status then ends the container as usual.
    auto executed = container::console_uses_pty(plan.console) ? go() : parent_end_.wait_closed();
    if (!executed.ok()) {
        console.terminal.restore();
        log::error("{}", executed.error().message());
    }
    parent_end_.close();
    return ok();
}

}  // namespace spawn
