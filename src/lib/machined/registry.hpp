// The machine registry is the real systemd-machined (org.freedesktop.machine1)
// reached over sd-bus. Machined wraps one bus connection and the Manager calls
// spawn and mctl need.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "machined/bus.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::machined {

// One row of ListMachines.
struct MachineEntry {
    std::string name, cls, service, path;
};

// The properties of org.freedesktop.machine1.Machine.
struct MachineInfo {
    std::string path;
    std::string name;
    Uuid id{};
    uint64_t timestamp = 0;            // realtime, usec
    uint64_t timestamp_monotonic = 0;
    std::string service;
    std::string unit;
    uint32_t leader = 0;
    std::string cls;
    std::string root_directory;
    std::vector<int32_t> network_interfaces;
    std::string state;
};

struct MachineAddress {
    int family = 0;       // AF_INET / AF_INET6
    std::string address;  // printable form
};

struct Pty {
    UniqueFd master;
    std::string path;
};

struct RegisterRequest {
    std::string name;
    Uuid uuid{};                 // all zero: none
    std::string service = "spawn";
    std::string cls = "container";
    pid_t leader = 0;
    std::string root_directory;
    std::vector<int> ifindices;
};

// errno values for the machined errors callers branch on.
inline constexpr int kNoSuchMachine = ENXIO;
inline constexpr int kUnreachable = EHOSTUNREACH;

class Machined {
public:
    // Connects to the system bus and checks that machined is on it; the error
    // (code kUnreachable) says which of the two is missing.
    static Result<Machined> connect(const bus::BusTarget& target = {});

    sd_bus* bus() const { return bus_.get(); }

    Result<std::vector<MachineEntry>> list();
    Result<MachineInfo> get(const std::string& name);
    Result<std::string> path_of(const std::string& name);  // GetMachine
    Result<std::string> register_machine(const RegisterRequest& req);
    Result<void> unregister(const std::string& name);
    Result<void> kill(const std::string& name, const std::string& whom, int sig);
    Result<void> terminate(const std::string& name);
    Result<std::vector<MachineAddress>> addresses(const std::string& name);
    Result<std::map<std::string, std::string>> os_release(const std::string& name);
    Result<Pty> open_login(const std::string& name);
    Result<Pty> open_shell(const std::string& name, const std::string& user, const std::string& path,
                           const std::vector<std::string>& args, const std::vector<std::string>& env);
    Result<UniqueFd> open_root_directory(const std::string& name);

    // Clears a stale registration of `name` (leader gone, or the pid now belongs
    // to something outside the machine's unit) and refuses a live one with
    // "Machine 'NAME' already exists". Returns true if a stale one was removed.
    Result<bool> clear_stale(const std::string& name);

private:
    explicit Machined(bus::BusPtr b) : bus_(std::move(b)) {}
    bus::BusPtr bus_;
};

// Whether `leader` still runs as the leader of a machine whose unit is `unit`:
// the process exists, is not a zombie, and its cgroup path names the unit.
bool leader_alive(pid_t leader, const std::string& unit);

// "machine-NAME.scope" with NAME escaped as systemd unit names are.
std::string scope_unit_name(const std::string& machine);

}  // namespace spawn::machined
