#include "machined/registration.hpp"

#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "machined/registry.hpp"
#include "util/log.hpp"
#include "util/scope_exit.hpp"

namespace spawn::machined {
namespace {

bool warned = false;

// One connection for the whole start (preflight, register, unregister): each
// new connection costs a handshake with the bus.
// A failure to connect is kept too: a bus that does not answer costs its
// timeout once per start, not once per call.
std::optional<Machined> cached;
std::optional<Error> cached_failure;
std::string cached_address;

Result<Machined*> shared() {
    const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
    std::string address = env ? env : "";
    if (address == cached_address) {
        if (cached && sd_bus_is_open(cached->bus()) > 0) return &*cached;
        if (cached_failure) return *cached_failure;
    }
    cached.reset();
    cached_failure.reset();
    cached_address = address;
    auto m = Machined::connect();
    if (!m) {
        cached_failure = m.error();
        return std::move(m).error();
    }
    cached.emplace(std::move(*m));
    return &*cached;
}

// The shared connection dropped (the bus was restarted while the machine
// ran): the next shared() connects again.
void forget_connection() {
    cached.reset();
    cached_failure.reset();
}

bool connection_lost(const Error& e) {
    const int c = e.code();
    return c == kUnreachable || c == ECONNRESET || c == ENOTCONN || c == EPIPE || c == ESHUTDOWN;
}

void warn_once(const Error& e) {
    if (warned) return;
    warned = true;
    log::warn("not registering with systemd-machined: {} (use --register=no to silence this)", e.message());
}

}  // namespace

Registration& Registration::operator=(Registration&& o) noexcept {
    if (this != &o) {
        (void)unregister();
        name_ = std::move(o.name_);
        o.name_.clear();
        wrote_state_ = std::exchange(o.wrote_state_, false);
    }
    return *this;
}

void Registration::hand_off(Handoff& h, const std::string& key) && {
    h.put(key, std::exchange(name_, {}));
    h.put_int(key + ".state-file", std::exchange(wrote_state_, false));
}

Registration Registration::take_over(Handoff& h, const std::string& key) {
    Registration r;
    r.name_ = h.get(key);
    r.wrote_state_ = h.get_int(key + ".state-file") != 0;
    return r;
}

Registration::~Registration() {
    auto r = unregister();
    if (!r) log::warn("{}", r.error().message());
}

Result<void> Registration::unregister() {
    if (name_.empty()) return {};
    std::string name = std::move(name_);
    name_.clear();
    if (std::exchange(wrote_state_, false)) ::unlink(machine_state_path(name).c_str());
    auto m = TRY(shared().context(fmt::format("unregistering machine '{}'", name)));
    auto r = m->unregister(name);
    if (!r && connection_lost(r.error())) {
        // A bus restarted since the registration: machined has the machine
        // back from its state files; tell it on a new connection.
        forget_connection();
        m = TRY(shared().context(fmt::format("unregistering machine '{}'", name)));
        r = m->unregister(name);
    }
    if (!r && r.error().code() != kNoSuchMachine) return std::move(r).error();
    return {};
}

Result<void> Registration::preflight(const std::string& name, RegisterMode mode) {
    if (mode == RegisterMode::No) return {};
    auto m = shared();
    if (!m) {
        if (mode == RegisterMode::Yes)
            return std::move(m).error().context(fmt::format("--register=yes: cannot register machine '{}'", name));
        warn_once(m.error());
        return {};
    }
    auto cleared = TRY((*m)->clear_stale(name));
    if (cleared) log::info("cleared the stale registration of machine '{}' (its leader is gone)", name);
    return {};
}

Result<Registration> Registration::create(const RegistrationParams& p) {
    Registration reg;
    if (p.mode == RegisterMode::No) return reg;
    auto m = shared();
    if (!m) {
        if (p.mode == RegisterMode::Yes)
            return std::move(m).error().context(fmt::format("--register=yes: cannot register machine '{}'", p.name));
        warn_once(m.error());
        return reg;
    }
    // The state file is in place before the machine is visible, so mctl never
    // sees the machine without it. A file an earlier instance of this name left
    // (SIGKILLed) must not lend its lists to this one: replaced or removed.
    MachineState state;
    state.poweroff_signal = p.poweroff_signal;
    state.syscall_filter = p.syscall_filter;
    state.bounding_set = p.bounding_set;
    const std::string state_file = machine_state_path(p.name);
    bool wrote_state = false;
    if (!state.empty()) {
        auto w = write_machine_state(p.name, state);
        // Without the lists mctl could not confine what it enters like the
        // machine: fatal. The poweroff signal alone is not.
        if (!w && !state.syscall_filter.empty())
            return std::move(w).error().context("--system-call-filter: cannot tell mctl the machine's filter");
        if (!w) log::warn("{}: mctl poweroff will send SIGRTMIN+4", w.error().message());
        wrote_state = w.ok();
    } else {
        (void)::unlink(state_file.c_str());
    }
    ScopeExit drop_state([&] {
        if (wrote_state) (void)::unlink(state_file.c_str());
    });

    RegisterRequest req;
    req.name = p.name;
    req.uuid = p.uuid;
    req.service = p.service;
    req.leader = p.leader;
    req.root_directory = p.root_directory;
    req.ifindices = p.ifindices;
    auto path = (*m)->register_machine(req);
    if (!path && path.error().code() == EEXIST) {
        // Taken since preflight (or preflight was skipped): clear it if stale, else refuse.
        TRY((*m)->clear_stale(p.name));
        path = (*m)->register_machine(req);
    }
    if (!path) {
        if (p.mode == RegisterMode::Auto && path.error().code() == kUnreachable) {
            warn_once(path.error());
            return reg;
        }
        return std::move(path).error();
    }
    reg.name_ = p.name;
    reg.wrote_state_ = std::exchange(wrote_state, false);  // removed at unregistration
    return reg;
}

}  // namespace spawn::machined
