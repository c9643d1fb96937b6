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

#include <systemd/sd-daemon.h>

#include "config/names.hpp"
#include "container/cgroup.hpp"
#include "machined/bus.hpp"
#include "machined/registry.hpp"
#include "util/strings.hpp"

namespace spawn::machined {
namespace {

constexpr uint64_t kInfinity = UINT64_MAX;
constexpr uint64_t kCpuPeriodUsec = 100000;

Result<uint64_t> parse_size(const std::string& name, const std::string& v) {
    if (v == "infinity") return kInfinity;
    if (!v.empty() && v.back() == '%') {
        auto pct = str::parse_uint(v.substr(0, v.size() - 1));
        if (!pct || *pct > 100) return Error::msg("--property={}={}: bad percentage", name, v);
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 100 * *pct;
    }
    size_t i = 0;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
    auto n = str::parse_uint(v.substr(0, i));
    if (i == 0 || !n) return Error::msg("--property={}={}: expected a size (bytes, K, M, G, T) or \"infinity\"", name, v);
    std::string suf = v.substr(i);
    int shift = 0;
    if (suf.empty() || suf == "B") shift = 0;
    else if (suf == "K") shift = 10;
    else if (suf == "M") shift = 20;
    else if (suf == "G") shift = 30;
    else if (suf == "T") shift = 40;
    else return Error::msg("--property={}={}: unknown size suffix \"{}\"", name, v, suf);
    if (shift && *n > (kInfinity >> shift)) return Error::msg("--property={}={}: too large", name, v);
    return *n << shift;
}

Result<uint64_t> parse_ranged(const std::string& name, const std::string& v, uint64_t lo, uint64_t hi) {
    auto n = str::parse_uint(v);
    if (!n || *n < lo || *n > hi) return Error::msg("--property={}={}: expected an integer in {}..{}", name, v, lo, hi);
    return *n;
}

bool valid_cpu_list(const std::string& v) {
    if (v.empty()) return false;
    return std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == ',' || c == '-'; });
}

const std::set<std::string> kMemoryNames = {"MemoryMax", "MemoryLimit", "MemoryHigh", "MemoryLow", "MemoryMin",
                                            "MemorySwapMax"};

std::string v2_value(uint64_t v) { return v == kInfinity ? "max" : std::to_string(v); }

}  // namespace

bool systemd_booted() { return sd_booted() > 0; }

Result<UnitProperty> parse_property(const std::string& assignment) {
    auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        return Error::msg("--property={}: expected NAME=VALUE", assignment);
    std::string name = assignment.substr(0, eq), v = assignment.substr(eq + 1);
    if (kMemoryNames.count(name)) return UnitProperty{name, TRY(parse_size(name, v))};
    if (name == "TasksMax") {
        if (v == "infinity") return UnitProperty{name, kInfinity};
        return UnitProperty{name, TRY(parse_ranged(name, v, 1, 4194304))};
    }
    if (name == "CPUQuota") {
        if (v.empty() || v.back() != '%') return Error::msg("--property=CPUQuota={}: expected a percentage like 50%", v);
        auto pct = str::parse_uint(v.substr(0, v.size() - 1));
        if (!pct || *pct == 0) return Error::msg("--property=CPUQuota={}: expected a positive percentage", v);
        return UnitProperty{name, *pct * 10000};  // usec of CPU time per second
    }
    if (name == "CPUWeight" || name == "IOWeight") return UnitProperty{name, TRY(parse_ranged(name, v, 1, 10000))};
    if (name == "CPUShares") return UnitProperty{name, TRY(parse_ranged(name, v, 2, 262144))};
    if (name == "AllowedCPUs" || name == "AllowedMemoryNodes") {
        if (!valid_cpu_list(v)) return Error::msg("--property={}={}: expected a list like 0-3,6", name, v);
        return UnitProperty{name, v};
    }
    if (name == "Delegate") {
        auto b = str::parse_bool(v);
        if (!b) return Error::msg("--property=Delegate={}: expected yes or no", v);
        return UnitProperty{name, *b};
    }
    return Error::msg(
        "--property={}: unsupported property \"{}\" (supported: MemoryMax, MemoryHigh, MemoryLow, MemoryMin, "
        "MemorySwapMax, TasksMax, CPUQuota, CPUWeight, CPUShares, IOWeight, AllowedCPUs, AllowedMemoryNodes, Delegate)",
        assignment, name);
}

