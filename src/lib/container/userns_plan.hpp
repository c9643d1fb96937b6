// userns_plan: the pure half of the container's user namespace. From
// --private-users (config.hpp) and the owner of the tree's root directory,
// plan_userns() fixes what can be known before the start: the range when it
// is given or read from the tree, the order in which --private-users=pick
// tries ranges, and the ownership mode. Which range is free is a fact of the
// running host (userns.hpp takes it and holds it).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn::container {

// A range of host UIDs (and the same GIDs) the container's 0.. map to.
struct IdRange {
    uint32_t base = 0;
    uint32_t count = 0;
    uint32_t last() const { return base + count - 1; }
    bool contains(uint32_t id) const { return id >= base && id - base < count; }
    bool overlaps(const IdRange& o) const { return base <= o.last() && o.base <= last(); }
    bool operator==(const IdRange&) const = default;
};

// --private-users=pick picks a 65536-ID range at a multiple of 65536 in
// [kPickFirst, kPickEnd), as nspawn (0x00080000..0x6FFF0000).
inline constexpr uint32_t kRangeSize = 0x10000;
inline constexpr uint32_t kPickFirst = 0x00080000;
inline constexpr uint32_t kPickEnd = 0x6FFF0000;
inline constexpr uint32_t kPickSlots = (kPickEnd - kPickFirst) / kRangeSize;

struct UsernsPlan {
    UserNsMode mode = UserNsMode::No;
    std::optional<IdRange> range;       // known now: Fixed, Identity, FromTree
    std::optional<uint32_t> tree_base;  // Pick: the range the tree is owned by, tried first
    uint32_t pick_slot = 0;             // Pick: then slots from here on (a hash of the machine name)
    UserNsOwnership ownership = UserNsOwnership::Off;  // Auto: map where the file system can, else chown
    std::vector<IdMapExtent> extra;     // Fixed: further map lines beyond the range (UserNamespace::extra)
    std::string joined;                 // Joined: the namespace file (its range is read at the start)
    bool enabled() const { return mode != UserNsMode::No; }
    bool operator==(const UsernsPlan&) const = default;
};

// tree_uid/tree_gid: the owner of the tree's root directory.
Result<UsernsPlan> plan_userns(const UserNamespace& cfg, std::string_view machine, uid_t tree_uid, gid_t tree_gid);

// The host ID of container ID id: in range (from 0), else in an extra
// line, else range's base + id (not mapped: the kernel shows it as nobody).
uint32_t host_id(const IdRange& range, const std::vector<IdMapExtent>& extra, uint32_t id);

// The i-th range --private-users=pick tries after the tree's own (i < kPickSlots).
IdRange pick_candidate(const UsernsPlan& p, uint32_t i);

// The uid_map / gid_map text of a container whose 0.. map to r.
std::string id_map_text(const IdRange& r);

// --private-users-ownership=chown: the ID a file owned by id gets, as
// nspawn: the low 16 bits kept, the upper ones those of base.
inline uint32_t shifted_id(uint32_t id, uint32_t base) { return base | (id & 0xFFFFu); }

// The lock file of a range (shared with systemd-nspawn, which takes the same one).
// Where the UID range locks live (nspawn's directory: the two never pick one range).
inline constexpr const char* kRangeLockDir = "/run/systemd/nspawn-uid";
std::string range_lock_path(uint32_t base);

}  // namespace spawn::container
