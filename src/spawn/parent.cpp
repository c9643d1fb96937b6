// The host side of one container start: checks and locks the tree, creates
// the cgroup, clones the container process, walks the barriers with it
// (sync.hpp), forwards the console and signals, and turns the container's
// end into spawn's exit status. Everything it sets up is owned by an RAII
// object declared in this function, so every exit path tears it down
// (SIGKILL of spawn: the kernel kills the container via PR_SET_PDEATHSIG,
// drops the lock and the mounts; the empty cgroup is cleaned at the next start).
//
// Hook points for the other areas are marked NETWORK, REGISTER and BOOT.
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include <systemd/sd-id128.h>

#include "config/derived.hpp"
#include "container/caps.hpp"
#include "container/cgroup.hpp"
#include "container/cgroup_hierarchies.hpp"
#include "container/cgroup_limits.hpp"
#include "container/device_cgroup.hpp"
#include "container/device_policy.hpp"
#include "container/console.hpp"
#include "container/env.hpp"
#include "container/lock.hpp"
#include "container/process.hpp"
#include "container/sealed_helper.hpp"
#include "container/seccomp.hpp"
#include "container/tree.hpp"
#include "boot/cgroup.hpp"
#include "boot/exit.hpp"
#include "machined/registration.hpp"
#include "machined/scope.hpp"
#include "net/netns.hpp"
#include "net/setup.hpp"
#include "spawn/boot.hpp"
#include "spawn/launch.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/signals.hpp"
#include "util/strings.hpp"

