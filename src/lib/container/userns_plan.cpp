#include "container/userns_plan.hpp"

#include "config/userns_options.hpp"

namespace spawn::container {
namespace {

// FNV-1a: stable across runs and builds, so a machine gets the same range
// every start (and its chowned tree is reused) while it is free.
uint32_t name_hash(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return static_cast<uint32_t>(h ^ (h >> 32));
}

bool is_pickable_base(uint32_t id) { return id % kRangeSize == 0 && id >= kPickFirst && id < kPickEnd; }

}  // namespace

Result<UsernsPlan> plan_userns(const UserNamespace& cfg, std::string_view machine, uid_t tree_uid, gid_t tree_gid) {
    UsernsPlan p;
    p.mode = cfg.mode;
    if (!cfg.enabled()) return p;
    p.ownership = effective_ownership(cfg);
    switch (cfg.mode) {
    case UserNsMode::No:
        break;
    case UserNsMode::Fixed:
        p.range = IdRange{cfg.base, cfg.count};
        break;
    case UserNsMode::Identity:
        p.range = IdRange{0, kRangeSize};
        p.ownership = UserNsOwnership::Off;  // nothing to shift: 0 is 0
        break;
    case UserNsMode::FromTree:
        if (tree_uid != tree_gid || tree_uid % kRangeSize != 0 || tree_uid > 0xFFFFFFFFu - kRangeSize)
            return Error::msg("--private-users=yes: the tree's root directory is owned by {}:{}, which is not the "
                              "start of a 65536-ID range (UID and GID equal, a multiple of 65536)",
                              tree_uid, tree_gid);
        p.range = IdRange{static_cast<uint32_t>(tree_uid), kRangeSize};
        break;
    case UserNsMode::Pick:
        if (tree_uid == tree_gid && is_pickable_base(tree_uid)) p.tree_base = tree_uid;
        p.pick_slot = name_hash(machine) % kPickSlots;
        break;
    }
    return p;
}

IdRange pick_candidate(const UsernsPlan& p, uint32_t i) {
    uint32_t slot = (p.pick_slot + i) % kPickSlots;
    return IdRange{kPickFirst + slot * kRangeSize, kRangeSize};
}

std::string id_map_text(const IdRange& r) {
    return "0 " + std::to_string(r.base) + " " + std::to_string(r.count) + "\n";
}

std::string range_lock_path(uint32_t base) { return std::string(kRangeLockDir) + "/" + std::to_string(base); }

}  // namespace spawn::container