Result<std::vector<UnitProperty>> parse_properties(const std::vector<std::string>& assignments) {
    std::vector<UnitProperty> out;
    for (const auto& a : assignments) out.push_back(TRY(parse_property(a)));
    return out;
}

Result<std::vector<CgroupWrite>> plan_cgroup_limits(const std::vector<UnitProperty>& props, CgroupLayout layout) {
    std::vector<CgroupWrite> out;
    bool v2 = layout == CgroupLayout::Unified;
    for (const auto& p : props) {
        const auto* num = std::get_if<uint64_t>(&p.value);
        const auto* text = std::get_if<std::string>(&p.value);
        const std::string& n = p.name;
        if (n == "Delegate") continue;  // the scope is always delegated
        if (n == "MemoryMax" || n == "MemoryLimit") {
            if (v2) out.push_back({"", "memory.max", v2_value(*num)});
            else out.push_back({"memory", "memory.limit_in_bytes", *num == kInfinity ? "-1" : std::to_string(*num)});
        } else if (n == "MemoryHigh" || n == "MemoryLow" || n == "MemoryMin" || n == "MemorySwapMax") {
            if (!v2)
                return Error::msg("--property={}=: has no equivalent on cgroup v1 controllers (this host); "
                                  "use MemoryMax", n);
            std::string file = n == "MemoryHigh" ? "memory.high" : n == "MemoryLow" ? "memory.low"
                             : n == "MemoryMin"  ? "memory.min" : "memory.swap.max";
            out.push_back({"", file, v2_value(*num)});
        } else if (n == "TasksMax") {
            out.push_back({v2 ? "" : "pids", "pids.max", v2_value(*num)});
        } else if (n == "CPUQuota") {
            uint64_t quota = *num * kCpuPeriodUsec / 1000000;
            if (v2) {
                out.push_back({"", "cpu.max", fmt::format("{} {}", quota, kCpuPeriodUsec)});
            } else {
                out.push_back({"cpu", "cpu.cfs_period_us", std::to_string(kCpuPeriodUsec)});
                out.push_back({"cpu", "cpu.cfs_quota_us", std::to_string(quota)});
            }
        } else if (n == "CPUWeight") {
            if (v2) out.push_back({"", "cpu.weight", std::to_string(*num)});
            else out.push_back({"cpu", "cpu.shares", std::to_string(std::max<uint64_t>(2, *num * 1024 / 100))});
        } else if (n == "CPUShares") {
            if (v2) out.push_back({"", "cpu.weight", std::to_string(std::clamp<uint64_t>(*num * 100 / 1024, 1, 10000))});
            else out.push_back({"cpu", "cpu.shares", std::to_string(*num)});
        } else if (n == "IOWeight") {
            if (v2) out.push_back({"", "io.weight", fmt::format("default {}", *num)});
            else out.push_back({"blkio", "blkio.weight", std::to_string(std::clamp<uint64_t>(*num / 10, 10, 1000))});
        } else if (n == "AllowedCPUs") {
            out.push_back({v2 ? "" : "cpuset", "cpuset.cpus", *text});
        } else if (n == "AllowedMemoryNodes") {
            out.push_back({v2 ? "" : "cpuset", "cpuset.mems", *text});
        } else {
            return Error::msg("--property={}=: cannot be applied to a cgroup directly", n);
        }
    }
    return out;
}

static Result<void> write_file(const std::string& path, const std::string& value) {
    int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return Error::errno_("opening {}", path);
    ssize_t n = ::write(fd, value.data(), value.size());
    int err = errno;
    ::close(fd);
    if (n < 0) return Error::sys(err, "writing \"{}\" to {}", value, path);
    return {};
}

static std::string controller_of(const std::string& file) { return file.substr(0, file.find('.')); }

