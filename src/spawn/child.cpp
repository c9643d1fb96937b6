// The container side: runs in the new mount, PID, UTS, IPC (and net)
// namespaces as PID 1. Sets up the root from the mount plan, pivots into it,
// reports to the parent at each barrier (sync.hpp), and execs the payload.
// With a user namespace the set-up is two processes (child_userns.cpp); the
// last steps (finish_child) are the same.
// Every failure is sent to the parent as an error frame (the child uses no
// exceptions after clone) and the child exits with status 1.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "container/root_layer.hpp"
#include "container/credentials.hpp"
#include "container/etc_files.hpp"
#include "container/bind_user.hpp"
#include "container/caps.hpp"
#include "container/console.hpp"
#include "container/env.hpp"
#include "container/mount.hpp"
#include "container/payload.hpp"
#include "container/seccomp.hpp"
#include "container/helper_protocol.hpp"
#include "container/in_root.hpp"
#include "container/sealed_helper.hpp"
#include "oci/hooks.hpp"
#include "spawn/boot.hpp"
#include "spawn/child_parts.hpp"
#include "spawn/launch.hpp"
#include "util/file.hpp"
#include "util/fault.hpp"
#include "util/nsfs.hpp"

namespace spawn {

Result<UniqueFd> open_tree_dir(const Launch& l) {
    UniqueFd fd = TRY(container::open_tree_root(l.plan->root));
    struct stat a {}, b {};
    if (fstat(fd.get(), &a) < 0 || fstat(l.root_fd, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
        return Error::msg("Directory tree {} changed while starting, refusing", l.plan->root);
    return fd;
}

// Mounts the tree on itself (so it is a mount point pivot_root accepts), a
// recursive bind of it or the host's idmapped copy (user namespace: the
// outer child), through fds, and returns an O_PATH fd of that new mount.
Result<UniqueFd> mount_root(const Launch& l, const UniqueFd& tree_dir, UniqueFd idmapped_tree) {
    if (::mount(nullptr, "/", nullptr, MS_SLAVE | MS_REC, nullptr) < 0)
        return Error::errno_("making the mount namespace a slave of the host");
    const std::string& root = l.plan->root;
    UniqueFd tree = idmapped_tree ? std::move(idmapped_tree)
                                  : UniqueFd(open_tree(tree_dir.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
                                                                             AT_EMPTY_PATH | AT_RECURSIVE));
    if (!tree) return Error::errno_("cloning the mount of {}", root);
    if (move_mount(tree.get(), "", tree_dir.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return Error::errno_("mounting {} on itself", root);
    std::string self = "/proc/self/fd/" + std::to_string(tree.get());
    if (::mount(nullptr, self.c_str(), nullptr, MS_PRIVATE, nullptr) < 0)
        return Error::errno_("making the root mount private");
    return tree;
}

Result<UniqueFd> pivot_into_subtree(const Launch& l, UniqueFd root) {
    const Config& cfg = *l.cfg;
    if (cfg.pivot_root_new.empty()) return root;
    const auto flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE;
    UniqueFd old_tree;
    if (!cfg.pivot_root_old.empty()) {
        old_tree.reset(open_tree(root.get(), "", flags));
        if (!old_tree) return Error::errno_("--pivot-root: cloning the tree's root");
    }
    auto dir = container::resolve_in_root(root.get(), cfg.pivot_root_new, false);
    if (!dir) return Error::sys(dir.error().code(), "--pivot-root={}", cfg.pivot_root_new);
    struct stat st {};
    if (fstat(dir->get(), &st) < 0 || !S_ISDIR(st.st_mode))
        return Error::msg("--pivot-root={}: not a directory in the tree", cfg.pivot_root_new);
    UniqueFd new_root(open_tree(dir->get(), "", flags));
    if (!new_root) return Error::errno_("--pivot-root={}: cloning it", cfg.pivot_root_new);
    if (move_mount(new_root.get(), "", root.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return Error::errno_("--pivot-root={}: mounting it as the root", cfg.pivot_root_new);
    if (old_tree) {
        auto at = container::make_dirs_in_root(new_root.get(), cfg.pivot_root_old, 0755, true);
        if (!at) return Error::sys(at.error().code(), "--pivot-root=...:{}: {}", cfg.pivot_root_old, at.error().message());
        if (move_mount(old_tree.get(), "", at->get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            return Error::errno_("--pivot-root: mounting the tree's root on {}", cfg.pivot_root_old);
    }
    std::string self = "/proc/self/fd/" + std::to_string(new_root.get());
    if (::mount(nullptr, self.c_str(), nullptr, MS_PRIVATE | MS_REC, nullptr) < 0)
        return Error::errno_("making the new root mount private");
    return new_root;
}

namespace {

using container::Barrier;

Result<void> pivot(int root_fd);

}  // namespace

bool joins(const Launch& l, int type) {
    return l.joined && std::any_of(l.joined->begin(), l.joined->end(), [type](const auto& j) { return j.type == type; });
}

Result<void> join_namespaces(const Launch& l) {
    if (l.joined)
        for (const auto& j : *l.joined)
            if (j.type != CLONE_NEWPID && setns(j.fd.get(), j.type) < 0)
                return Error::errno_("joining the {} namespace of linux.namespaces", namespace_name(j.type));
    return ok();
}

Result<void> share_container_mounts() {
    if (::mount(nullptr, "/", nullptr, MS_SHARED | MS_REC, nullptr) < 0)
        return Error::errno_("making the container's mounts shared");
    return ok();
}

namespace {

Result<void> pivot(int root_fd) {
    if (fchdir(root_fd) < 0) return Error::errno_("entering the container root");
    if (syscall(SYS_pivot_root, ".", ".") < 0) return Error::errno_("pivot_root into the container root");
    if (umount2(".", MNT_DETACH) < 0) return Error::errno_("detaching the host's root");
    if (chdir("/") < 0) return Error::errno_("chdir /");
    return share_container_mounts();
}

struct Prepared {
    std::vector<std::string> argv;
    std::vector<std::string> env;
    container::PasswdEntry user;
    std::vector<gid_t> groups;  // supplementary groups from the container's /etc/group
    bool login_shell = false;  // no command: the user's shell as a login shell
};

// A file of the guest's /etc that may be missing (then empty), but not unreadable.
Result<std::string> read_guest_etc(const char* path) {
    auto r = read_file(path);
    if (!r && r.error().code() == ENOENT) return std::string();
    return r;
}

Result<Prepared> prepare_exec(const Launch& l) {
    const Config& cfg = *l.cfg;
    Prepared p;
    std::string passwd = TRY(read_guest_etc("/etc/passwd"));
    if (const auto& ids = cfg.user_ids) {
        // An OCI bundle's numeric IDs, as given; the guest's passwd only
        // names the user and gives HOME when it has that uid.
        auto entry = container::find_passwd(passwd, std::to_string(ids->uid));
        p.user = {entry ? entry->name : std::to_string(ids->uid), ids->uid, ids->gid, entry ? entry->home : "/",
                  entry ? entry->shell : ""};
        p.groups.assign(ids->groups.begin(), ids->groups.end());
    } else {
        std::string who = cfg.user.empty() ? "root" : cfg.user;
        auto entry = container::find_passwd(passwd, who);
        if (!entry) {
            if (!cfg.user.empty()) return Error(ESRCH, "User " + cfg.user + " not found in the container's /etc/passwd");
            entry = container::PasswdEntry{"root", 0, 0, "/root", "/bin/sh"};
        }
        p.user = *entry;
        p.groups = container::supplementary_groups(TRY(read_guest_etc("/etc/group")), p.user.name, p.user.gid);
    }
    container::EnvFacts facts;
    facts.term = l.plan->term;
    facts.uuid = uuid_to_dashed(l.plan->uuid);
    facts.user = p.user;
    facts.listen_fds = l.plan->listen_fds;
    facts.listen_pid = cfg.as_pid2 ? 2 : 1;
    facts.credentials = !l.plan->credentials.empty();
    p.env = container::build_environment(cfg, facts);
    p.argv = cfg.command;
    if (l.boot) {  // BOOT: init with the arguments after the directory, PID 1's environment
        p.argv = l.boot->argv;
        p.env = l.boot->env;
    }
    return p;
}

// The last steps of the container's PID 1 in spawn's code: the console as
// stdio, only stdio and the LISTEN_FDS range left for the payload, signals
// as the payload expects them; then the sealed helper (helper_protocol.hpp),
// which sets up session, user and directory and execs the payload. With
// --as-pid2 the helper stays PID 1 as the stub init and does that in PID 2.
// So no path of the container is ever exec'd by a process that runs spawn's
// binary, and no process the container can see maps a host file.
[[noreturn]] void exec_payload(const Launch& l, const Prepared& p, int pty_slave) noexcept {
    const Config& cfg = *l.cfg;
    auto fail = [&](Error e) {
        l.child_end->send_error(e);
        _exit(1);
    };
    container::ExecRequest req;
    req.as_pid2 = cfg.as_pid2;
    req.new_session = true;
    req.ctty = pty_slave >= 0;
    // (An OCI bundle's user is already in place: become_user_keeping_capabilities.)
    if ((p.user.uid != 0 || p.user.gid != 0) && !cfg.user_ids) {
        req.uid = p.user.uid;
        req.gid = p.user.gid;
        req.groups = p.groups;
        req.user_name = p.user.name;
    }
    // (An OCI bundle's ambient set is raised already: raise_ambient_capabilities.)
    req.ambient_capabilities = cfg.user_ids ? 0 : l.plan->payload.ambient_capabilities;
    req.chdir = !cfg.chdir.empty() ? cfg.chdir : (cfg.command.empty() && !l.boot ? p.user.home : "/");
    req.chdir_required = !cfg.chdir.empty();
    req.listen_fds = l.plan->listen_fds;
    req.selinux_label = l.plan->selinux_label;
    req.argv = p.argv;
    if (p.argv.empty()) req.shells = {p.user.shell, "/bin/bash", "/bin/sh"};  // a login shell, as nspawn
    for (const auto& h : cfg.oci_hooks.start_container)
        req.start_hooks.push_back({h.path, h.args, h.env, h.timeout.value_or(0)});
    if (!req.start_hooks.empty())
        req.hook_state = oci::hook_state_json(cfg, l.host_pid, oci::Status::Created);

    // Only stdio and the LISTEN_FDS range reach the payload; the sync socket
    // reaches the helper, which reports a failed exec on it.
    int keep = 3 + l.plan->listen_fds;
    for (int fd = 3; fd < keep; ++fd) fcntl(fd, F_SETFD, 0);
    close_range(static_cast<unsigned>(keep), ~0U, CLOSE_RANGE_CLOEXEC);
    req.sync_fd = l.child_end->fd();
    if (fcntl(req.sync_fd, F_SETFD, 0) < 0) fail(Error::errno_("passing the sync socket to the helper"));
    umask(cfg.user_ids && cfg.user_ids->umask ? *cfg.user_ids->umask : 0022);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &l.saved_sigmask, nullptr);

    std::vector<char*> envp;
    for (const auto& e : p.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    container::exec_sealed_helper(l.helper_fd, container::helper_args(req), envp.data());
    fail(Error::errno_("executing spawn's sealed helper"));
    _exit(1);
}

Result<UniqueFd> setup(const Launch& l, UniqueFd& pty_slave) {
    const Config& cfg = *l.cfg;
    // Its v1 cgroups (the parent cannot move it there cheaply: cgroup.hpp),
    // before anything else, through the host's /sys/fs/cgroup.
    if (l.cgroup) {
        TRY_CTX(l.cgroup->join_v1_self(), "moving the container into its cgroup");
        TRY(container::check_not_in_v1_root(0));
    }
    // First: a joined mount namespace is where the tree is set up (its
    // processes whose root is its root see the container's after the pivot,
    // as with runc).
    TRY(join_namespaces(l));
    UniqueFd tree_dir = TRY(open_tree_dir(l));
    // NETWORK hook (child side): --network-namespace-path joins that namespace
    // (opened and checked by the parent); a private network is set up from the
    // host side, nothing to do here.
    if (l.netns_fd >= 0 && setns(l.netns_fd, CLONE_NEWNET) < 0)
        return Error::errno_("joining network namespace {}", cfg.net.netns_path);
    // A joined UTS namespace keeps its owner's host name.
    const std::string& hostname = l.plan->hostname;
    if (!joins(l, CLONE_NEWUTS) && sethostname(hostname.data(), hostname.size()) < 0)
        return Error::errno_("setting the hostname to {}", hostname);
    // An OCI bundle's sysctls (namespaced ones only: oci/bundle.cpp checked),
    // through the host's /proc, which shows this process's namespaces' values.
    for (const auto& [name, value] : cfg.sysctls) {
        std::string path = "/proc/sys/" + name;
        std::replace(path.begin(), path.end(), '.', '/');
        TRY_CTX(write_file(path, value), "setting sysctl " + name);
    }
    // (A private network's loopback is brought up from the host: net's LoopbackUp step.)
    umask(0);
    auto root = TRY(pivot_into_subtree(
        l, TRY(container::layer_root(l.plan->root_layer, TRY(mount_root(l, tree_dir, UniqueFd())), 0, 0))));
    tree_dir.reset();
    // The tree's paths from here on: through the root's fd (see mount_root).
    const std::string root_path = "/proc/self/fd/" + std::to_string(root.get());
    // Everything but the cgroup mounts (with a user namespace: while the
    // parent moves us into our cgroup).
    TRY(container::apply_mount_plan(root.get(), container::plan_part(l.plan->mounts, false)));
    TRY(container::mount_credentials(l.plan->credentials, root.get()));
    container::apply_resolv_conf(l.plan->resolv_conf, root.get(), std::nullopt);
    container::apply_timezone(l.plan->timezone, root.get(), std::nullopt);
    TRY(l.child_end->wait(Barrier::HostReady));
    if (!joins(l, CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) return Error::errno_("unsharing the cgroup namespace");
    TRY(container::apply_mount_plan(root.get(), container::plan_part(l.plan->mounts, true)));
    UniqueFd master;
    if (container::console_uses_pty(l.plan->console)) {
        auto [m, s] = TRY(container::open_container_pty(root.get()));
        master = std::move(m);
        pty_slave = std::move(s);
        TRY(fault::at("console"));
    }
    // BOOT hook (child side): guest interface files (/run/host/container-manager,
    // /run/systemd/container, machine-id, the notify socket) are written here,
    // relative to root (/run is the container's tmpfs by now). With --read-only the
    // plan's last step has already made / read-only: write below /run, or plan a
    // step before that remount (container/mount_plan.cpp).
    if (l.boot) TRY_CTX(boot_child_setup(*l.boot, root_path, root.get()), "setting up the guest interface");
    TRY(fault::at("guest interface"));
    // An OCI bundle's createContainer hooks: in the container's namespaces,
    // their paths still the host's.
    if (const auto& hooks = cfg.oci_hooks.create_container; !hooks.empty())
        TRY(oci::run_hooks(hooks, "createContainer", oci::hook_state_json(cfg, l.host_pid, oci::Status::Creating)));
    TRY(pivot(root.get()));
    return master;
}

}  // namespace

int finish_child(const Launch& l, Result<UniqueFd> master, UniqueFd pty_slave) noexcept {
    if (!master.ok()) {
        l.child_end->send_error(master.error());
        return 1;
    }
    auto sent = l.child_end->signal(Barrier::ChildMounted, master->valid() ? master->get() : -1);
    if (!sent.ok()) return 1;
    master->reset();
    // The pty is stdio from here: a detached container's engine waits for
    // its create's streams to close (runc's init does the same).
    if (pty_slave)
        for (int fd = 0; fd < 3; ++fd)
            if (dup2(pty_slave.get(), fd) < 0) {
                l.child_end->send_error(Error::errno_("dup2 of the pty"));
                return 1;
            }
    // A detached container waits for spawn-oci start whatever its console.
    if ((container::console_uses_pty(l.plan->console) || l.plan->detached) && !l.child_end->wait(Barrier::Go).ok())
        return 1;

    auto prepared = prepare_exec(l);
    if (!prepared.ok()) {
        l.child_end->send_error(prepared.error());
        return 1;
    }
    // Last steps before the helper (which becomes the payload, or with
    // --as-pid2 the stub and the payload): personality, CPU affinity and
    // resource limits (container/payload.hpp); the seccomp filter (needs
    // CAP_SYS_ADMIN, no no_new_privs), then the capability drop; then
    // no_new_privs, which the helper's exec and the payload's keep.
    auto secured = container::apply_payload_limits(l.plan->payload);
    if (secured.ok()) secured = container::load_seccomp(*l.seccomp);
    if (secured.ok() && l.cfg->user_ids) secured = container::become_user_keeping_capabilities(*l.cfg->user_ids);
    if (secured.ok()) secured = container::apply_capabilities(
                              l.plan->capabilities, prepared->user.uid,
                              l.cfg->capability_sets ? &*l.cfg->capability_sets : nullptr);
    if (secured.ok()) secured = container::check_ambient_available(l.plan->payload.ambient_capabilities);
    if (secured.ok() && l.cfg->user_ids)
        secured = container::raise_ambient_capabilities(l.plan->payload.ambient_capabilities);
    if (secured.ok() && l.plan->payload.no_new_privileges) secured = container::set_no_new_privileges();
    if (!secured.ok()) {
        l.child_end->send_error(secured.error());
        return 1;
    }
    exec_payload(l, *prepared, pty_slave.get());
}

namespace {

// This process's PID in the host's PID namespace: /proc is still the host's.
pid_t pid_on_host() {
    char buf[32] = {};
    if (readlink("/proc/self", buf, sizeof buf - 1) <= 0) return 0;
    return static_cast<pid_t>(std::strtol(buf, nullptr, 10));
}

}  // namespace

int run_child(const Launch& given) noexcept {
    Launch l = given;
    l.host_pid = pid_on_host();
    // Die with the parent, even when it is SIGKILLed (detached: the parent is
    // spawn's; spawn going away ends it through the sync socket before Go).
    // Not dumpable while it runs spawn's code: a process that joins the
    // machine meanwhile (mctl exec) needs CAP_SYS_PTRACE to look into it.
    if (!l.plan->detached) prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_DUMPABLE, 0);
    l.parent_end->close();
    if (l.plan->userns.enabled()) return run_outer_child(l);
    UniqueFd pty_slave;
    auto master = setup(l, pty_slave);
    return finish_child(l, std::move(master), std::move(pty_slave));
}

}  // namespace spawn
