// stats, top: what machines use, from their cgroups and host-side links
// (beyond machinectl, as systemd-cgtop and docker stats): stats once, top
// refreshing with CPU % over each interval.
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "mctl.hpp"
#include "usage.hpp"
#include "util/strings.hpp"

namespace spawn::mctl {
namespace {

// The usage of machine NAME, read through its pinned leader and kept only if
// that process still runs afterwards (ESRCH when it does not).
Result<Usage> machine_usage(machined::Machined& m, const std::string& name) {
    auto live = TRY(live_machine(m, name));
    auto s = read_usage(live.info);
    if (!s) s = std::move(s).error().context(fmt::format("machine '{}'", name));
    if (live.leader && !live.leader->alive())
        return Error(ESRCH, fmt::format("Machine '{}' is not running: it stopped", name));
    return s;
}

struct Sample {
    std::string name;
    Usage usage;
    std::optional<double> cpu_percent;  // top: over the last interval
};

// The machines named, or all; those that are gone or go meanwhile are
// skipped when listing them all, an error when named.
Result<std::vector<Sample>> sample(machined::Machined& m, const std::vector<std::string>& args, int& rc) {
    std::vector<std::string> names = args;
    if (names.empty()) {
        for (auto& e : TRY(m.list()))
            if (e.name != ".host") names.push_back(e.name);
        std::sort(names.begin(), names.end());
    }
    std::vector<Sample> out;
    for (const auto& n : names) {
        auto u = machine_usage(m, n);
        if (!u) {
            const int code = u.error().code();
            if (!args.empty() || (code != ESRCH && code != machined::kNoSuchMachine)) rc = fail(u.error());
            continue;
        }
        out.push_back({n, *u, std::nullopt});
    }
    return out;
}

std::string human_bytes(std::optional<uint64_t> b) {
    if (!b) return "";
    const char* units[] = {"B", "K", "M", "G", "T"};
    double v = static_cast<double>(*b);
    int u = 0;
    while (v >= 1024 && u < 4) v /= 1024, ++u;
    return u == 0 ? fmt::format("{}B", *b) : fmt::format("{:.1f}{}", v, units[u]);
}

std::string json_u64(std::optional<uint64_t> v) { return v ? std::to_string(*v) : "null"; }

std::string json_of(const std::vector<Sample>& rows) {
    std::string json = "[";
    for (const auto& r : rows) {
        const Usage& s = r.usage;
        json += fmt::format("{}{{\"machine\":{},\"tasks\":{},\"cpu_usec\":{},{}\"memory_bytes\":{},\"io_read_bytes\":{},"
                            "\"io_write_bytes\":{},\"net_rx_bytes\":{},\"net_tx_bytes\":{}}}",
                            json.size() > 1 ? "," : "", json_string(r.name), s.tasks, json_u64(s.cpu_usec),
                            r.cpu_percent ? fmt::format("\"cpu_percent\":{:.1f},", *r.cpu_percent) : "",
                            json_u64(s.memory), json_u64(s.io_read), json_u64(s.io_write), json_u64(s.net_rx),
                            json_u64(s.net_tx));
    }
    return json + "]\n";
}

std::string table_of(const std::vector<Sample>& rows, bool legend, bool with_percent) {
    std::vector<std::string> head = {"MACHINE", "TASKS"};
    if (with_percent) head.push_back("%CPU");
    for (const char* h : {"CPU", "MEMORY", "IO-READ", "IO-WRITE", "NET-RX", "NET-TX"}) head.emplace_back(h);
    Table t(head);
    for (const auto& r : rows) {
        const Usage& s = r.usage;
        std::vector<std::string> row = {r.name, std::to_string(s.tasks)};
        if (with_percent) row.push_back(r.cpu_percent ? fmt::format("{:.1f}", *r.cpu_percent) : "");
        row.push_back(s.cpu_usec ? fmt::format("{:.3f}s", static_cast<double>(*s.cpu_usec) / 1e6) : "");
        row.push_back(human_bytes(s.memory) + (s.memory_is_rss && s.memory ? " (rss)" : ""));
        for (const auto& v : {s.io_read, s.io_write, s.net_rx, s.net_tx}) row.push_back(human_bytes(v));
        t.add(row);
    }
    return t.size() ? t.render(legend) : "";
}

uint64_t now_usec() {
    struct timespec ts {};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

// Sorts for top: the busiest first (by --order), then by name.
void order_rows(std::vector<Sample>& rows, const std::string& key) {
    auto value = [&](const Sample& s) -> double {
        const Usage& u = s.usage;
        if (key == "tasks") return static_cast<double>(u.tasks);
        if (key == "memory") return static_cast<double>(u.memory.value_or(0));
        if (key == "io") return static_cast<double>(u.io_read.value_or(0) + u.io_write.value_or(0));
        if (key == "net") return static_cast<double>(u.net_rx.value_or(0) + u.net_tx.value_or(0));
        return s.cpu_percent.value_or(0);
    };
    std::stable_sort(rows.begin(), rows.end(), [&](const Sample& a, const Sample& b) {
        if (key == "name") return a.name < b.name;
        return value(a) > value(b);
    });
}

}  // namespace

int verb_stats(const Options& o, const std::vector<std::string>& args) {
    auto m = connect();
    if (!m) return fail(m.error());
    int rc = 0;
    auto rows = sample(*m, args, rc);
    if (!rows) return fail(rows.error());
    if (o.output == "json" || o.output == "json-pretty") std::fputs(json_of(*rows).c_str(), stdout);
    else if (!rows->empty()) std::fputs(table_of(*rows, o.legend, false).c_str(), stdout);
    else if (o.legend && rc == 0) std::printf("No machines.\n");
    return rc;
}

int verb_top(const Options& o, const std::vector<std::string>& args) {
    auto m = connect();
    if (!m) return fail(m.error());
    const bool tty = isatty(STDOUT_FILENO);
    const bool json = o.output == "json" || o.output == "json-pretty";
    std::map<std::string, uint64_t> last_cpu;
    uint64_t last = 0;
    for (uint64_t frame = 0; o.iterations == 0 || frame <= o.iterations; ++frame) {
        int rc = 0;
        auto rows = sample(*m, args, rc);
        if (!rows) return fail(rows.error());
        const uint64_t now = now_usec();
        for (auto& r : *rows) {
            auto it = last_cpu.find(r.name);
            if (it != last_cpu.end() && r.usage.cpu_usec) r.cpu_percent = cpu_percent(it->second, *r.usage.cpu_usec, now - last);
        }
        last_cpu.clear();
        for (const auto& r : *rows)
            if (r.usage.cpu_usec) last_cpu[r.name] = *r.usage.cpu_usec;
        last = now;
        // The first sample only starts the CPU interval: shown from the second on.
        if (frame > 0) {
            order_rows(*rows, o.order);
            std::string text = json ? json_of(*rows) : table_of(*rows, o.legend, true);
            if (!json && rows->empty() && o.legend) text = "No machines.\n";
            if (tty && !json) text = "\033[H\033[2J" + text;  // redraw in place, as top
            std::fputs(text.c_str(), stdout);
            std::fflush(stdout);
            if (o.iterations && frame == o.iterations) return rc;
        }
        // Sleep the interval; a key on a terminal (q) ends it.
        struct pollfd p = {STDIN_FILENO, POLLIN, 0};
        const int ms = static_cast<int>(frame == 0 ? std::min(o.delay_ms, 500) : o.delay_ms);
        if (tty && isatty(STDIN_FILENO) && poll(&p, 1, ms) > 0) {
            char c = 0;
            if (read(STDIN_FILENO, &c, 1) <= 0 || c == 'q') return 0;
        } else if (!(tty && isatty(STDIN_FILENO))) {
            poll(nullptr, 0, ms);
        }
    }
    return 0;
}

}  // namespace spawn::mctl