Result<void> apply_cgroup_limits(const std::vector<CgroupWrite>& plan, const std::string& cgroup_path, CgroupLayout layout,
                                 pid_t leader, const std::string& root) {
    if (plan.empty()) return {};
    if (layout != CgroupLayout::Unified) {
        std::set<std::string> done;
        for (const auto& w : plan) {
            if (done.count(w.controller)) continue;
            done.insert(w.controller);
            std::string base = root + "/" + w.controller;
            std::string dir = base;
            for (const auto& part : str::split(cgroup_path, '/')) {
                if (part.empty()) continue;
                dir += "/" + part;
                if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) return Error::errno_("creating cgroup {}", dir);
                if (w.controller == "cpuset") {
                    // A v1 cpuset cgroup takes no task before cpus and mems are set: inherit them.
                    for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
                        std::string mine = dir + "/" + f, parent = dir.substr(0, dir.rfind('/')) + "/" + f;
                        char buf[256] = "";
                        int fd = ::open(parent.c_str(), O_RDONLY | O_CLOEXEC);
                        ssize_t n = fd >= 0 ? ::read(fd, buf, sizeof buf - 1) : -1;
                        if (fd >= 0) ::close(fd);
                        if (n > 0) (void)write_file(mine, std::string(buf, static_cast<size_t>(n)));
                    }
                }
            }
        }
        for (const auto& w : plan) TRY(write_file(root + "/" + w.controller + cgroup_path + "/" + w.file, w.value));
        if (leader > 0)
            for (const auto& c : done) TRY(write_file(root + "/" + c + cgroup_path + "/cgroup.procs", std::to_string(leader)));
        return {};
    }
    std::set<std::string> controllers;
    for (const auto& w : plan) controllers.insert(controller_of(w.file));
    std::string dir = root;
    for (const auto& part : str::split(cgroup_path, '/')) {
        if (part.empty()) continue;
        for (const auto& c : controllers) {
            auto r = write_file(dir + "/cgroup.subtree_control", "+" + c);
            if (!r && r.error().code() != EBUSY) return std::move(r).error().context("enabling the " + c + " controller");
        }
        dir += "/" + part;
    }
    for (const auto& w : plan) TRY(write_file(dir + "/" + w.file, w.value));
    return {};
}

void remove_cgroup_limits(const std::vector<CgroupWrite>& plan, const std::string& cgroup_path, CgroupLayout layout,
                          const std::string& root) {
    if (layout == CgroupLayout::Unified) return;
    std::set<std::string> done;
    for (const auto& w : plan)
        if (done.insert(w.controller).second) {
            // The scope, then its now-empty parents (machine.slice); busy ones stay.
            std::string p = cgroup_path;
            while (!p.empty() && p != "/" && ::rmdir((root + "/" + w.controller + p).c_str()) == 0) p = p.substr(0, p.rfind('/'));
        }
}

Result<CgroupLimits> CgroupLimits::plan(const std::vector<std::string>& properties) {
    auto layout = container::detect_cgroup_layout();
    auto writes = TRY(plan_cgroup_limits(TRY(parse_properties(properties)), layout));
    return CgroupLimits(std::move(writes), layout);
}

void clear_stale_limit_cgroups(const std::string& cgroup_path, const std::string& root) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
        std::string name = e.path().filename().string();
        if (name == "systemd" || name == "unified" || e.is_symlink(ec) || !e.is_directory(ec)) continue;
        std::string dir = e.path().string() + cgroup_path;
        if (::rmdir(dir.c_str()) < 0) continue;  // absent, or busy: leave it
        std::string p = cgroup_path.substr(0, cgroup_path.rfind('/'));
        while (!p.empty() && ::rmdir((e.path().string() + p).c_str()) == 0) p = p.substr(0, p.rfind('/'));
    }
}

Result<void> CgroupLimits::apply(const std::string& cgroup_path, pid_t leader) {
    if (layout_ != CgroupLayout::Unified) clear_stale_limit_cgroups(cgroup_path);
    if (plan_.empty()) return {};
    path_ = cgroup_path;
    applied_ = true;
    return apply_cgroup_limits(plan_, cgroup_path, layout_, leader).context("applying --property= limits");
}

CgroupLimits::~CgroupLimits() {
    if (!applied_ || layout_ == CgroupLayout::Unified) return;
    std::set<std::string> done;
    for (const auto& w : plan_) {
        if (!done.insert(w.controller).second) continue;
        std::string procs = "/sys/fs/cgroup/" + w.controller + path_ + "/cgroup.procs";
        for (int i = 0; i < 100; ++i) {
            FILE* f = std::fopen(procs.c_str(), "re");
            if (!f) break;
            int pid, n = 0;
            while (std::fscanf(f, "%d", &pid) == 1) {
                ::kill(pid, SIGKILL);
                ++n;
            }
            std::fclose(f);
            if (n == 0) break;
            usleep(10000);
        }
    }
    remove_cgroup_limits(plan_, path_, layout_);
}

