#include "machined/scope.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <systemd/sd-daemon.h>

#include "config/names.hpp"
#include "config/options.hpp"
#include "container/cgroup.hpp"
#include "container/cgroup_hierarchies.hpp"
#include "machined/bus.hpp"
#include "machined/procs.hpp"
#include "machined/registry.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace spawn::machined {

bool systemd_booted() { return sd_booted() > 0; }

Result<TransientScope> plan_transient_scope(const std::string& machine, pid_t leader, const std::string& slice,
                                            const std::vector<std::string>& properties,
                                            const std::vector<container::DeviceAllow>& bind_devices) {
    if (!machine_name_is_valid(machine)) return Error::msg("invalid machine name '{}'", machine);
    // The one -S rule (the option parser's): ".slice" appended when missing.
    const std::string slice_unit = slice.empty() ? std::string() : TRY(parse_slice(slice));
    TransientScope s;
    s.unit = scope_unit_name(machine);
    s.pids = {static_cast<uint32_t>(leader)};
    s.properties.push_back({"Description", "Container " + machine});
    s.properties.push_back({"Slice", slice_unit.empty() ? std::string("machine.slice") : slice_unit});
    s.properties.push_back({"Delegate", true});
    s.properties.push_back({"CollectMode", std::string("inactive-or-failed")});
    s.properties.push_back({"AddRef", true});
    // nspawn's device policy: systemd's closed set plus these (and the binds, and --property=DeviceAllow=).
    s.properties.push_back({"DevicePolicy", std::string("closed")});
    DeviceAllowList allow;
    for (const auto& a : container::nspawn_device_allow()) allow.emplace_back(a.spec, a.access);
    for (const auto& a : bind_devices) allow.emplace_back(a.spec, a.access);
    bool tasks_max = false;
    for (auto& p : TRY(container::parse_properties(properties))) {
        if (p.name == "Delegate") {
            if (!std::get<bool>(p.value)) return Error::msg("--property=Delegate=no: the machine's scope is always delegated");
            continue;
        }
        if (p.name == "DeviceAllow") {
            auto a = TRY(container::parse_device_allow(std::get<std::string>(p.value)));
            allow.emplace_back(a.spec, a.access);
            continue;
        }
        tasks_max = tasks_max || p.name == "TasksMax";
        if (p.name == "CPUQuota") p = {"CPUQuotaPerSecUSec", p.value};
        else if (p.name == "AllowedCPUs" || p.name == "AllowedMemoryNodes") continue;  // sent as byte arrays below
        s.properties.push_back(p);
    }
    for (const auto& a : properties)
        if (a.rfind("AllowedCPUs=", 0) == 0 || a.rfind("AllowedMemoryNodes=", 0) == 0)
            s.properties.push_back({a.substr(0, a.find('=')), a.substr(a.find('=') + 1)});
    s.properties.push_back({"DeviceAllow", allow});
    if (!tasks_max) s.properties.push_back({"TasksMax", container::kDefaultTasksMax});
    return s;
}

