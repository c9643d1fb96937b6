// poweroff, reboot, terminate, kill.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "machined/procs.hpp"
#include "machined/scope.hpp"
#include "mctl.hpp"
#include "util/log.hpp"

namespace spawn::mctl {

// Per-machine signal overrides: /run/spawn/machines/NAME holds
// "PoweroffSignal=SIGTERM" / "RebootSignal=SIGHUP" lines (spawn writes it for
// guests whose init wants other signals, e.g. sysvinit; an admin may too).
static int machine_signal(const std::string& name, const char* key, int fallback) {
    if (!target_is_local()) return fallback;  // the state file is the remote host's
    std::ifstream in("/run/spawn/machines/" + name);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(std::string(key) + "=", 0) != 0) continue;
        if (auto sig = parse_signal_name(line.substr(std::strlen(key) + 1))) return *sig;
        log::warn("/run/spawn/machines/{}: bad {}, using {}", name, line, signal_name(fallback));
    }
    return fallback;
}

// Sends sig to the machine's leader: locally through its pinned pidfd (never
// to a process that took over a dead leader's PID), remotely through machined.
static Result<void> signal_leader(machined::Machined& m, const std::string& name, int sig) {
    if (!target_is_local()) return m.kill(name, "leader", sig);
    auto live = TRY(live_machine(m, name));
    if (!live.leader) return m.kill(name, "leader", sig);  // .host
    return live.leader->signal(sig);
}

static int send_leader(const Options& o, const std::vector<std::string>& names, const char* key, int def, const char* what) {
    auto m = connect();
    if (!m) return fail(m.error());
    int rc = 0;
    for (const auto& n : names) {
        int sig = o.signal ? *o.signal : machine_signal(n, key, def);
        auto r = signal_leader(*m, n, sig);
        if (!r) rc = fail(std::move(r).error().context(fmt::format("Could not {} machine '{}'", what, n)));
    }
    return rc;
}

int verb_poweroff(const Options& o, const std::vector<std::string>& args) {
    return send_leader(o, args, "PoweroffSignal", SIGRTMIN + 4, "power off");
}

int verb_reboot(const Options& o, const std::vector<std::string>& args) {
    return send_leader(o, args, "RebootSignal", SIGINT, "reboot");
}

// Sends sig to every process of the machine's cgroup; returns how many got it.
static Result<size_t> kill_cgroup(const machined::MachineInfo& info, int sig) {
    auto cg = TRY(machined::machine_cgroup(static_cast<pid_t>(info.leader), info.unit));
    size_t n = 0;
    for (pid_t p : machined::pids_below(cg))
        if (::kill(p, sig) == 0) ++n;
    return n;
}

int verb_terminate(const Options&, const std::vector<std::string>& args) {
    auto m = connect();
    if (!m) return fail(m.error());
    int rc = 0;
    for (const auto& n : args) {
        // A ghost's registration and what its spawn left are all there is to end.
        if (auto info = m->get(n); info && cleared_ghost(*m, *info)) continue;
        auto r = m->terminate(n);
        if (r) continue;
        if (r.error().code() == machined::kNoSuchMachine || machined::systemd_booted() || !target_is_local()) {
            rc = fail(std::move(r).error().context(fmt::format("Could not terminate machine '{}'", n)));
            continue;
        }
        // No systemd to stop the scope: kill the cgroup's processes ourselves.
        auto info = m->get(n);
        if (!info) {
            rc = fail(info.error());
            continue;
        }
        auto cg = machined::machine_cgroup(static_cast<pid_t>(info->leader), info->unit);
        if (cg) {
            for (int i = 0; i < 250; ++i) {
                auto pids = machined::pids_below(*cg);
                if (pids.empty()) break;
                for (pid_t p : pids) ::kill(p, SIGKILL);
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            if (!machined::pids_below(*cg).empty()) {
                rc = fail(Error::msg("Could not terminate machine '{}': processes remain in {}", n, *cg));
                continue;
            }
        } else if (auto leader = machined::PinnedLeader::pin(*info)) {
            (void)leader->signal(SIGKILL);
        }
        auto u = m->unregister(n);
        if (!u && u.error().code() != machined::kNoSuchMachine) rc = fail(u.error());
    }
    return rc;
}

int verb_kill(const Options& o, const std::vector<std::string>& args) {
    auto m = connect();
    if (!m) return fail(m.error());
    std::string whom = o.kill_whom.empty() ? "all" : o.kill_whom;
    int sig = o.signal ? *o.signal : SIGTERM;
    int rc = 0;
    for (const auto& n : args) {
        if (whom == "leader") {
            if (auto r = signal_leader(*m, n, sig); !r)
                rc = fail(std::move(r).error().context(fmt::format("Could not kill machine '{}'", n)));
            continue;
        }
        if (target_is_local()) {
            if (auto live = live_machine(*m, n); !live) {
                rc = fail(std::move(live).error().context(fmt::format("Could not kill machine '{}'", n)));
                continue;
            }
        }
        auto r = m->kill(n, whom, sig);
        if (r) continue;
        if (r.error().code() == machined::kNoSuchMachine || whom != "all" || machined::systemd_booted() ||
            !target_is_local()) {
            rc = fail(std::move(r).error().context(fmt::format("Could not kill machine '{}'", n)));
            continue;
        }
        // machined signals "all" through systemd; without it, walk the cgroup.
        auto info = m->get(n);
        if (!info) {
            rc = fail(info.error());
            continue;
        }
        auto k = kill_cgroup(*info, sig);
        if (!k) rc = fail(std::move(k).error().context(fmt::format("Could not kill machine '{}'", n)));
    }
    return rc;
}

}  // namespace spawn::mctl
