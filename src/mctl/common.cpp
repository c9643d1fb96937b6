#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

#include "mctl.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace spawn::mctl {

int fail(const Error& e) {
    log::error("{}", e.message());
    return 1;
}

namespace {
bus::BusTarget g_target;
}  // namespace

void set_target(const Options& o) { g_target = bus::BusTarget{o.host, o.machine}; }

Result<machined::Machined> connect() { return machined::Machined::connect(g_target); }

bool target_is_local() { return g_target.local(); }

Result<void> local_only(const char* verb) {
    if (g_target.local()) return ok();
    return Error::msg("{}: only supported on the local host, not with {}", verb,
                      g_target.host.empty() ? "-M/--machine=" + g_target.machine : "-H/--host=" + g_target.host);
}

Result<LiveMachine> live_machine(machined::Machined& m, const std::string& name) {
    LiveMachine lm{TRY(m.get(name)), std::nullopt};
    if (!g_target.local() || name == ".host") return lm;
    auto pinned = machined::PinnedLeader::pin(lm.info);
    if (pinned) {
        lm.leader.emplace(std::move(*pinned));
        return lm;
    }
    if (pinned.error().code() == ESRCH && cleared_ghost(m, lm.info))
        return Error(ESRCH, pinned.error().message() + " (its spawn died; what it left is cleared now)");
    return std::move(pinned).error();
}

bool cleared_ghost(machined::Machined& m, const machined::MachineInfo& info) {
    // (Only root can: the name locks, cgroups and state files are root's.)
    if (!g_target.local() || info.name == ".host" || geteuid() != 0 || machined::has_running_leader(info)) return false;
    auto r = machined::clear_ghost(m, info);
    if (!r) log::warn("Could not clear machine '{}', left by a spawn that died: {}", info.name, r.error().message());
    return r && *r;
}

std::string format_timestamp(uint64_t usec) {
    if (usec == 0 || usec == UINT64_MAX) return "n/a";
    time_t t = static_cast<time_t>(usec / 1000000);
    struct tm tm;
    localtime_r(&t, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%a %Y-%m-%d %H:%M:%S %Z", &tm);
    return buf;
}

std::string format_relative(uint64_t usec) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
    if (usec == 0 || usec > now) return "";
    uint64_t d = now - usec;
    struct Unit { const char* name; uint64_t usec; };
    static const Unit units[] = {{"y", 31557600000000ULL}, {"month", 2629800000000ULL}, {"w", 604800000000ULL},
                                 {"d", 86400000000ULL},    {"h", 3600000000ULL},        {"min", 60000000ULL},
                                 {"s", 1000000ULL},        {"ms", 1000ULL},             {"us", 1ULL}};
    std::string out;
    int parts = 0;
    for (const auto& u : units) {
        if (parts == 2) break;
        if (d >= u.usec) {
            uint64_t n = d / u.usec;
            d %= u.usec;
            if (!out.empty()) out += ' ';
            out += std::to_string(n) + u.name;
            ++parts;
            if (u.usec <= 1000000ULL) break;  // below a second one component is enough
        } else if (parts) {
            break;
        }
    }
    if (out.empty()) out = "0s";
    return out + " ago";
}

std::string Table::render(bool legend) const {
    std::vector<size_t> w(header_.size(), 0);
    auto cell = [](const std::vector<std::string>& r, size_t i) -> std::string {
        return i < r.size() && !r[i].empty() ? r[i] : "-";
    };
    if (legend)
        for (size_t i = 0; i < header_.size(); ++i) w[i] = header_[i].size();
    for (const auto& r : rows_)
        for (size_t i = 0; i < header_.size(); ++i) w[i] = std::max(w[i], cell(r, i).size());
    std::string out;
    auto line = [&](const std::vector<std::string>& r, bool is_header) {
        std::string l;
        for (size_t i = 0; i < header_.size(); ++i) {
            std::string c = is_header ? header_[i] : cell(r, i);
            if (i) l += ' ';
            l += c;
            if (i + 1 < header_.size()) l.append(w[i] - c.size(), ' ');
        }
        while (!l.empty() && l.back() == ' ') l.pop_back();
        out += l + "\n";
    };
    if (legend) line(header_, true);
    for (const auto& r : rows_) line(r, false);
    return out;
}

}  // namespace spawn::mctl
