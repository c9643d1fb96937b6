// stats: a live resource view of machines from their cgroups (beyond
// machinectl): tasks, CPU time, memory.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "machined/procs.hpp"
#include "mctl.hpp"
#include "util/strings.hpp"

namespace spawn::mctl {
namespace {

struct Stats {
    size_t tasks = 0;
    std::optional<uint64_t> cpu_usec;
    std::optional<uint64_t> memory;
    bool memory_is_rss = false;  // no memory controller on the machine's cgroup: sum of RSS
};

std::optional<uint64_t> read_u64(const std::string& path) {
    std::ifstream in(path);
    std::string s;
    if (!(in >> s)) return std::nullopt;
    auto v = str::parse_uint(s);
    if (!v) return std::nullopt;
    return *v;
}

std::optional<uint64_t> cpu_stat_usage(const std::string& dir) {
    std::ifstream in(dir + "/cpu.stat");
    std::string k;
    uint64_t v;
    while (in >> k >> v)
        if (k == "usage_usec") return v;
    return std::nullopt;
}

Result<Stats> collect(const machined::MachineInfo& info) {
    Stats s;
    auto memberships = TRY(machined::cgroups_of(static_cast<pid_t>(info.leader)));
    auto cut = [&](const std::string& path) {
        auto at = path.find("/" + info.unit);
        return at == std::string::npos ? path : path.substr(0, at + 1 + info.unit.size());
    };
    std::vector<pid_t> pids;
    for (const auto& m : memberships) {
        std::string dir = m.mount + cut(m.path);
        if (m.named_systemd || (m.unified && pids.empty())) pids = machined::pids_below(dir);
        if (m.unified) {
            if (!s.cpu_usec) s.cpu_usec = cpu_stat_usage(dir);
            if (!s.memory) s.memory = read_u64(dir + "/memory.current");
        } else if (m.mount.find("cpuacct") != std::string::npos && info.unit.size() && m.path.find(info.unit) != std::string::npos) {
            if (auto ns = read_u64(dir + "/cpuacct.usage")) s.cpu_usec = *ns / 1000;
        } else if (m.mount.find("/memory") != std::string::npos && m.path.find(info.unit) != std::string::npos) {
            if (auto b = read_u64(dir + "/memory.usage_in_bytes")) s.memory = *b;
        }
    }
    s.tasks = pids.size();
    if (!s.memory) {
        uint64_t rss = 0;
        for (pid_t p : pids) {
            std::ifstream st("/proc/" + std::to_string(p) + "/status");
            std::string line;
            while (std::getline(st, line))
                if (line.rfind("VmRSS:", 0) == 0) rss += std::stoull(line.substr(6)) * 1024;
        }
        s.memory = rss;
        s.memory_is_rss = true;
    }
    return s;
}

// The stats of machine NAME, read through its pinned leader and kept only if
// that process still runs afterwards (ESRCH when it does not).
Result<Stats> machine_stats(machined::Machined& m, const std::string& name) {
    auto live = TRY(live_machine(m, name));
    auto s = collect(live.info);
    if (!s) s = std::move(s).error().context(fmt::format("machine '{}'", name));
    if (live.leader && !live.leader->alive())
        return Error(ESRCH, fmt::format("Machine '{}' is not running: it stopped", name));
    return s;
}

std::string human_bytes(uint64_t b) {
    const char* units[] = {"B", "K", "M", "G", "T"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1024 && u < 4) v /= 1024, ++u;
    return u == 0 ? fmt::format("{}B", b) : fmt::format("{:.1f}{}", v, units[u]);
}

}  // namespace

int verb_stats(const Options& o, const std::vector<std::string>& args) {
    auto m = connect();
    if (!m) return fail(m.error());
    std::vector<std::string> names = args;
    if (names.empty()) {
        auto l = m->list();
        if (!l) return fail(l.error());
        for (auto& e : *l)
            if (e.name != ".host") names.push_back(e.name);
        std::sort(names.begin(), names.end());
    }
    Table t({"MACHINE", "TASKS", "CPU", "MEMORY"});
    std::string json = "[";
    int rc = 0;
    const bool every = args.empty();
    for (const auto& n : names) {
        auto s = machine_stats(*m, n);
        if (!s) {
            // Listing them all, a machine that is gone or goes meanwhile is skipped.
            const int code = s.error().code();
            if (!every || (code != ESRCH && code != machined::kNoSuchMachine))
                rc = fail(s.error());
            continue;
        }
        std::string cpu = s->cpu_usec ? fmt::format("{:.3f}s", *s->cpu_usec / 1e6) : "";
        std::string mem = s->memory ? human_bytes(*s->memory) + (s->memory_is_rss ? " (rss)" : "") : "";
        t.add({n, std::to_string(s->tasks), cpu, mem});
        json += fmt::format("{}{{\"machine\":{},\"tasks\":{},\"cpu_usec\":{},\"memory_bytes\":{}}}", json.size() > 1 ? "," : "",
                            json_string(n), s->tasks, s->cpu_usec ? std::to_string(*s->cpu_usec) : "null",
                            s->memory ? std::to_string(*s->memory) : "null");
    }
    if (o.output == "json" || o.output == "json-pretty") std::printf("%s]\n", json.c_str());
    else if (t.size()) std::fputs(t.render(o.legend).c_str(), stdout);
    else if (o.legend && rc == 0) std::printf("No machines.\n");
    return rc;
}

}  // namespace spawn::mctl
