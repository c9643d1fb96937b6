#include "start/plan.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include <fmt/format.h>

#include "boot/exit.hpp"
#include "boot/machine_id.hpp"
#include "config/root_options.hpp"
#include "container/caps.hpp"
#include "container/console.hpp"
#include "util/signals.hpp"
#include "util/strings.hpp"

namespace spawn::start {
namespace {

// The host side of each --bind/--bind-ro ("+path": inside the tree), for the
// device policy: a bound device node is allowed (rw, r with --bind-ro), as nspawn does.
std::vector<container::BindSource> bind_sources(const Config& cfg, const std::string& root) {
    std::vector<container::BindSource> out;
    for (const auto& b : cfg.binds) {
        if (b.source.empty()) continue;
        std::string path = b.source[0] == '+' ? root + "/" + b.source.substr(1) : b.source;
        out.push_back({path, b.read_only});
    }
    return out;
}

// --uuid, else the tree's machine id, else random (as nspawn; --boot: the
// guest's machine id, with nspawn's refusal of a --uuid the tree contradicts).
Result<std::pair<Uuid, bool>> decide_uuid(const Config& cfg, const TreeFacts& tree, const Uuid& random) {
    if (cfg.boot) {
        auto id = TRY(boot::decide_machine_id(tree.machine_id, cfg.uuid, random).context(tree.root));
        return std::make_pair(id.id, id.from_tree);
    }
    if (cfg.uuid) return std::make_pair(*cfg.uuid, false);
    if (tree.machine_id)
        if (auto u = parse_machine_id(*tree.machine_id)) return std::make_pair(*u, false);
    return std::make_pair(random, false);
}

Result<void> plan_cgroups(StartPlan& p, const Config& cfg, const HostFacts& host) {
    const auto layout = host.cgroup_layout;
    p.cgroup_owner = cfg.keep_unit && host.systemd_booted ? CgroupOwner::KeepUnit
                     : host.systemd_booted               ? CgroupOwner::Systemd
                                                         : CgroupOwner::Spawn;
    // The device policy and the limits are checked on every host, before anything exists.
    p.devices = TRY(container::plan_device_policy(container::device_allow_values(cfg.properties),
                                                  bind_sources(cfg, p.root), host.devices));
    // An OCI bundle's linux.devices: the container may use them (with systemd
    // as PID 1, its scope allows them by their /dev/char or /dev/block link).
    for (const auto& d : cfg.device_nodes) {
        if (d.type == 'p') continue;
        p.devices.rules.push_back({d.type, d.major, d.minor, "rwm"});
        container::DeviceAllow link{fmt::format("/dev/{}/{}:{}", d.type == 'b' ? "block" : "char", d.major, d.minor),
                                    "rwm"};
        p.devices.allow.push_back(link);
        p.devices.bind_allow.push_back(link);
    }
    p.limits = TRY(container::CgroupLimits::plan(cfg.properties, host.cgroup_hierarchies, layout,
                                                 p.cgroup_owner != CgroupOwner::KeepUnit,
                                                 host.cgroup2_root_controllers));
    switch (p.cgroup_owner) {
    case CgroupOwner::Spawn:
        p.cgroup = container::plan_cgroup(host.cgroup_hierarchies, p.machine, cfg.slice);
        break;
    case CgroupOwner::Systemd:
        p.transient = TRY(machined::plan_transient_scope(p.machine, 0, cfg.slice, cfg.properties, p.devices.bind_allow));
        break;
    case CgroupOwner::KeepUnit: {
        // spawn@.service (Delegate=yes): the container in <unit>/payload, spawn
        // in <unit>/supervisor, as nspawn does; no machine.slice scope.
        auto own = boot::own_cgroup(host.own_cgroup_text, layout);
        if (!own) return Error::msg("--keep-unit: cannot find spawn's own cgroup in /proc/self/cgroup");
        p.keep_unit = boot::plan_keep_unit_cgroup(host.cgroup_hierarchies, *own);
        p.cgroup = p.keep_unit->payload;
        break;
    }
    }
    return ok();
}

}  // namespace

int listen_fds_for(const HostFacts& host) {
    if (!host.listen_fds || !host.listen_pid) return 0;
    auto n = str::parse_uint(*host.listen_fds);
    auto pid = str::parse_uint(*host.listen_pid);
    if (!n || !pid || *pid != static_cast<uint64_t>(host.pid) || *n > 1024) return 0;
    return static_cast<int>(*n);
}

Result<StartPlan> plan_start(const Config& cfg, const HostFacts& host, const TreeFacts& tree, const Uuid& random) {
    StartPlan p;
    p.machine = cfg.machine;
    p.hostname = cfg.hostname.empty() ? cfg.machine : cfg.hostname;
    p.root = tree.root;
    std::tie(p.uuid, p.uuid_from_tree) = TRY(decide_uuid(cfg, tree, random));

    p.console = container::resolve_console_mode(cfg.console, host.stdin_tty, host.stdout_tty, cfg.boot);
    p.term = host.stdin_tty && !host.term.empty() ? host.term : "vt220";
    p.listen_fds = listen_fds_for(host);
    p.kill_signal = effective_kill_signal(cfg);

    // Bad network options fail here, before anything exists.
    p.network = TRY(net::plan_network(cfg));
    p.netns = net_namespace(cfg.net);
    // --port without --network-address: the rules follow the address the guest
    // gets (with it, they are installed with the links).
    p.follow_guest_address = p.netns == NetNamespace::Private && !cfg.net.ports.empty() && cfg.net.addresses.empty();
    p.userns = TRY(container::plan_userns(cfg.userns, p.machine, tree.owner_uid, tree.owner_gid));
    // (The first process runs them; with a user namespace it is the outer child, which does not.)
    if (p.userns.enabled() && !cfg.oci_hooks.create_container.empty())
        return Error::msg("hooks.createContainer: not supported by spawn with a user namespace yet");
    // An OCI bundle's namespaces to join (CLONE_NEW* flags): not made.
    int joined = 0;
    for (const auto& j : cfg.joined_namespaces) joined |= j.type;
    // A cgroup file system is mounted from the cgroup namespace's own user
    // namespace: the container's cannot mount one for a joined namespace.
    if (p.userns.enabled() && (joined & CLONE_NEWCGROUP))
        return Error::msg("linux.namespaces: joining a cgroup namespace with a user namespace of the container's "
                          "own is not supported by spawn (its cgroup file systems could not be mounted)");
    // The outer child sets the tree up in a mount namespace of its own, which the container's copies.
    if (p.userns.enabled() && (joined & CLONE_NEWNS))
        return Error::msg("linux.namespaces: joining a mount namespace with a user namespace of the container's "
                          "own is not supported by spawn");
    p.clone_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
                    (p.netns == NetNamespace::Private ? CLONE_NEWNET : 0) |
                    (p.userns.enabled() && p.userns.mode != UserNsMode::Joined ? CLONE_NEWUSER : 0);
    p.detached = cfg.detached;
    p.clone_flags &= ~static_cast<uint64_t>(joined);
    p.joined_namespaces = cfg.joined_namespaces;
    p.capabilities = container::plan_capabilities(cfg);
    p.seccomp = container::plan_seccomp(p.capabilities, cfg.syscall_filter, cfg.suppress_sync);
    container::MountFacts mount_facts;
    mount_facts.cgroup = host.cgroup_layout;
    mount_facts.console_pty = container::console_uses_pty(p.console);
    mount_facts.userns = p.userns.enabled();
    mount_facts.joined = joined;
    // GID 5 (tty) is in every range that can hold it; a range given smaller has no tty group.
    mount_facts.tty_group_mapped = !p.userns.range || p.userns.range->count > 5;
    if ((!cfg.selinux_context.empty() || !cfg.selinux_apifs_context.empty()) && !host.selinux_enabled)
        return Error::msg("SELinux is not enabled on this host: {} cannot be applied",
                          !cfg.selinux_context.empty() ? "--selinux-context=" + cfg.selinux_context
                                                       : "--selinux-apifs-context=" + cfg.selinux_apifs_context);
    p.selinux_label = cfg.selinux_context;
    p.credentials = host.credentials;
    container::EtcFacts etc = host.etc;
    etc.private_network = p.netns != NetNamespace::Host;
    etc.etc_writable = !cfg.read_only;
    p.resolv_conf = container::plan_resolv_conf(cfg.resolv_conf, etc);
    std::string tz_warning;
    p.timezone = container::plan_timezone(cfg.timezone, etc, &tz_warning);
    if (!tz_warning.empty()) p.warnings.push_back("--timezone: " + tz_warning);
    mount_facts.apifs_label = cfg.selinux_apifs_context;
    p.bound_users = host.bound_users;
    if (!p.bound_users.empty() && !p.userns.extra.empty())
        return Error::msg("--bind-user: not supported with several ID ranges (an OCI bundle's uidMappings)");
    for (const auto& u : p.bound_users) mount_facts.user_homes.emplace_back(u.home, container::bound_home(u));
    p.root_layer = container::root_layer_of(cfg.ephemeral && !cfg.on_snapshot, cfg.volatile_mode);
    p.writes_tree = writes_tree(cfg);
    p.mounts = container::plan_mounts(cfg, mount_facts);
    TRY(plan_cgroups(p, cfg, host));
    p.payload = TRY(container::plan_payload(cfg, p.capabilities, host.rlimits));

    auto& r = p.registration;
    r.name = p.machine;
    r.uuid = p.uuid;
    r.root_directory = cfg.image.empty() ? p.root : "";  // an image's root is nowhere on the host
    r.mode = cfg.register_mode;
    r.poweroff_signal = cfg.kill_signal;      // only an explicit --kill-signal: what the guest's init takes as poweroff
    r.syscall_filter = cfg.syscall_filter;    // mctl confines commands it enters with these
    r.bounding_set = p.capabilities;
    return p;
}

ExitDecision decide_exit(const Config& cfg, const StartPlan& plan, int how, int status) {
    ExitDecision d;
    if (cfg.boot) {
        // PID 1 killed by SIGINT: powered off (0); by SIGHUP: rebooted (boot
        // again, or 133 for the service manager with --keep-unit).
        int wstatus = how == CLD_EXITED ? (status & 0xff) << 8 : (status & 0x7f);
        auto b = boot::decide_exit(wstatus, true, cfg.keep_unit, plan.machine);
        d.code = b.exit_code;
        d.boot_again = b.reboot;
        d.message = b.message;
        bool normal = b.reboot || b.exit_code == 0 || b.exit_code == boot::kExitReboot;
        d.level = !normal ? ExitDecision::Level::Error : cfg.quiet ? ExitDecision::Level::None : ExitDecision::Level::Info;
        return d;
    }
    if (how == CLD_EXITED) {
        d.code = status;
        if (!cfg.quiet && container::console_uses_pty(plan.console)) {
            d.level = ExitDecision::Level::Info;
            d.message = d.code == 0 ? fmt::format("Container {} exited successfully.", plan.machine)
                                    : fmt::format("Container {} failed with error code {}.", plan.machine, d.code);
        }
        return d;
    }
    d.code = 1;
    d.level = ExitDecision::Level::Error;
    d.message = fmt::format("Container {} terminated by signal {}.", plan.machine, signal_name(status));
    return d;
}

}  // namespace spawn::start
