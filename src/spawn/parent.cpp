// The host side of a container's life, as a list of stages (start/plan.hpp
// says what each does; each returns an RAII object, so every way out tears
// down what was set up, in reverse): the disk image mounted (-i), the btrfs
// snapshot of -x, the tree made from its template (--template), the tree checked, the start planned
// (bad input fails here, before anything exists), the machine name claimed,
// the tree locked, the user namespace's range taken (-U), the guest prepared (-b), the cgroup made, the filter
// compiled, the container cloned and placed, its network and registration,
// its release to the payload, the event loop, and spawn's exit status.
// While the container runs, spawn is the lean monitor (monitor_stage.hpp): the
// stages are handed over to it and taken over again by spawn, exec'd back
// when PID 1 has ended (resume_container).
// A SIGKILL of spawn: the kernel kills the container (PR_SET_PDEATHSIG) and
// drops the lock and the mounts; the next start cleans the rest.
#include <sched.h>

#include <chrono>
#include <optional>

#include "container/lock.hpp"
#include "container/seccomp_cache.hpp"
#include "config/root_options.hpp"
#include "machined/registration.hpp"
#include "net/address_monitor.hpp"
#include "net/netns.hpp"
#include "net/setup.hpp"
#include "oci/bundle.hpp"
#include <systemd/sd-daemon.h>

#include "spawn/boot.hpp"
#include "spawn/cgroup_stage.hpp"
#include "spawn/container_start.hpp"
#include "spawn/event_loop.hpp"
#include "spawn/held.hpp"
#include "spawn/hooks_stage.hpp"
#include "spawn/image_stage.hpp"
#include "spawn/launch.hpp"
#include "spawn/monitor_stage.hpp"
#include "spawn/signals.hpp"
#include "spawn/snapshot_stage.hpp"
#include "spawn/stale_stage.hpp"
#include "spawn/template_stage.hpp"
#include "spawn/tree.hpp"
#include "spawn/users_stage.hpp"
#include "start/host_facts.hpp"
#include "start/plan.hpp"
#include "util/log.hpp"
#include "util/nsfs.hpp"
#include "util/fault.hpp"