namespace spawn {
namespace {

using namespace container;

// --uuid, else the tree's /etc/machine-id, else random (as nspawn does).
std::string container_uuid(const Config& cfg, int tree_fd) {
    if (cfg.uuid) return uuid_to_dashed(*cfg.uuid);
    struct open_how how {};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    UniqueFd fd(static_cast<int>(syscall(SYS_openat2, tree_fd, "etc/machine-id", &how, sizeof how)));
    if (fd) {
        char buf[64];
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n > 0)
            if (auto u = parse_machine_id(std::string_view(buf, static_cast<size_t>(n)))) return uuid_to_dashed(*u);
    }
    sd_id128_t id;
    Uuid u{};
    if (sd_id128_randomize(&id) >= 0) std::memcpy(u.data(), id.bytes, u.size());
    return uuid_to_dashed(u);
}

// LISTEN_FDS is passed on only when it is meant for us (LISTEN_PID).
int inherited_listen_fds() {
    const char* fds = std::getenv("LISTEN_FDS");
    const char* pid = std::getenv("LISTEN_PID");
    if (!fds || !pid) return 0;
    auto n = str::parse_uint(fds);
    auto p = str::parse_uint(pid);
    if (!n || !p || *p != static_cast<uint64_t>(getpid()) || *n > 1024) return 0;
    return static_cast<int>(*n);
}

// The host side of each --bind/--bind-ro ("+path": inside the tree), for the
// device policy: a bound device node is allowed (rw, r with --bind-ro), as nspawn does.
std::vector<BindSource> bind_sources(const Config& cfg, const std::string& root) {
    std::vector<BindSource> out;
    for (const auto& b : cfg.binds) {
        if (b.source.empty()) continue;
        std::string path = b.source[0] == '+' ? root + "/" + b.source.substr(1) : b.source;
        out.push_back({path, b.read_only});
    }
    return out;
}

// run() returns this when the guest rebooted (-b without --keep-unit): the
// caller starts the container again, after everything was torn down.
constexpr int kBootAgain = -1;

// SPAWN_DEBUG=1: time stamps of the start-up phases (tools/bench/startup).
void phase(const char* what) {
    static const auto start = std::chrono::steady_clock::now();
    log::debug("{:8.3f} ms  {}", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count(), what);
}

Result<int> run(const Config& cfg) {
    phase("start");
    // 0. The network plan: bad network options fail before anything exists;
    // a --network-namespace-path is opened (and checked) here, joined by the child.
    auto net_plan = TRY(net::NetworkSetup::prepare(cfg));
    UniqueFd netns_fd;
    if (!net_plan.netns_path.empty())
        netns_fd = TRY_CTX(net::open_netns(net_plan.netns_path), "--network-namespace-path");

    // 1. The tree: checked, then locked (fails fast when busy).
    auto tree_fd = TRY(check_tree(cfg.directory));
    // A live machine of this name is refused and a stale registration cleared,
    // and --property= limits are checked, before anything is set up.
    TRY(machined::Registration::preflight(cfg.machine, cfg.register_mode));
    // The cgroup facts: every hierarchy spawn is in must be one it can place
    // the container in (refused otherwise); --property= limits and the device
    // policy (--property=DeviceAllow=, device nodes among the --bind sources)
    // are planned and checked here too.
    const CgroupLayout layout = detect_cgroup_layout();
    const bool keep_unit_cgroup = boot::keep_unit_cgroup_applies(cfg.keep_unit);
    // With systemd as PID 1 (and no --keep-unit) systemd allocates the scope
    // after clone (StartTransientUnit, as nspawn does): no cgroup of our own.
    const bool systemd_scope = machined::systemd_booted() && !cfg.keep_unit;
    const auto hierarchies = TRY(discover_cgroup_hierarchies());
    auto limits = TRY(CgroupLimits::plan(cfg.properties, hierarchies, layout, !keep_unit_cgroup));
    char real[PATH_MAX];
    if (!realpath(cfg.directory.c_str(), real)) return Error::errno_("resolving {}", cfg.directory);
    std::string root = real;
    const auto devices =
        TRY(plan_device_policy(device_allow_values(cfg.properties), bind_sources(cfg, root), host_device_facts()));
    auto lock = TRY(TreeLock::acquire(tree_fd.get(), root, cfg.read_only));
    phase("tree checked and locked");

    const std::string machine = cfg.machine;
    const std::string hostname = cfg.hostname.empty() ? machine : cfg.hostname;
    const bool stdin_tty = isatty(STDIN_FILENO), stdout_tty = isatty(STDOUT_FILENO);
    const ConsoleMode console = resolve_console_mode(cfg.console, stdin_tty, stdout_tty, cfg.boot);

    // BOOT: the tree must have an os-release and an init (checked before
    // anything is created on the host); machine id, journal plan, notify relay.
    std::optional<BootLaunch> boot;
    if (cfg.boot) {
        const char* t = std::getenv("TERM");
        boot = TRY(prepare_boot(cfg, root, stdin_tty && t && *t ? t : "vt220", console == ConsoleMode::Pipe,
                                inherited_listen_fds()));
    }

    // 2. The cgroup, in every hierarchy (a stale empty one of the same name is
    // removed), with the limits and the device policy in place before any
    // task joins it.
    CgroupPlan cgroup_plan = plan_cgroup(hierarchies, machine, cfg.slice);
    std::optional<boot::KeepUnitCgroup> keep_unit;
    if (keep_unit_cgroup) {
        // BOOT/--keep-unit under systemd (spawn@.service, Delegate=yes): the
        // container goes to <unit>/payload, spawn to <unit>/supervisor, as
        // nspawn does; no machine.slice scope outside the unit. The unit's
        // cgroup is read once: after a reboot we already sit in supervisor/.
        static const std::optional<std::string> own = boot::own_cgroup(read_text_file("/proc/self/cgroup"), layout);
        if (!own) return Error::msg("--keep-unit: cannot find spawn's own cgroup in /proc/self/cgroup");
        keep_unit = boot::plan_keep_unit_cgroup(hierarchies, *own);
        cgroup_plan = keep_unit->payload;
    }
    std::optional<machined::TransientScope> transient;
    if (systemd_scope)  // planned (and --property=/--slice checked) before anything exists
        transient = TRY(machined::plan_transient_scope(machine, 0, cfg.slice, cfg.properties, devices.bind_allow));
    auto cgroup = systemd_scope ? Cgroup() : TRY(Cgroup::create(std::move(cgroup_plan), machine));
    if (!systemd_scope) {  // systemd applies both to its scope otherwise
        TRY(limits.apply(cgroup.plan()));
        TRY_CTX(apply_device_policy(cgroup.plan(), devices), "applying the device policy");
    }
    if (keep_unit) TRY_CTX(boot::enter_supervisor(*keep_unit), "--keep-unit");
    phase("cgroup created");

    // 3. Everything the child needs, decided here.
    auto [parent_end, child_end] = TRY(SyncChannel::make_pair());
    auto helper = TRY(open_sealed_helper());
    Launch l;
    l.cfg = &cfg;
    l.root = root;
    l.root_fd = tree_fd.get();
    l.machine = machine;
    l.hostname = hostname;
    l.uuid = container_uuid(cfg, tree_fd.get());
    const char* host_term = std::getenv("TERM");
    l.term = stdin_tty && host_term && *host_term ? host_term : "vt220";
    l.console = console;
    l.plan = plan_mounts(cfg, MountFacts{layout, console_uses_pty(console)});
    l.listen_fds = inherited_listen_fds();
    l.netns_fd = netns_fd.get();
    l.helper_fd = helper.get();
    l.parent_end = &parent_end;
    l.child_end = &child_end;
    if (boot) {
        l.boot = &*boot;
        l.uuid = boot->uuid;
    }

    // Signals arrive through a signalfd; the child restores the old mask.
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGWINCH}) sigaddset(&mask, s);
    if (sigprocmask(SIG_BLOCK, &mask, &l.saved_sigmask) < 0) return Error::errno_("blocking signals");
    UniqueFd sigfd(signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!sigfd) return Error::errno_("creating a signalfd");
    signal(SIGPIPE, SIG_IGN);

    // The seccomp filter, compiled here: the child only loads it, right
    // before exec, so it is confined soon after it is registered.
    TRY(container::prepare_seccomp(cfg));
    phase("seccomp compiled");

    // 4. The container process.
    uint64_t flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
    if (net_plan.private_network) flags |= CLONE_NEWNET;
    // Born in its cgroup2 cgroup (CLONE_INTO_CGROUP, its BPF device program
    // already attached); moved into the v1 ones (name=systemd and every
    // controller) on hybrid/legacy hosts while it sets up its mounts. It
    // unshares its cgroup namespace only after HostReady.
    auto child = TRY(ChildProcess::clone(flags, cgroup.clone_into_fd(), [&l]() { return run_child(l); }));
    child_end.close();
    phase("cloned");
    if (transient) {
        transient->pids = {static_cast<uint32_t>(child.pid())};
        if (auto a = machined::allocate_transient_scope(*transient); !a.ok()) {
            siginfo_t ignored;
            (void)child.reap(ignored, false);
            if (auto e = parent_end.pending_error()) return std::move(*e);
            return std::move(a).error().context("allocating the container's scope");
        }
    } else if (auto a = cgroup.attach(child.pid(), child.born_in_cgroup()); !a.ok()) {
        siginfo_t ignored;
        (void)child.reap(ignored, false);
        if (auto e = parent_end.pending_error()) return std::move(*e);  // the child failed first
        return std::move(a).error().context("moving the container into its cgroup");
    } else if (auto c = check_not_in_v1_root(child.pid()); !c.ok()) {  // before it unshares its cgroup namespace
        siginfo_t ignored;
        (void)child.reap(ignored, false);
        if (auto e = parent_end.pending_error()) return std::move(*e);  // it died first: that is the cause
        return std::move(c).error();
    }
    phase("attached to the cgroup");

    // NETWORK hook: host-side links (veth, bridge, macvlan, moving interfaces
    // into the child's netns: /proc/<child.pid()>/ns/net) are created here, after
    // the child exists and before it proceeds; `network` tears them down on
    // every exit path (and the next start cleans up after a SIGKILL of spawn).
    // network->host_ifindices() is what RegisterMachineWithNetwork wants.
    std::optional<net::NetworkSetup> network;
    if (net_plan.private_network) network.emplace(TRY(net::NetworkSetup::setup(net_plan, child.pid())));
    // --port without --network-address: rules follow the guest's address.
    const bool refresh_ports = network && !net_plan.ports.empty();

    // REGISTER hook: machined registration (the leader sits in its unit-named
    // cgroup now), before HostReady so the payload never runs unregistered.
    // RAII, undone on every exit path.
    machined::RegistrationParams reg_params;
    reg_params.name = machine;
    reg_params.uuid = parse_machine_id(l.uuid).value_or(Uuid{});
    reg_params.leader = child.pid();
    reg_params.root_directory = root;
    reg_params.mode = cfg.register_mode;
    reg_params.poweroff_signal = cfg.kill_signal;  // mctl poweroff sends what the guest's init expects
    reg_params.syscall_filter = cfg.syscall_filter;  // mctl confines entered commands with it
    reg_params.bounding_set = plan_capabilities(cfg);  // and with this
    if (network) reg_params.ifindices = network->host_ifindices();
    auto registration = TRY(machined::Registration::create(reg_params));

    TRY(parent_end.signal(Barrier::HostReady));
    UniqueFd master;
    TRY(parent_end.wait(Barrier::ChildMounted, &master));
    phase("child mounted");

    // BOOT hook (parent side): notify socket relay (READY=1 to our own
    // NOTIFY_SOCKET) is set up here, before the payload starts.

    TerminalGuard terminal;
    std::optional<ConsoleForwarder> forwarder;
    if (master) {
        if (!cfg.quiet && console != ConsoleMode::Passive)
            log::info("Spawning container {} on {}.\nPress ^] three times within 1s to kill container.",
                      machine, root);
        if (console == ConsoleMode::Interactive) TRY(terminal.make_raw(STDIN_FILENO));
        forwarder.emplace(std::move(master), console);
    }
    if (console_uses_pty(console)) TRY(parent_end.signal(Barrier::Go));
    // EOF: the payload was executed; an error frame: it could not be.
    if (auto e = parent_end.wait_closed(); !e.ok()) {
        terminal.restore();
        log::error("{}", e.error().message());
    }
    parent_end.close();
    phase("payload executed");

    const int kill_signal = effective_kill_signal(cfg);
    const int relay_fd = boot && boot->relay ? boot->relay->fd() : -1;
    siginfo_t info{};
    bool halting = false;
    for (;;) {
        std::vector<struct pollfd> fds = {{sigfd.get(), POLLIN, 0}, {child.pidfd(), POLLIN, 0}, {relay_fd, POLLIN, 0}};
        if (forwarder) forwarder->add_pollfds(fds);
        int timeout = forwarder ? forwarder->poll_timeout_ms() : -1;
        if (refresh_ports && (timeout < 0 || timeout > 1000)) timeout = 1000;
        if (poll(fds.data(), fds.size(), timeout) < 0) {
            if (errno == EINTR) continue;
            return Error::errno_("poll");
        }
        if (refresh_ports) {
            auto r = network->refresh_ports();
            if (!r.ok()) log::warn("{}", r.error().message());
        }
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (::read(sigfd.get(), &si, sizeof si) == sizeof si) {
                int sig = static_cast<int>(si.ssi_signo);
                if (sig == SIGWINCH) {
                    if (forwarder) forwarder->resize();
                } else if (sig != SIGCHLD) {
                    // SIGTERM/SIGINT/SIGHUP/SIGQUIT: as nspawn, --kill-signal to PID 1;
                    // a second one kills the container at once.
                    if (!halting && kill_signal != SIGKILL && !cfg.quiet) {
                        terminal.restore();
                        log::info("Trying to halt container. Send SIGTERM again to trigger immediate termination.");
                        if (console == ConsoleMode::Interactive) (void)terminal.make_raw(STDIN_FILENO);
                    }
                    TRY(child.send_signal(halting ? SIGKILL : kill_signal));
                    halting = true;
                }
            }
        }
        if (forwarder && forwarder->handle(fds)) {
            terminal.restore();
            TRY(child.send_signal(SIGKILL));
        }
        if (fds[2].revents & POLLIN) {
            // BOOT: the guest's sd_notify messages, forwarded to our NOTIFY_SOCKET.
            if (auto r = boot->relay->dispatch(); !r.ok()) log::debug("{}", r.error().message());
        }
        if (fds[1].revents & POLLIN) {
            if (TRY(child.reap(info, false))) break;
        }
    }
    if (forwarder) forwarder->drain();
    terminal.restore();
    phase("container exited");

    // BOOT hook: exit-status policy for -b (PID 1 killed by SIGINT = poweroff
    // -> 0, by SIGHUP = reboot -> boot again, or 133 with --keep-unit).
    if (cfg.boot) {
        int wstatus = info.si_code == CLD_EXITED ? (info.si_status & 0xff) << 8 : (info.si_status & 0x7f);
        auto d = boot::decide_exit(wstatus, true, cfg.keep_unit, machine);
        if (d.reboot) {
            if (!cfg.quiet) log::info("{}", d.message);
            return kBootAgain;
        }
        if (d.exit_code == 0 || d.exit_code == boot::kExitReboot) {
            if (!cfg.quiet) log::info("{}", d.message);
        } else {
            log::error("{}", d.message);
        }
        return d.exit_code;
    }
    if (info.si_code == CLD_EXITED) {
        int code = info.si_status;
        if (!cfg.quiet && console_uses_pty(console)) {
            if (code == 0)
                log::info("Container {} exited successfully.", machine);
            else
                log::info("Container {} failed with error code {}.", machine, code);
        }
        return code;
    }
    log::error("Container {} terminated by signal {}.", machine, signal_name(info.si_status));
    return 1;
    // Teardown in reverse declaration order: (REGISTER, NETWORK objects),
    // forwarder, cgroup (killed and removed), lock, tree fd.
}

}  // namespace

int run_container(const Config& cfg) {
    for (;;) {
        auto r = run(cfg);
        phase("torn down");
        if (!r.ok()) {
            log::error("{}", r.error().message());
            return 1;
        }
        if (*r != kBootAgain) return *r;
        // The guest rebooted: everything of the last run is torn down; boot again.
    }
}

}  // namespace spawn
