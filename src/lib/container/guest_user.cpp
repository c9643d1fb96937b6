#include "container/guest_user.hpp"

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

}  // namespace spawn::container
