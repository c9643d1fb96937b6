// Registration: the machine's entry in systemd-machined for the lifetime of
// the container. spawn calls Registration::preflight() before it sets anything
// up (a live machine of the same name is refused, a stale one cleared), then
// Registration::create() at the REGISTER hook (the leader is in its cgroup);
// the destructor unregisters.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "machined/machine_state.hpp"
#include "util/handoff.hpp"
#include "util/result.hpp"

namespace spawn::machined {

struct RegistrationParams {
    std::string name;
    Uuid uuid{};
    pid_t leader = 0;
    std::string root_directory;
    std::vector<int> ifindices;
    RegisterMode mode = RegisterMode::Auto;
    std::string service = "spawn";
    // --kill-signal: what the guest's init takes as "power off" (e.g. SIGTERM
    // for sysvinit), and --system-call-filter's lists. When set, the machine's
    // state file (machine_state.hpp: PoweroffSignal=, SystemCallFilter=) says
    // so to mctl for the life of the registration.
    int poweroff_signal = 0;
    SyscallFilter syscall_filter;
    // The machine's capability bounding set (CapabilityBoundingSet=): what a
    // command mctl enters may keep, known before the leader has dropped to it.
    std::optional<uint64_t> bounding_set;
};

class Registration {
public:
    Registration() = default;
    Registration(Registration&& o) noexcept
        : name_(std::move(o.name_)), wrote_state_(std::exchange(o.wrote_state_, false)) {
        o.name_.clear();
    }
    Registration& operator=(Registration&& o) noexcept;
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration();

    // --register=no: nothing. yes: machined must be reachable. auto: a warning
    // (once per process) when it is not, then success. Either way a live
    // machine of that name is an error and a stale one is unregistered.
    static Result<void> preflight(const std::string& name, RegisterMode mode);

    // Registers (RegisterMachineWithNetwork). Returns an inactive Registration
    // for --register=no and for auto when machined is unreachable.
    static Result<Registration> create(const RegistrationParams& p);

    bool active() const { return !name_.empty(); }
    const std::string& name() const { return name_; }
    // Unregisters now; errors are returned instead of logged.
    Result<void> unregister();
    // util/handoff.hpp
    void hand_off(Handoff& h, const std::string& key) &&;
    static Registration take_over(Handoff& h, const std::string& key);

private:
    std::string name_;
    bool wrote_state_ = false;
};

}  // namespace spawn::machined
