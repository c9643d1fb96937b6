#include "machined/registry.hpp"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>

#include <fcntl.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "container/cgroup_plan.hpp"

namespace spawn::machined {
namespace {

using bus::BusError;
using bus::MessagePtr;

// Calls a Manager method; maps NoSuchMachine to kNoSuchMachine and an absent
// machined to kUnreachable so callers can branch on the code.
template <typename... Args>
Result<MessagePtr> call(sd_bus* b, const char* method, const std::string& what, const char* sig, Args... args) {
    BusError e;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_call_method(b, bus::kMachinedService, bus::kMachinedPath, bus::kMachinedManager, method, e.get(),
                               &reply, sig, args...);
    MessagePtr m(reply);
    if (r < 0) {
        if (e.has_name("org.freedesktop.machine1.NoSuchMachine"))
            return Error(kNoSuchMachine, e.message(r));
        if (bus::is_unreachable(r, e))
            return Error(kUnreachable, fmt::format("{}: systemd-machined is not reachable ({})", what, e.message(r)));
        return bus::call_error(r, e, what);
    }
    return m;
}

Error parse_error(int r, std::string_view what) { return Error::sys(-r, "parsing the reply of {}", what); }

}  // namespace

Result<Machined> Machined::connect(const bus::BusTarget& target) {
    auto b = bus::open_system(target);
    if (!b) return Error(kUnreachable, std::move(b).error().message() + " (is dbus-daemon running?)");
    auto has = bus::name_has_owner(b->get(), bus::kMachinedService);
    if (!has) return Error(kUnreachable, std::move(has).error().message());
    if (!*has) return Error(kUnreachable, "systemd-machined is not running (org.freedesktop.machine1 is not on the system bus)");
    return Machined(std::move(*b));
}

Result<std::vector<MachineEntry>> Machined::list() {
    auto m = TRY(call(bus(), "ListMachines", std::string("listing machines"), ""));
    std::vector<MachineEntry> out;
    int r = sd_bus_message_enter_container(m.get(), 'a', "(ssso)");
    if (r < 0) return parse_error(r, "ListMachines");
    for (;;) {
        const char *n, *c, *s, *p;
        r = sd_bus_message_read(m.get(), "(ssso)", &n, &c, &s, &p);
        if (r < 0) return parse_error(r, "ListMachines");
        if (r == 0) break;
        out.push_back({n, c, s, p});
    }
    return out;
}

Result<std::string> Machined::path_of(const std::string& name) {
    auto m = TRY(call(bus(), "GetMachine", fmt::format("looking up machine '{}'", name), "s", name.c_str()));
    const char* p = nullptr;
    int r = sd_bus_message_read(m.get(), "o", &p);
    if (r < 0) return parse_error(r, "GetMachine");
    return std::string(p);
}

static Result<void> read_string_variant(sd_bus_message* m, std::string& out) {
    const char* s = nullptr;
    int r = sd_bus_message_read(m, "v", "s", &s);
    if (r < 0) return Error::sys(-r, "reading a string property");
    out = s ? s : "";
    return {};
}

Result<MachineInfo> Machined::get(const std::string& name) {
    MachineInfo info;
    info.path = TRY(path_of(name));
    BusError e;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_call_method(bus(), bus::kMachinedService, info.path.c_str(), "org.freedesktop.DBus.Properties", "GetAll",
                               e.get(), &reply, "s", bus::kMachinedMachine);
    MessagePtr m(reply);
    if (r < 0) {
        if (e.has_name(SD_BUS_ERROR_UNKNOWN_OBJECT) || e.has_name("org.freedesktop.machine1.NoSuchMachine"))
            return Error(kNoSuchMachine, fmt::format("No machine '{}' known", name));
        return bus::call_error(r, e, fmt::format("reading the properties of machine '{}'", name));
    }
    r = sd_bus_message_enter_container(reply, 'a', "{sv}");
    if (r < 0) return parse_error(r, "GetAll");
    for (;;) {
        r = sd_bus_message_enter_container(reply, 'e', "sv");
        if (r < 0) return parse_error(r, "GetAll");
        if (r == 0) break;
        const char* key = nullptr;
        r = sd_bus_message_read(reply, "s", &key);
        if (r < 0) return parse_error(r, "GetAll");
        std::string k = key;
        if (k == "Name") TRY(read_string_variant(reply, info.name));
        else if (k == "Service") TRY(read_string_variant(reply, info.service));
        else if (k == "Unit") TRY(read_string_variant(reply, info.unit));
        else if (k == "Class") TRY(read_string_variant(reply, info.cls));
        else if (k == "RootDirectory") TRY(read_string_variant(reply, info.root_directory));
        else if (k == "State") TRY(read_string_variant(reply, info.state));
        else if (k == "Timestamp") r = sd_bus_message_read(reply, "v", "t", &info.timestamp);
        else if (k == "TimestampMonotonic") r = sd_bus_message_read(reply, "v", "t", &info.timestamp_monotonic);
        else if (k == "Leader") r = sd_bus_message_read(reply, "v", "u", &info.leader);
        else if (k == "Id") {
            const void* p = nullptr;
            size_t n = 0;
            r = sd_bus_message_enter_container(reply, 'v', "ay");
            if (r >= 0) r = sd_bus_message_read_array(reply, 'y', &p, &n);
            if (r >= 0 && n == info.id.size()) std::memcpy(info.id.data(), p, n);
            if (r >= 0) r = sd_bus_message_exit_container(reply);
        } else if (k == "NetworkInterfaces") {
            const void* p = nullptr;
            size_t n = 0;
            r = sd_bus_message_enter_container(reply, 'v', "ai");
            if (r >= 0) r = sd_bus_message_read_array(reply, 'i', &p, &n);
            if (r >= 0) {
                auto* ints = static_cast<const int32_t*>(p);
                info.network_interfaces.assign(ints, ints + n / sizeof(int32_t));
                r = sd_bus_message_exit_container(reply);
            }
        } else {
            r = sd_bus_message_skip(reply, "v");
        }
        if (r < 0) return parse_error(r, fmt::format("GetAll ({})", k));
        r = sd_bus_message_exit_container(reply);
        if (r < 0) return parse_error(r, "GetAll");
    }
    return info;
}

Result<std::string> Machined::register_machine(const RegisterRequest& req) {
    BusError e;
    sd_bus_message* msg = nullptr;
    int r = sd_bus_message_new_method_call(bus(), &msg, bus::kMachinedService, bus::kMachinedPath, bus::kMachinedManager,
                                           "RegisterMachineWithNetwork");
    MessagePtr m(msg);
    if (r < 0) return Error::sys(-r, "building RegisterMachineWithNetwork");
    r = sd_bus_message_append(msg, "s", req.name.c_str());
    if (r >= 0) r = sd_bus_message_append_array(msg, 'y', req.uuid.data(), req.uuid.size());
    if (r >= 0)
        r = sd_bus_message_append(msg, "ssus", req.service.c_str(), req.cls.c_str(), static_cast<uint32_t>(req.leader),
                                  req.root_directory.c_str());
    if (r >= 0) r = sd_bus_message_append_array(msg, 'i', req.ifindices.data(), req.ifindices.size() * sizeof(int));
    if (r < 0) return Error::sys(-r, "building RegisterMachineWithNetwork");
    sd_bus_message* reply = nullptr;
    r = sd_bus_call(bus(), msg, 0, e.get(), &reply);
    MessagePtr rep(reply);
    if (r < 0) {
        if (bus::is_unreachable(r, e))
            return Error(kUnreachable, fmt::format("registering machine '{}': systemd-machined is not reachable ({})",
                                                   req.name, e.message(r)));
        if (e.has_name("org.freedesktop.machine1.MachineExists") || r == -EEXIST)
            return Error(EEXIST, fmt::format("Machine '{}' already exists", req.name));
        return bus::call_error(r, e, fmt::format("registering machine '{}' with systemd-machined", req.name));
    }
    const char* p = nullptr;
    r = sd_bus_message_read(reply, "o", &p);
    if (r < 0) return parse_error(r, "RegisterMachineWithNetwork");
    return std::string(p);
}

Result<void> Machined::unregister(const std::string& name) {
    TRY(call(bus(), "UnregisterMachine", fmt::format("unregistering machine '{}'", name), "s", name.c_str()));
    return {};
}

Result<void> Machined::kill(const std::string& name, const std::string& whom, int sig) {
    TRY(call(bus(), "KillMachine", fmt::format("sending a signal to machine '{}'", name), "ssi", name.c_str(), whom.c_str(), sig));
    return {};
}

Result<void> Machined::terminate(const std::string& name) {
    TRY(call(bus(), "TerminateMachine", fmt::format("terminating machine '{}'", name), "s", name.c_str()));
    return {};
}

Result<std::vector<MachineAddress>> Machined::addresses(const std::string& name) {
    auto m = TRY(call(bus(), "GetMachineAddresses", fmt::format("reading the addresses of machine '{}'", name), "s", name.c_str()));
    std::vector<MachineAddress> out;
    int r = sd_bus_message_enter_container(m.get(), 'a', "(iay)");
    if (r < 0) return parse_error(r, "GetMachineAddresses");
    for (;;) {
        r = sd_bus_message_enter_container(m.get(), 'r', "iay");
        if (r < 0) return parse_error(r, "GetMachineAddresses");
        if (r == 0) break;
        int32_t family = 0;
        const void* p = nullptr;
        size_t n = 0;
        r = sd_bus_message_read(m.get(), "i", &family);
        if (r >= 0) r = sd_bus_message_read_array(m.get(), 'y', &p, &n);
        if (r < 0) return parse_error(r, "GetMachineAddresses");
        char buf[INET6_ADDRSTRLEN] = "";
        if ((family == AF_INET && n == 4) || (family == AF_INET6 && n == 16)) inet_ntop(family, p, buf, sizeof buf);
        out.push_back({family, buf});
        r = sd_bus_message_exit_container(m.get());
        if (r < 0) return parse_error(r, "GetMachineAddresses");
    }
    return out;
}

Result<std::map<std::string, std::string>> Machined::os_release(const std::string& name) {
    auto m = TRY(call(bus(), "GetMachineOSRelease", fmt::format("reading the os-release of machine '{}'", name), "s", name.c_str()));
    std::map<std::string, std::string> out;
    int r = sd_bus_message_enter_container(m.get(), 'a', "{ss}");
    if (r < 0) return parse_error(r, "GetMachineOSRelease");
    for (;;) {
        const char *k, *v;
        r = sd_bus_message_read(m.get(), "{ss}", &k, &v);
        if (r < 0) return parse_error(r, "GetMachineOSRelease");
        if (r == 0) break;
        out[k] = v;
    }
    return out;
}

static Result<Pty> read_pty(sd_bus_message* m, std::string_view what) {
    int fd = -1;
    const char* path = nullptr;
    int r = sd_bus_message_read(m, "hs", &fd, &path);
    if (r < 0) return parse_error(r, what);
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (dup < 0) return Error::errno_("duplicating the pty of {}", what);
    return Pty{UniqueFd(dup), path};
}

Result<Pty> Machined::open_login(const std::string& name) {
    auto m = TRY(call(bus(), "OpenMachineLogin", fmt::format("opening a login on machine '{}'", name), "s", name.c_str()));
    return read_pty(m.get(), "OpenMachineLogin");
}

Result<Pty> Machined::open_shell(const std::string& name, const std::string& user, const std::string& path,
                                 const std::vector<std::string>& args, const std::vector<std::string>& env) {
    sd_bus_message* msg = nullptr;
    int r = sd_bus_message_new_method_call(bus(), &msg, bus::kMachinedService, bus::kMachinedPath, bus::kMachinedManager,
                                           "OpenMachineShell");
    MessagePtr m(msg);
    auto append_strv = [&](const std::vector<std::string>& v) {
        int rr = sd_bus_message_open_container(msg, 'a', "s");
        for (const auto& s : v)
            if (rr >= 0) rr = sd_bus_message_append(msg, "s", s.c_str());
        if (rr >= 0) rr = sd_bus_message_close_container(msg);
        return rr;
    };
    if (r >= 0) r = sd_bus_message_append(msg, "sss", name.c_str(), user.c_str(), path.c_str());
    if (r >= 0) r = append_strv(args);
    if (r >= 0) r = append_strv(env);
    if (r < 0) return Error::sys(-r, "building OpenMachineShell");
    BusError e;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call(bus(), msg, 0, e.get(), &reply);
    MessagePtr rep(reply);
    if (r < 0) {
        if (e.has_name("org.freedesktop.machine1.NoSuchMachine")) return Error(kNoSuchMachine, e.message(r));
        return bus::call_error(r, e, fmt::format("opening a shell on machine '{}'", name));
    }
    return read_pty(reply, "OpenMachineShell");
}

Result<UniqueFd> Machined::open_root_directory(const std::string& name) {
    auto m = TRY(call(bus(), "OpenMachineRootDirectory", fmt::format("opening the root directory of machine '{}'", name), "s", name.c_str()));
    int fd = -1;
    int r = sd_bus_message_read(m.get(), "h", &fd);
    if (r < 0) return parse_error(r, "OpenMachineRootDirectory");
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (dup < 0) return Error::errno_("duplicating the root directory fd of machine '{}'", name);
    return UniqueFd(dup);
}

bool leader_alive(pid_t leader, const std::string& unit) {
    if (leader <= 0) return false;
    if (::kill(leader, 0) < 0 && errno == ESRCH) return false;
    std::ifstream st("/proc/" + std::to_string(leader) + "/stat");
    std::string line;
    if (!std::getline(st, line)) return false;
    auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') return false;
    if (unit.empty()) return true;
    std::ifstream cg("/proc/" + std::to_string(leader) + "/cgroup");
    while (std::getline(cg, line))
        if (line.find("/" + unit) != std::string::npos) return true;
    return false;
}

Result<bool> Machined::clear_stale(const std::string& name) {
    auto info = get(name);
    if (!info) {
        if (info.error().code() == kNoSuchMachine) return false;
        return std::move(info).error();
    }
    if (leader_alive(static_cast<pid_t>(info->leader), info->unit))
        return Error(EEXIST, fmt::format("Machine '{}' already exists (leader PID {} is running)", name, info->leader));
    auto r = unregister(name);
    if (!r && r.error().code() != kNoSuchMachine)
        return std::move(r).error().context(fmt::format("clearing the stale registration of machine '{}'", name));
    return true;
}

std::string scope_unit_name(const std::string& machine) {
    return "machine-" + container::unit_name_escape(machine) + ".scope";
}

}  // namespace spawn::machined
