#include "container/bind_user.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>

#include "util/file.hpp"
#include "util/json.hpp"

namespace spawn::container {

Result<std::vector<BoundUser>> resolve_bound_users(const std::vector<std::string>& names) {
    std::vector<BoundUser> out;
    for (const auto& name : names) {
        if (std::any_of(out.begin(), out.end(), [&](const BoundUser& u) { return u.name == name; })) continue;
        if (out.size() > kBindUserLast - kBindUserFirst)
            return Error::msg("--bind-user: at most {} users", kBindUserLast - kBindUserFirst + 1);
        struct passwd* pw = getpwnam(name.c_str());
        if (!pw) return Error(ENOENT, "--bind-user=" + name + ": no such user on the host");
        if (pw->pw_uid == 0 || pw->pw_gid == 0)
            return Error::msg("--bind-user={}: root (or a user of group root) cannot be bound", name);
        BoundUser u;
        u.name = name;
        u.host_uid = pw->pw_uid;
        u.host_gid = pw->pw_gid;
        std::string gecos = pw->pw_gecos ? pw->pw_gecos : "";
        u.real_name = gecos.substr(0, gecos.find(','));
        u.home = pw->pw_dir ? pw->pw_dir : "";
        u.shell = pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";
        struct group* gr = getgrgid(pw->pw_gid);
        u.group = gr ? gr->gr_name : name;
        u.container_id = kBindUserFirst + static_cast<uint32_t>(out.size());
        struct stat st {};
        if (u.home.empty() || u.home[0] != '/' || stat(u.home.c_str(), &st) < 0 || !S_ISDIR(st.st_mode))
            return Error::msg("--bind-user={}: home directory '{}' is not a directory on the host", name, u.home);
        out.push_back(std::move(u));
    }
    return out;
}

std::vector<MapExtent> id_map_extents(uint32_t base, uint32_t count, const std::vector<BoundUser>& users, bool gids,
                                      const std::vector<MapExtent>& extra) {
    std::vector<std::pair<uint32_t, uint32_t>> singles;  // container ID -> host ID, by container ID
    for (const auto& u : users)
        if (u.container_id < count) singles.emplace_back(u.container_id, gids ? u.host_gid : u.host_uid);
    std::sort(singles.begin(), singles.end());
    std::vector<MapExtent> out;
    uint32_t next = 0;
    for (auto [inner, outer] : singles) {
        if (inner > next) out.push_back({next, base + next, inner - next});
        out.push_back({inner, outer, 1});
        next = inner + 1;
    }
    if (next < count) out.push_back({next, base + next, count - next});
    out.insert(out.end(), extra.begin(), extra.end());  // beyond count, in order (plan_userns checked)
    return out;
}

std::string map_text(const std::vector<MapExtent>& extents) {
    std::string s;
    for (const auto& e : extents) s += fmt::format("{} {} {}\n", e.inner, e.outer, e.count);
    return s;
}

std::vector<std::pair<std::string, std::string>> userdb_records(const std::vector<BoundUser>& users) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& u : users) {
        std::string user = fmt::format(
            "{{\"userName\":{},\"uid\":{},\"gid\":{},{}\"homeDirectory\":{},\"shell\":{},"
            "\"disposition\":\"regular\",\"service\":\"io.systemd.NSpawn\"}}\n",
            json_string(u.name), u.container_id, u.container_id,
            u.real_name.empty() ? "" : "\"realName\":" + json_string(u.real_name) + ",", json_string(bound_home(u)),
            json_string(u.shell));
        std::string group = fmt::format("{{\"groupName\":{},\"gid\":{},\"service\":\"io.systemd.NSpawn\"}}\n",
                                        json_string(u.group), u.container_id);
        const std::string id = std::to_string(u.container_id);
        out.emplace_back(u.name + ".user", user);
        out.emplace_back(id + ".user", user);
        out.emplace_back(u.group + ".group", group);
        out.emplace_back(id + ".group", group);
    }
    return out;
}

Result<void> write_userdb(const std::string& run, const std::vector<BoundUser>& users) {
    if (users.empty()) return ok();
    for (const std::string& dir : {run + "/host", run + "/host/userdb"})
        if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) return Error::errno_("creating {}", dir);
    for (const auto& [name, text] : userdb_records(users))
        TRY(write_file(run + "/host/userdb/" + name, text, O_CREAT | O_TRUNC | O_NOFOLLOW, 0644));
    return ok();
}

}  // namespace spawn::container