Result<void> start_transient_scope(sd_bus* b, const TransientScope& s) {
    sd_bus_message* msg = nullptr;
    int r = sd_bus_message_new_method_call(b, &msg, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StartTransientUnit");
    bus::MessagePtr m(msg);
    if (r >= 0) r = sd_bus_message_append(msg, "ss", s.unit.c_str(), s.mode.c_str());
    if (r >= 0) r = sd_bus_message_open_container(msg, 'a', "(sv)");
    for (const auto& p : s.properties) {
        if (r < 0) break;
        if (p.name == "AllowedCPUs" || p.name == "AllowedMemoryNodes") {
            auto mask = container::cpu_list_mask(std::get<std::string>(p.value));
            r = sd_bus_message_open_container(msg, 'r', "sv");
            if (r >= 0) r = sd_bus_message_append(msg, "s", p.name.c_str());
            if (r >= 0) r = sd_bus_message_open_container(msg, 'v', "ay");
            if (r >= 0) r = sd_bus_message_append_array(msg, 'y', mask.data(), mask.size());
            if (r >= 0) r = sd_bus_message_close_container(msg);
            if (r >= 0) r = sd_bus_message_close_container(msg);
        } else if (auto* str = std::get_if<std::string>(&p.value)) {
            r = sd_bus_message_append(msg, "(sv)", p.name.c_str(), "s", str->c_str());
        } else if (auto* list = std::get_if<DeviceAllowList>(&p.value)) {
            r = sd_bus_message_open_container(msg, 'r', "sv");
            if (r >= 0) r = sd_bus_message_append(msg, "s", p.name.c_str());
            if (r >= 0) r = sd_bus_message_open_container(msg, 'v', "a(ss)");
            if (r >= 0) r = sd_bus_message_open_container(msg, 'a', "(ss)");
            for (const auto& [dev, acc] : *list)
                if (r >= 0) r = sd_bus_message_append(msg, "(ss)", dev.c_str(), acc.c_str());
            if (r >= 0) r = sd_bus_message_close_container(msg);
            if (r >= 0) r = sd_bus_message_close_container(msg);
            if (r >= 0) r = sd_bus_message_close_container(msg);
        } else if (auto* bl = std::get_if<bool>(&p.value)) {
            r = sd_bus_message_append(msg, "(sv)", p.name.c_str(), "b", static_cast<int>(*bl));
        } else {
            r = sd_bus_message_append(msg, "(sv)", p.name.c_str(), "t", std::get<uint64_t>(p.value));
        }
    }
    if (r >= 0) r = sd_bus_message_open_container(msg, 'r', "sv");
    if (r >= 0) r = sd_bus_message_append(msg, "s", "PIDs");
    if (r >= 0) r = sd_bus_message_open_container(msg, 'v', "au");
    if (r >= 0) r = sd_bus_message_append_array(msg, 'u', s.pids.data(), s.pids.size() * sizeof(uint32_t));
    if (r >= 0) r = sd_bus_message_close_container(msg);
    if (r >= 0) r = sd_bus_message_close_container(msg);
    if (r >= 0) r = sd_bus_message_close_container(msg);
    if (r >= 0) r = sd_bus_message_append(msg, "a(sa(sv))", 0);
    if (r < 0) return Error::sys(-r, "building StartTransientUnit for {}", s.unit);
    bus::BusError e;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call(b, msg, 0, e.get(), &reply);
    bus::MessagePtr rep(reply);
    if (r < 0) return bus::call_error(r, e, fmt::format("creating {} through systemd", s.unit));
    return {};
}

Result<void> allocate_transient_scope(const TransientScope& s) {
    auto b = TRY(bus::open_system());
    TRY(start_transient_scope(b.get(), s));
    if (s.pids.empty()) return {};
    // The job moves the PIDs; the leader's /proc/PID/cgroup names the scope once it ran.
    // Every v1 hierarchy too: the container must not sit in a root cgroup, where release_agent is.
    const std::string cgroup_file = fmt::format("/proc/{}/cgroup", s.pids.front());
    const std::string needle = "/" + s.unit;
    bool moved = false;
    std::vector<std::string> roots;
    for (int i = 0; i < 500; ++i) {
        std::string text = read_text_file(cgroup_file);
        if (text.empty()) return Error::errno_("reading {}", cgroup_file);
        moved = text.find(needle) != std::string::npos;
        roots = container::v1_root_hierarchies(text);
        if (moved && roots.empty()) return {};
        usleep(10000);
    }
    if (!moved) return Error::msg("systemd did not move PID {} into {} within 5 s", s.pids.front(), s.unit);
    return Error(EPERM, fmt::format("systemd left PID {} in the root cgroup of the cgroup v1 hierarchy {}, where the "
                                    "container could reach release_agent: refusing to start it",
                                    s.pids.front(), roots.front()));
}

Result<void> delegate_transient_scope(pid_t pid, uid_t root_id) {
    container::CgroupPlan scope;
    for (const auto& m : TRY(cgroups_of(pid))) {
        if (!m.unified && !m.named_systemd) continue;
        container::CgroupDir d;
        d.hierarchy = m.mount;
        d.v2 = m.unified;
        d.path = m.mount + m.path;
        if (m.named_systemd) d.controllers = {"name=systemd"};
        scope.dirs.push_back(std::move(d));
    }
    return container::delegate_cgroup(scope, root_id);
}

}  // namespace spawn::machined
