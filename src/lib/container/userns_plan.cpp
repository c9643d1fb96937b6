#include "container/userns_plan.hpp"

#include <algorithm>

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

namespace {

// Further ranges: within the kernel's 340 lines, none empty or wrapping
// around, none overlapping another or the range in the container's IDs or in
// the host's; in the container's order.
Result<std::vector<IdMapExtent>> check_extra_ranges(const IdRange& range, std::vector<IdMapExtent> extra) {
    if (extra.size() + 1 > 340) return Error::msg("several ID ranges: {} are more than the kernel's 340", extra.size() + 1);
    std::sort(extra.begin(), extra.end(), [](const auto& a, const auto& b) { return a.inner < b.inner; });
    std::vector<IdRange> inner{{0, range.count}}, outer{range};
    for (const auto& e : extra) {
        if (e.count == 0 || e.inner > 0xFFFFFFFFu - e.count || e.outer > 0xFFFFFFFFu - e.count)
            return Error::msg("several ID ranges: {} IDs from {} to {} is not a range of IDs", e.count, e.inner, e.outer);
        const IdRange in{e.inner, e.count}, out{e.outer, e.count};
        for (const auto& r : inner)
            if (r.overlaps(in))
                return Error::msg("several ID ranges: container IDs {}..{} overlap another range", in.base, in.last());
        for (const auto& r : outer)
            if (r.overlaps(out))
                return Error::msg("several ID ranges: host IDs {}..{} overlap another range", out.base, out.last());
        inner.push_back(in);
        outer.push_back(out);
    }
    return extra;
}

}  // namespace

uint32_t host_id(const IdRange& range, const std::vector<IdMapExtent>& extra, uint32_t id) {
    if (id >= range.count)
        for (const auto& e : extra)
            if (id >= e.inner && id - e.inner < e.count) return e.outer + (id - e.inner);
    return range.base + id;
}

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
        p.extra = TRY(check_extra_ranges(*p.range, cfg.extra));
        if (!p.extra.empty() && p.ownership != UserNsOwnership::Off)
            return Error::msg("several ID ranges: the tree's ownership cannot be shifted or mapped to them "
                              "(--private-users-ownership=off: it is used as it is owned)");
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
    case UserNsMode::Joined:
        p.joined = cfg.joined;
        p.ownership = UserNsOwnership::Off;  // its maps are given: the tree is used as it is owned
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
