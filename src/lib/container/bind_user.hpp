// bind_user: --bind-user=USER, as systemd-nspawn 252. A host user's home is
// bound at /run/host/home/USER, the user's UID and primary GID are mapped into
// the container's user namespace at 60514.. (nspawn's range for bound
// users, 60514..60577, carved out of the container's own range), and a user
// and group record for the container (JSON, systemd's user record format) is
// written to /run/host/userdb/, where nss-systemd and userdbd find it. The
// records say the home is /run/host/home/USER and the IDs are 60514.., so
// the user can log in inside as on the host. Pure but for resolve_bound_users
// (NSS) and write_userdb (the container's /run).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn::container {

inline constexpr uint32_t kBindUserFirst = 60514;  // nspawn's CONTAINER_UID_BASE_MIN-style range
inline constexpr uint32_t kBindUserLast = 60577;

struct BoundUser {
    std::string name;         // the host user
    uid_t host_uid = 0;
    gid_t host_gid = 0;       // the primary group
    std::string group;        // its name
    std::string real_name;    // GECOS, up to the first comma
    std::string home;         // on the host
    std::string shell;
    uint32_t container_id = 0;  // UID and GID inside
    bool operator==(const BoundUser&) const = default;
};

// Looks the users up (NSS) and gives them 60514.. in order. Errors name the
// user: unknown, root, or more than 64.
Result<std::vector<BoundUser>> resolve_bound_users(const std::vector<std::string>& names);

// One ID map of the container: its range with each bound user's container
// ID carved out and mapped to the user's host ID (uid or gid side).
// EXTRA: further lines beyond count (an OCI bundle's several ID ranges).
using MapExtent = IdMapExtent;
std::vector<MapExtent> id_map_extents(uint32_t base, uint32_t count, const std::vector<BoundUser>& users, bool gids,
                                      const std::vector<MapExtent>& extra = {});
std::string map_text(const std::vector<MapExtent>& extents);

// The userdb records (name -> JSON text) for /run/host/userdb: NAME.user and
// NAME.group, with the IDs as names too (60514.user, 60514.group).
std::vector<std::pair<std::string, std::string>> userdb_records(const std::vector<BoundUser>& users);

// Writes the records into RUN/host/userdb (RUN: the container's /run, before pivot).
Result<void> write_userdb(const std::string& run, const std::vector<BoundUser>& users);

inline std::string bound_home(const BoundUser& u) { return "/run/host/home/" + u.name; }

}  // namespace spawn::container
