// The container's side with a user namespace, in two processes as
// systemd-nspawn does it:
//  - the outer child, host root in a new mount namespace of the host's user
//    namespace, sets up the tree: its root (a bind of it, or the idmapped
//    copy the parent made), /dev with its nodes, /run, /tmp, the binds
//    (any host path, idmapped as asked), --tmpfs, the host's /sys without a
//    private network, --read-only, the journal link; moves the tree onto /
//    and chroots into it, then clones the container (CLONE_PARENT: spawn's
//    child) into its new user namespace and the others, reports its pidfd
//    (Barrier::InnerCloned) and exits;
//  - the container (inner child) gets a copy of that mount namespace owned
//    by its user namespace: the kernel locks every mount in it, so container
//    root can neither unmount one nor make a read-only one writable. It waits
//    for its ID maps (Barrier::UsersMapped), becomes the namespace's root,
//    mounts the file systems of its own namespaces (proc with its masks,
//    sysfs, devpts, mqueue, /dev/shm, and after HostReady the cgroups), its
//    console, the guest interface, and goes on as without a user namespace.
// Failures are error frames on the sync socket, as in child.cpp.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "container/fs_ids.hpp"
#include "container/root_layer.hpp"
#include "container/credentials.hpp"
#include "container/etc_files.hpp"
#include "container/bind_user.hpp"
#include "container/console.hpp"
#include "container/mount.hpp"
#include "container/process.hpp"
#include "container/userns.hpp"
#include "spawn/boot.hpp"
#include "spawn/child_parts.hpp"
#include "util/fault.hpp"

