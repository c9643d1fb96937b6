// start, state, kill, delete: through the state directory (state_dir.hpp).
// Only start talks to the supervisor; kill signals the pinned init, and
// delete waits for the supervisor's lock, so both work whatever state the
// supervisor is in, and after it is gone.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "config/options.hpp"
#include "spawn-oci/runtime.hpp"
#include "config/settings_load.hpp"
#include "oci/spec.hpp"
#include "oci/hooks.hpp"
#include "spawn-oci/supervisor.hpp"
#include "util/file.hpp"
#include "spawn-oci/unix_socket.hpp"
#include "spawn/stale_stage.hpp"
#include "util/log.hpp"

namespace spawn::oci_runtime {

namespace {

// How long delete waits for the supervisor to tear down after the init ended.
constexpr int kTeardownTimeoutMs = 30000;

struct Loaded {
    StateDir dir;
    std::optional<oci::RuntimeState> state;
    oci::Status status;
};

Result<Loaded> load(const Globals& g, const std::string& id) {
    auto dir = TRY(StateDir::open(g.root, id));
    auto state = TRY(dir.read());
    auto status = status_of(dir, state);
    return Loaded{std::move(dir), std::move(state), status};
}

std::optional<Pinned> pin_init(const Loaded& l) {
    return l.state ? Pinned::pin(l.state->pid, l.state->pid_start) : std::nullopt;
}

}  // namespace

Result<void> start_container(const Globals& g, const std::string& id) {
    auto l = TRY(load(g, id));
    switch (l.status) {
        case oci::Status::Creating: return Error::msg("container {} is still being created", id);
        case oci::Status::Running: return Error::msg("cannot start an already running container");
        case oci::Status::Stopped: return Error::msg("cannot start a container that has stopped");
        case oci::Status::Created: break;
    }
    auto s = TRY(connect_unix(l.dir.file("ctl.sock"), SOCK_SEQPACKET, fmt::format("container {}: its supervisor", id)));
    if (send(s.get(), kStartRequest.data(), kStartRequest.size(), MSG_NOSIGNAL) < 0)
        return Error::errno_("container {}: asking its supervisor to start it", id);
    char reply[4096];
    ssize_t n;
    while ((n = recv(s.get(), reply, sizeof reply, 0)) < 0 && errno == EINTR) {
    }
    if (n <= 0) return Error::msg("container {}: its supervisor went away while starting it", id);
    std::string_view text(reply, static_cast<size_t>(n));
    if (text != kStartedReply) return Error::msg("{}", text);
    return ok();
}

// The init is killed (a created or, with force, a running container), the
// supervisor waited for (it tears down what the start set up), and the
// directory removed. Without a supervisor (it was killed), what it held is
// cleared as a dead machine's.
Result<void> delete_container(const Globals& g, const std::string& id, bool force) {
    auto loaded = load(g, id);
    // --force: gone already is deleted (as runc; engines delete twice).
    if (!loaded.ok() && force && loaded.error().code() == ENOENT) return ok();
    auto l = TRY(std::move(loaded));
    if (l.status == oci::Status::Running && !force)
        return Error::msg("cannot delete container {} that is not stopped: running", id);
    if (l.status == oci::Status::Creating)
        return Error::msg("cannot delete container {} that is being created", id);
    // poststop's hooks: the bundle's, read before anything goes.
    oci::Hooks hooks;
    if (l.state)
        if (auto spec = read_oci_spec(l.state->bundle)) hooks = spec->hooks;
    if (auto init = pin_init(l)) TRY(init->signal(SIGKILL));
    if (l.state && l.dir.supervisor_alive()) {
        auto supervisor = Pinned::pin(l.state->supervisor, 0);
        if (supervisor && l.dir.supervisor_alive() && !supervisor->wait_exit(kTeardownTimeoutMs))
            return Error::msg("container {}: its supervisor (PID {}) did not finish in {} s", id,
                              supervisor->pid(), kTeardownTimeoutMs / 1000);
    } else {
        clear_dead_machines_leftovers("");
    }
    l.dir.remove();
    if (l.state)
        if (auto h = oci::run_hooks(hooks.poststop, "poststop", oci::spec_state_json(*l.state, oci::Status::Stopped)); !h.ok())
            log::warn("{}", h.error().message());
    return ok();
}

int cmd_start(const Globals& g, const Args& args) {
    auto p = parse_args("start", args, {});
    if (!p.ok()) return exit_status(std::move(p).error());
    auto id = one_id("start", *p);
    if (!id.ok()) return exit_status(std::move(id).error());
    return exit_status(start_container(g, *id));
}

int cmd_state(const Globals& g, const Args& args) {
    auto r = [&]() -> Result<void> {
        auto p = TRY(parse_args("state", args, {}));
        auto l = TRY(load(g, TRY(one_id("state", p))));
        if (!l.state) return Error::msg("container {} is still being created", l.dir.id());
        std::fputs(oci::spec_state_json(*l.state, l.status).c_str(), stdout);
        return ok();
    }();
    return exit_status(r);
}

int cmd_kill(const Globals& g, const Args& args) {
    auto r = [&]() -> Result<void> {
        auto p = TRY(parse_args("kill", args, {{"all", 'a', false}, {"pid", 0, true}}));
        if (p.positional.empty() || p.positional.size() > 2)
            return Error::msg("kill: expected a container ID and an optional signal");
        const std::string id = p.positional[0];
        const int sig = p.positional.size() == 2 ? TRY_CTX(parse_signal(p.positional[1]), "kill") : SIGTERM;
        auto l = TRY(load(g, id));
        auto init = pin_init(l);
        if (!init) return Error::msg("container {} is not running", id);
        if (!p.has("all")) return init->signal(sig);
        for (pid_t pid : processes_of(*init))
            if (auto each = Pinned::pin(pid, 0)) (void)each->signal(sig);
        return ok();
    }();
    return exit_status(r);
}

int cmd_delete(const Globals& g, const Args& args) {
    auto r = [&]() -> Result<void> {
        auto p = TRY(parse_args("delete", args, {{"force", 'f', false}}));
        return delete_container(g, TRY(one_id("delete", p)), p.has("force"));
    }();
    return exit_status(r);
}

}  // namespace spawn::oci_runtime
