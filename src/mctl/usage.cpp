#include "usage.hpp"

#include <net/if.h>

#include <fstream>
#include <sstream>

#include "machined/procs.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace spawn::mctl {
namespace {

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

}  // namespace

std::pair<uint64_t, uint64_t> parse_io_stat(std::string_view text) {
    uint64_t r = 0, w = 0;
    for (const auto& line : str::split(text, '\n'))
        for (const auto& field : str::split(line, ' ')) {
            auto eq = field.find('=');
            if (eq == std::string::npos) continue;
            auto v = str::parse_uint(field.substr(eq + 1));
            if (!v) continue;
            if (field.substr(0, eq) == "rbytes") r += *v;
            else if (field.substr(0, eq) == "wbytes") w += *v;
        }
    return {r, w};
}

std::pair<uint64_t, uint64_t> parse_blkio_bytes(std::string_view text) {
    uint64_t r = 0, w = 0;
    for (const auto& line : str::split(text, '\n')) {
        auto f = str::split(line, ' ');
        if (f.size() != 3) continue;  // "Total N" has two fields
        auto v = str::parse_uint(f[2]);
        if (!v) continue;
        if (f[1] == "Read") r += *v;
        else if (f[1] == "Write") w += *v;
    }
    return {r, w};
}

double cpu_percent(uint64_t before, uint64_t after, uint64_t wall_usec) {
    if (wall_usec == 0 || after < before) return 0;
    return 100.0 * static_cast<double>(after - before) / static_cast<double>(wall_usec);
}

Result<Usage> read_usage(const machined::MachineInfo& info) {
    Usage s;
    auto memberships = TRY(machined::cgroups_of(static_cast<pid_t>(info.leader)));
    // The machine's unit cgroup: the leader's path cut after "/UNIT".
    auto cut = [&](const std::string& path) {
        auto at = path.find("/" + info.unit);
        return at == std::string::npos ? path : path.substr(0, at + 1 + info.unit.size());
    };
    auto in_unit = [&](const machined::CgroupMembership& m) { return !info.unit.empty() && m.path.find(info.unit) != std::string::npos; };
    std::vector<pid_t> pids;
    for (const auto& m : memberships) {
        const std::string dir = m.mount + cut(m.path);
        if (m.named_systemd || (m.unified && pids.empty())) pids = machined::pids_below(dir);
        if (m.unified) {
            if (!s.cpu_usec) s.cpu_usec = cpu_stat_usage(dir);
            if (!s.memory) s.memory = read_u64(dir + "/memory.current");
            if (!s.io_read) {
                if (auto text = read_file(dir + "/io.stat")) std::tie(s.io_read, s.io_write) = parse_io_stat(*text);
            }
        } else if (m.mount.find("cpuacct") != std::string::npos && in_unit(m)) {
            if (auto ns = read_u64(dir + "/cpuacct.usage")) s.cpu_usec = *ns / 1000;
        } else if (m.mount.find("/memory") != std::string::npos && in_unit(m)) {
            if (auto b = read_u64(dir + "/memory.usage_in_bytes")) s.memory = *b;
        } else if (m.mount.find("/blkio") != std::string::npos && in_unit(m)) {
            if (auto text = read_file(dir + "/blkio.throttle.io_service_bytes_recursive"))
                std::tie(s.io_read, s.io_write) = parse_blkio_bytes(*text);
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
    // The host side of the machine's links: what it sends, the machine receives.
    for (int idx : info.network_interfaces) {
        char name[IF_NAMESIZE + 1] = "";
        if (!if_indextoname(static_cast<unsigned>(idx), name)) continue;
        const std::string dir = std::string("/sys/class/net/") + name + "/statistics/";
        auto tx = read_u64(dir + "tx_bytes"), rx = read_u64(dir + "rx_bytes");
        if (tx) s.net_rx = s.net_rx.value_or(0) + *tx;
        if (rx) s.net_tx = s.net_tx.value_or(0) + *rx;
    }
    return s;
}

}  // namespace spawn::mctl