namespace spawn {
namespace {

using container::Barrier;
using container::MountStep;

// The outer child's tmpfs mounts belong to the container's root (else its
// root could not write /run, /tmp, /dev or a --tmpfs), and the owners of an
// OCI bundle's device nodes are the container's IDs (as the host sees them).
std::vector<MountStep> owned_by_container_root(std::vector<MountStep> steps, const Launch& l) {
    const uint32_t base = l.users->base;
    for (auto& s : steps) {
        if (s.kind == container::StepKind::Mount && s.fstype == "tmpfs")
            s.data += (s.data.empty() ? "" : ",") + fmt::format("uid={0},gid={0}", base);
        if (s.kind == container::StepKind::MakeNode && (s.uid || s.gid)) {
            s.uid = container::host_id(*l.users, l.plan->userns.extra, s.uid);
            s.gid = container::host_id(*l.users, l.plan->userns.extra, s.gid);
        }
    }
    return steps;
}

Result<void> setup_outer(const Launch& l) {
    const auto& plan = *l.plan;
    const uint32_t base = l.users->base;
    // Joined first: the container inherits them, and their file systems are
    // mounted here, in them (MountFacts::joined).
    TRY(join_namespaces(l));
    if (::mount(nullptr, "/", nullptr, MS_SLAVE | MS_REC, nullptr) < 0)
        return Error::errno_("making the mount namespace a slave of the host");
    UniqueFd tree_dir = TRY(open_tree_dir(l));
    umask(0);  // the plan's modes as they are (device nodes 0666, /tmp 1777)
    const bool layered = plan.root_layer != container::RootLayer::Tree;
    if (l.boot && !layered) {
        // The journal link's directories, in the tree as it is on disk (not
        // through the idmapped copy, where host root has no ID), owned as the
        // rest of the tree: by the range's root in a shifted (chown) tree.
        struct stat st {};
        if (fstat(tree_dir.get(), &st) < 0) return Error::errno_("stat {}", plan.root);
        std::optional<container::CreateAsContainerRoot> as_root;
        if (st.st_uid == base) as_root.emplace(TRY(container::CreateAsContainerRoot::enter(base)));
        TRY(boot::make_journal_guest_dirs(l.boot->journal, tree_dir.get()));
    }
    UniqueFd idmapped;
    if (l.idmapped_tree_fd >= 0) idmapped.reset(fcntl(l.idmapped_tree_fd, F_DUPFD_CLOEXEC, 3));
    auto top = TRY(container::layer_root(plan.root_layer, TRY(mount_root(l, tree_dir, std::move(idmapped))), base, base));
    if (l.boot && layered) {
        // A throwaway root: the directories go to its layer, as the container's root.
        auto as_root = TRY(container::CreateAsContainerRoot::enter(base));
        TRY(boot::make_journal_guest_dirs(l.boot->journal, top.get()));
    }
    auto root = TRY(pivot_into_subtree(l, std::move(top)));
    tree_dir.reset();
    if (l.boot) TRY(boot::bind_journal_into_guest(l.boot->journal, root.get()));
    std::vector<UniqueFd> prepared;
    for (const auto& step : container::prepared_binds(plan.mounts))
        prepared.push_back(TRY(container::prepared_bind(step, l.idmap_userns_fd, *l.users)));
    {
        auto as_root = TRY(container::CreateAsContainerRoot::enter(base));
        TRY(container::apply_mount_plan(root.get(),
                                        owned_by_container_root(container::userns_part(plan.mounts, false), l),
                                        &prepared));
        // As the container's root: what is created is its own.
        TRY(container::mount_credentials(plan.credentials, root.get()));
        container::apply_resolv_conf(plan.resolv_conf, root.get(), std::nullopt);
        container::apply_timezone(plan.timezone, root.get(), std::nullopt);
    }
    // The tree becomes this mount namespace's root, so the container's copy
    // of it starts there (and cannot unmount it to see the host's).
    if (fchdir(root.get()) < 0) return Error::errno_("entering {}", plan.root);
    if (::mount(".", "/", nullptr, MS_MOVE, nullptr) < 0) return Error::errno_("moving {} onto /", plan.root);
    if (chroot(".") < 0 || chdir("/") < 0) return Error::errno_("changing root to {}", plan.root);
    return share_container_mounts();
}

// The container's ID maps are written: become the namespace's root. A change
// of credentials clears the parent-death signal and resets dumpability: set
// both again, then make sure spawn did not die in between (its end of the
// sync socket would have hung up).
Result<void> become_container_root(const Launch& l) {
    TRY(l.child_end->wait(Barrier::UsersMapped));
    if (setresgid(0, 0, 0) < 0) return Error::errno_("becoming the user namespace's root group");
    if (setgroups(0, nullptr) < 0) return Error::errno_("dropping supplementary groups");
    if (setresuid(0, 0, 0) < 0) return Error::errno_("becoming the user namespace's root");
    if (!l.plan->detached) prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_DUMPABLE, 0);
    struct pollfd p = {l.child_end->fd(), POLLRDHUP, 0};
    if (poll(&p, 1, 0) != 0) return Error::msg("spawn went away while the container started");
    return ok();
}

Result<UniqueFd> setup_inner(const Launch& l, UniqueFd& pty_slave) {
    const auto& plan = *l.plan;
    TRY(become_container_root(l));
    // A joined UTS namespace (the outer child's) keeps its owner's host name.
    if (!joins(l, CLONE_NEWUTS) && sethostname(plan.hostname.data(), plan.hostname.size()) < 0)
        return Error::errno_("setting the hostname to {}", plan.hostname);
    umask(0);
    UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return Error::errno_("opening the container's root");
    // Its procfs first: the mount executor names targets through /proc/self/fd.
    auto inner = container::userns_part(plan.mounts, true);
    auto proc = std::find_if(inner.begin(), inner.end(), [](const MountStep& s) { return s.fstype == "proc"; });
    if (proc != inner.end()) {
        TRY(container::make_dirs_in_root(root.get(), proc->target, 0755, true));  // a directory, no symlink
        if (::mount("proc", "/proc", "proc", proc->flags, nullptr) < 0) return Error::errno_("mounting proc on /proc");
        inner.erase(proc);
    }
    TRY(container::apply_mount_plan(root.get(), inner));
    TRY(l.child_end->wait(Barrier::HostReady));
    if (!joins(l, CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) return Error::errno_("unsharing the cgroup namespace");
    TRY(container::apply_mount_plan(root.get(), container::plan_part(plan.mounts, true)));
    UniqueFd master;
    if (container::console_uses_pty(plan.console)) {
        auto [m, s] = TRY(container::open_container_pty(root.get()));
        master = std::move(m);
        pty_slave = std::move(s);
        TRY(fault::at("console"));
    }
    TRY_CTX(container::write_userdb("/run", plan.bound_users), "--bind-user");
    if (l.boot) TRY_CTX(boot_guest_interface(*l.boot, ""), "setting up the guest interface");
    TRY(fault::at("guest interface"));
    return master;
}

int run_inner_child(const Launch& l) noexcept {
    if (!l.plan->detached) prctl(PR_SET_PDEATHSIG, SIGKILL);  // spawn is the parent (CLONE_PARENT)
    prctl(PR_SET_DUMPABLE, 0);
    UniqueFd pty_slave;
    auto master = setup_inner(l, pty_slave);
    return finish_child(l, std::move(master), std::move(pty_slave));
}

}  // namespace

int run_outer_child(const Launch& l) noexcept {
    auto set_up = setup_outer(l);
    if (!set_up.ok()) {
        l.child_end->send_error(set_up.error());
        return 1;
    }
    // Its user namespace first (the kernel creates it before the others, so
    // it owns them all), CLONE_PARENT so spawn waits for it. A joined one
    // (an OCI bundle's): entered here, and it owns the new ones.
    if (l.plan->userns.mode == UserNsMode::Joined && setns(l.idmap_userns_fd, CLONE_NEWUSER) < 0) {
        l.child_end->send_error(Error::errno_("entering the user namespace {}", l.plan->userns.joined));
        return 1;
    }
    auto inner = container::ChildProcess::clone(l.plan->clone_flags | CLONE_PARENT, l.cgroup_fd,
                                                [&l]() { return run_inner_child(l); });
    if (!inner.ok()) {
        l.child_end->send_error(inner.error());
        return 1;
    }
    auto sent = l.child_end->signal(Barrier::InnerCloned, inner->pidfd());
    _exit(sent.ok() ? 0 : 1);  // the container is spawn's now: no destructor may kill it
}

}  // namespace spawn