Result<TransientScope> plan_transient_scope(const std::string& machine, pid_t leader, const std::string& slice,
                                            const std::vector<std::string>& properties) {
    if (!machine_name_is_valid(machine)) return Error::msg("invalid machine name '{}'", machine);
    std::string slice_unit = slice;
    if (!slice_unit.empty() && (slice_unit.size() < 6 || slice_unit.substr(slice_unit.size() - 6) != ".slice"))
        slice_unit += ".slice";  // as -S documents: the suffix is appended when missing
    if (slice_unit == ".slice" || slice_unit.find('/') != std::string::npos)
        return Error::msg("-S/--slice={}: not a slice unit name", slice);
    TransientScope s;
    s.unit = scope_unit_name(machine);
    s.pids = {static_cast<uint32_t>(leader)};
    s.properties.push_back({"Description", "Container " + machine});
    s.properties.push_back({"Slice", slice_unit.empty() ? std::string("machine.slice") : slice_unit});
    s.properties.push_back({"Delegate", true});
    s.properties.push_back({"CollectMode", std::string("inactive-or-failed")});
    s.properties.push_back({"AddRef", true});
    for (auto& p : TRY(parse_properties(properties))) {
        if (p.name == "Delegate") {
            if (!std::get<bool>(p.value)) return Error::msg("--property=Delegate=no: the machine's scope is always delegated");
            continue;
        }
        if (p.name == "CPUQuota") p = {"CPUQuotaPerSecUSec", p.value};
        else if (p.name == "AllowedCPUs" || p.name == "AllowedMemoryNodes") continue;  // sent as byte arrays below
        s.properties.push_back(p);
    }
    for (const auto& a : properties)
        if (a.rfind("AllowedCPUs=", 0) == 0 || a.rfind("AllowedMemoryNodes=", 0) == 0)
            s.properties.push_back({a.substr(0, a.find('=')), a.substr(a.find('=') + 1)});
    return s;
}

// AllowedCPUs / AllowedMemoryNodes travel as a bitmask "ay".
static std::vector<uint8_t> cpu_list_mask(const std::string& list) {
    std::vector<uint8_t> mask;
    for (const auto& item : str::split(list, ',')) {
        if (item.empty()) continue;
        auto dash = item.find('-');
        auto lo = str::parse_uint(item.substr(0, dash));
        auto hi = dash == std::string::npos ? lo : str::parse_uint(item.substr(dash + 1));
        if (!lo || !hi) continue;
        for (uint64_t c = *lo; c <= *hi && c < 8192; ++c) {
            if (mask.size() <= c / 8) mask.resize(c / 8 + 1);
            mask[c / 8] |= static_cast<uint8_t>(1u << (c % 8));
        }
    }
    return mask;
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
            auto mask = cpu_list_mask(std::get<std::string>(p.value));
            r = sd_bus_message_open_container(msg, 'r', "sv");
            if (r >= 0) r = sd_bus_message_append(msg, "s", p.name.c_str());
            if (r >= 0) r = sd_bus_message_open_container(msg, 'v', "ay");
            if (r >= 0) r = sd_bus_message_append_array(msg, 'y', mask.data(), mask.size());
            if (r >= 0) r = sd_bus_message_close_container(msg);
            if (r >= 0) r = sd_bus_message_close_container(msg);
        } else if (auto* str = std::get_if<std::string>(&p.value)) {
            r = sd_bus_message_append(msg, "(sv)", p.name.c_str(), "s", str->c_str());
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
    const std::string cgroup_file = fmt::format("/proc/{}/cgroup", s.pids.front());
    const std::string needle = "/" + s.unit;
    for (int i = 0; i < 500; ++i) {
        std::ifstream in(cgroup_file);
        if (!in) return Error::errno_("reading {}", cgroup_file);
        std::string line;
        while (std::getline(in, line))
            if (line.find(needle) != std::string::npos) return {};
        usleep(10000);
    }
    return Error::msg("systemd did not move PID {} into {} within 5 s", s.pids.front(), s.unit);
}

}  // namespace spawn::machined
