#include "container/env.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace spawn::container {

std::optional<PasswdEntry> find_passwd(std::string_view passwd, std::string_view user) {
    auto numeric = str::parse_uint(user);
    for (const auto& line : str::split(passwd, '\n')) {
        if (line.empty() || line[0] == '#') continue;
        auto f = str::split(line, ':');
        if (f.size() < 7) continue;
        auto uid = str::parse_uint(f[2]);
        auto gid = str::parse_uint(f[3]);
        if (!uid || !gid) continue;
        if (f[0] == user || (numeric && *numeric == *uid)) {
            return PasswdEntry{f[0], static_cast<uid_t>(*uid), static_cast<gid_t>(*gid), f[5], f[6]};
        }
    }
    return std::nullopt;
}

std::vector<gid_t> supplementary_groups(std::string_view group, std::string_view user, gid_t primary) {
    std::vector<gid_t> out;
    for (const auto& line : str::split(group, '\n')) {
        if (line.empty() || line[0] == '#') continue;
        auto f = str::split(line, ':');
        if (f.size() < 4) continue;
        auto gid = str::parse_uint(f[2]);
        if (!gid || *gid == primary) continue;
        for (const auto& member : str::split(f[3], ','))
            if (member == user) {
                out.push_back(static_cast<gid_t>(*gid));
                break;
            }
    }
    return out;
}

std::vector<std::string> build_environment(const Config& cfg, const EnvFacts& facts) {
    std::vector<std::string> env;
    auto set = [&env](std::string_view name, std::string_view value) {
        std::string prefix = std::string(name) + "=";
        for (auto& e : env)
            if (e.rfind(prefix, 0) == 0) {
                e = prefix + std::string(value);
                return;
            }
        env.push_back(prefix + std::string(value));
    };
    set("PATH", kDefaultPath);
    set("container", kContainerManager);
    if (!facts.uuid.empty()) set("container_uuid", facts.uuid);
    if (!facts.term.empty()) set("TERM", facts.term);
    if (facts.user) {
        set("HOME", facts.user->home.empty() ? "/" : facts.user->home);
        set("USER", facts.user->name);
        set("LOGNAME", facts.user->name);
        if (!facts.user->shell.empty()) set("SHELL", facts.user->shell);
    }
    if (facts.listen_fds > 0) {
        set("LISTEN_FDS", std::to_string(facts.listen_fds));
        set("LISTEN_PID", std::to_string(facts.listen_pid));
    }
    for (const auto& e : cfg.setenv) {
        auto eq = e.find('=');
        if (eq == std::string::npos) continue;  // validated by the parser
        set(std::string_view(e).substr(0, eq), std::string_view(e).substr(eq + 1));
    }
    return env;
}

std::string format_uuid(const Uuid& u) {
    std::string hex;
    for (size_t i = 0; i < u.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) hex += '-';
        hex += fmt::format("{:02x}", u[i]);
    }
    return hex;
}

std::optional<Uuid> parse_machine_id(std::string_view in) {
    while (!in.empty() && (in.back() == '\n' || in.back() == ' ')) in.remove_suffix(1);
    // The 8-4-4-4-12 UUID form (format_uuid's) is accepted too.
    std::string hex(in);
    if (hex.size() == 36 && hex[8] == '-' && hex[13] == '-' && hex[18] == '-' && hex[23] == '-')
        hex.erase(std::remove(hex.begin(), hex.end(), '-'), hex.end());
    std::string_view s = hex;
    if (s.size() != 32) return std::nullopt;
    Uuid u{};
    for (size_t i = 0; i < 16; ++i) {
        auto hexval = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        u[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    bool all_zero = true;
    for (auto b : u) all_zero = all_zero && b == 0;
    if (all_zero) return std::nullopt;
    return u;
}

}  // namespace spawn::container