namespace spawn {
namespace {

// SPAWN_DEBUG=1: time stamps of the start-up phases (tools/bench/startup).
void phase(const char* what) {
    static const auto start = std::chrono::steady_clock::now();
    log::debug("{:8.3f} ms  {}", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count(), what);
}

// Logs the decision's line and returns spawn's exit status.
int report(const start::ExitDecision& d) {
    if (d.level == start::ExitDecision::Level::Info) log::info("{}", d.message);
    if (d.level == start::ExitDecision::Level::Error) log::error("{}", d.message);
    return d.code;
}

// run() returns this when the guest rebooted (-b without --keep-unit): the
// caller starts the container again, after everything was torn down.
constexpr int kBootAgain = -1;

// How long the container's PID 1 runs before spawn becomes its lean monitor.
constexpr std::chrono::milliseconds kMonitorAfter{500};

// The host side of a cloned container: its links and its registration, and
// the watch on its addresses (opened while it waits: its namespace exists).
Result<void> connect_host_side(const start::StartPlan& plan, pid_t leader, Held& held,
                               std::optional<net::AddressMonitor>& addresses) {
    if (plan.netns == NetNamespace::Private) held.network.emplace(TRY(net::NetworkSetup::setup(plan.network, leader)));
    auto registration_params = plan.registration;
    registration_params.leader = leader;
    if (held.network) registration_params.ifindices = held.network->host_ifindices();
    held.registration = TRY(machined::Registration::create(registration_params));
    if (registration_params.mode != RegisterMode::No) TRY(fault::at("registration"));
    if (plan.follow_guest_address) addresses.emplace(TRY(net::AddressMonitor::open(leader)));
    return ok();
}

Result<int> run(const Config& given, const start::HostFacts& probed, const SignalGate& signals, const Driver* drive) {
    phase("start");
    // -i: the image's file systems, mounted in spawn's own mount namespace,
    // are the tree the rest of the start sees.
    // The configuration as the stages below see it: with the tree these two made.
    Config cfg = given;
    // What the stages below hold, torn down in reverse.
    Held held;
    if (!given.image.empty()) {
        const auto& image = held.image.emplace(TRY(ImageMount::mount(given)));
        TRY(fault::at("image"));
        cfg.directory = image.root();
        // A read-only image file makes the run read-only, unless the root is throwaway anyway.
        cfg.read_only = given.read_only || (image.read_only() && writes_tree(given));
        phase("image mounted");
    }
    // -x on a btrfs subvolume: a snapshot of it is the tree.
    if (auto snapshot = TRY(EphemeralSnapshot::take(cfg))) held.snapshot.emplace(std::move(*snapshot));
    if (held.snapshot) {
        cfg.directory = held.snapshot->path();
        cfg.on_snapshot = true;
        TRY(fault::at("snapshot"));
    }
    if (!held.image && (!cfg.root_hash.empty() || !cfg.root_hash_sig.empty() || !cfg.verity_data.empty()))
        log::warn("--root-hash=, --root-hash-sig= and --verity-data= apply to --image only; ignored");
    TRY(create_from_template(cfg));
    if (!cfg.template_dir.empty()) TRY(fault::at("template"));
    auto tree = TRY(open_tree(cfg));
    start::HostFacts host = probed;
    host.bound_users = TRY(container::resolve_bound_users(cfg.bind_users));
    host.credentials = TRY(container::load_credentials(cfg.credentials));
    const start::StartPlan plan = TRY(start::plan_start(cfg, host, tree.facts, TRY(random_uuid())));
    for (const auto& w : plan.warnings) log::warn("{}", w);
    // A live machine of this name is refused (naming its leader), a stale
    // registration cleared; then the name is claimed: of two starts of it at
    // the same instant the second fails here, touching nothing of the first's.
    TRY(machined::Registration::preflight(plan.machine, cfg.register_mode));
    held.name.emplace(TRY(container::NameLock::claim(plan.machine)));
    TRY(fault::at("name lock"));
    clear_dead_machines_leftovers(plan.machine);
    UniqueFd netns;
    if (plan.netns == NetNamespace::Joined) netns = TRY_CTX(net::open_netns(plan.network.netns_path), "--network-namespace-path");
    std::vector<JoinedNamespaceFd> joined;
    for (const auto& j : plan.joined_namespaces)
        joined.push_back({j.type, TRY_CTX(open_namespace_file(j.path, j.type),
                                          fmt::format("linux.namespaces ({})", oci::joinable_namespace_name(j.type)))});
    held.tree_lock.emplace(TRY(container::TreeLock::acquire(tree.fd.get(), plan.root, !plan.writes_tree)));
    TRY(fault::at("tree lock"));
    if (auto range = TRY(take_uid_range(plan))) held.uid_range.emplace(std::move(*range));
    if (held.uid_range) TRY(fault::at("uid range"));
    phase("tree checked and locked");

    std::optional<BootLaunch> boot;
    const container::IdRange* users = held.uid_range ? &held.uid_range->range() : nullptr;
    if (cfg.boot) boot = TRY(prepare_boot(cfg, plan, users));
    auto& cgroup = held.cgroup.emplace(TRY(create_cgroup(plan, users)));
    TRY(fault::at("cgroup"));
    phase("cgroup created");
    // nspawn's filter for the plan, or an OCI bundle's own profile instead.
    const auto seccomp = cfg.seccomp_profile ? TRY(container::compile_seccomp_profile(*cfg.seccomp_profile))
                                             : TRY(container::compile_seccomp_cached(plan.seccomp));
    phase("filter compiled");

    ChildInputs in{tree.fd.get(), netns.get(), boot ? &*boot : nullptr, &seccomp, &signals.saved_mask(),
                   users, &joined};
    auto container = TRY(ContainerStart::clone(cfg, plan, in, cgroup));
    TRY(fault::at("clone"));
    phase("cloned and placed");
    // An OCI bundle's poststop hooks, once everything is torn down (spawn-oci delete runs them).
    if (!drive) held.poststop.arm(cfg);
    std::optional<net::AddressMonitor> addresses;
    if (auto c = connect_host_side(plan, container.pid(), held, addresses); !c.ok())
        return container.first_cause(std::move(c).error());
    TRY(run_creation_hooks(cfg, container.pid()));
    if (drive) {
        Started started{cfg, plan, container, signals};
        return (*drive)(started);
    }

    Console console;
    TRY(container.release(cfg, plan, console));
    phase("payload executed");
    run_poststart_hooks(cfg, container.pid());
    // Our own service manager (Type=notify): ready now, as nspawn, unless
    // --notify-ready=yes waits for the guest's init (the relay forwards it).
    if (!cfg.notify_ready) (void)sd_notify(0, "READY=1\nSTATUS=Container running.");
    LoopInputs loop;
    loop.signal_fd = signals.fd();
    loop.kill_signal = plan.kill_signal;
    loop.console_mode = plan.console;
    loop.quiet = cfg.quiet;
    loop.relay = boot && boot->relay ? &*boot->relay : nullptr;
    if (addresses) {
        // The guest's address changed (or it had one before the watch): --port rules follow it.
        auto follow = [&addresses, &held] {
            addresses->drain();
            if (auto r = held.network->refresh_ports(); !r.ok()) log::warn("{}", r.error().message());
        };
        follow();
        loop.extra_fd = addresses->fd();
        loop.on_extra = follow;
    } else {
        // A container that runs for more than a moment gets the lean monitor;
        // a short command is not worth its exec back.
        loop.hand_over_after = kMonitorAfter;
    }
    std::optional<siginfo_t> ended;
    while (!(ended = TRY(run_until_exit(container.process(), console, loop)))) {
        // Returns only when the monitor could not be started.
        auto e = become_monitor(held, cfg, {plan, container.process(), console, loop.relay, signals});
        console.say(log::Level::Warning, e.message() + "; spawn runs the container's event loop itself", plan.console);
        loop.hand_over_after.reset();
    }
    const siginfo_t end = *ended;
    phase("container exited");
    auto decision = start::decide_exit(cfg, plan, end.si_code, end.si_status);
    return decision.boot_again ? (report(decision), kBootAgain) : report(decision);
}

// Boots the guest again for as long as it reboots.
int keep_running(const Config& cfg, const SignalGate& signals, const Driver* drive) {
    auto host = start::probe_host();
    if (!host.ok()) {
        log::error("{}", host.error().message());
        return 1;
    }
    for (;;) {
        auto r = run(cfg, *host, signals, drive);
        phase("torn down");
        if (!r.ok()) {
            log::error("{}", r.error().message());
            return 1;
        }
        if (*r != kBootAgain) return *r;
        // The guest rebooted: everything of the last run is torn down; boot again.
    }
}

}  // namespace

int run_container(const Config& cfg) { return run_container(cfg, Driver()); }

int run_container(const Config& cfg, const Driver& drive) {
    // Before anything changes on the host: a signal now waits for the loop.
    auto signals = SignalGate::open();
    if (!signals.ok()) {
        log::error("{}", signals.error().message());
        return 1;
    }
    return keep_running(cfg, *signals, drive ? &drive : nullptr);
}

int resume_container(const Config* cfg, const ResumeInfo& resume) {
    auto record = Handoff::read(resume.record_fd);
    ::close(resume.record_fd);
    if (!record.ok()) {
        log::error("taking over from the monitor: {}", record.error().message());
        return 1;
    }
    // The mask from before spawn's first start, for a guest booted again.
    const sigset_t original = parse_sigset(record->get("sigmask"));
    auto signals = SignalGate::open(&original);
    if (!signals.ok()) {
        log::error("{}", signals.error().message());
        return 1;
    }
    // The exit is decided as the start would have: from the record.
    Config decider = cfg ? *cfg : Config{};
    decider.boot = record->get_int("boot") != 0;
    decider.keep_unit = record->get_int("keep-unit") != 0;
    decider.quiet = record->get_int("quiet") != 0;
    log::set_quiet(decider.quiet);
    start::StartPlan plan;
    plan.machine = record->get("machine");
    plan.console = static_cast<ConsoleMode>(record->get_int("console"));
    const auto decision = start::decide_exit(decider, plan, resume.how, resume.status);
    {
        if (!cfg && record->get_int("poststop.held"))
            log::warn("the OCI bundle's poststop hooks are not run: spawn's command line could not be read again");
        Held held;
        held.take_over(*record, decider);
        report(decision);
    }  // torn down
    phase("torn down");
    if (!decision.boot_again) return decision.code;
    if (!cfg) {
        log::error("Not booting {} again: spawn's command line could not be read again.", plan.machine);
        return 1;
    }
    // -x without -M named the machine at random: booted again, it keeps that
    // name (and the host name made from it), as it would in one process.
    Config again = *cfg;
    if (again.ephemeral && again.machine != plan.machine) {
        if (again.hostname == again.machine) again.hostname = plan.machine;
        again.machine = plan.machine;
    }
    return keep_running(again, *signals, nullptr);
}

}  // namespace spawn
