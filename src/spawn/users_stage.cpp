#include "spawn/users_stage.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <string>

#include "container/ownership_shift.hpp"
#include "util/nsfs.hpp"
#include "util/log.hpp"

namespace spawn {
namespace {

using container::IdRange;


bool idmap_unsupported(int err) { return err == EINVAL || err == EOPNOTSUPP || err == ENOSYS; }

Result<void> chown_tree(int tree_fd, const std::string& root, const IdRange& range, bool read_only) {
    // Shifting keeps the low 16 bits: only a whole aligned range is a shift
    // (else IDs collide, e.g. on the range's root); and a --read-only tree
    // may be in use by another machine of another range.
    if (range.base % container::kRangeSize != 0 || range.count != container::kRangeSize)
        return Error::msg("--private-users-ownership=chown needs a range of 65536 IDs starting at a multiple of 65536, "
                          "not {}:{}", range.base, range.count);
    if (read_only)
        return Error::msg("--read-only: {} would have to be shifted to {}.. (use --private-users-ownership=map, or "
                          "start it once without --read-only)", root, range.base);
    auto stats = TRY(container::shift_tree_ownership(tree_fd, root, range.base));
    if (stats.walked) log::debug("--private-users-ownership=chown: {} files of {} now owned by {}..", stats.changed, root, range.base);
    return ok();
}

}  // namespace

Result<std::optional<container::UidRangeLock>> take_uid_range(const start::StartPlan& plan) {
    if (!plan.userns.enabled()) return std::optional<container::UidRangeLock>();
    auto lock = TRY(container::UidRangeLock::acquire(plan.userns));
    TRY(container::check_bound_users(lock.range(), plan.bound_users));
    return std::optional<container::UidRangeLock>(std::move(lock));
}

namespace {

Result<UniqueFd> own_tree(const start::StartPlan& plan, const IdRange& range, int tree_fd, int userns_fd, bool read_only) {
    UserNsOwnership mode = plan.userns.ownership;
    if (mode == UserNsOwnership::Off) return UniqueFd();
    struct stat st {};
    if (fstat(tree_fd, &st) < 0) return Error::errno_("stat {}", plan.root);
    if (st.st_uid == range.base && st.st_gid == range.base) return UniqueFd();  // owned by the range already
    if (mode == UserNsOwnership::Chown) {
        TRY(chown_tree(tree_fd, plan.root, range, read_only));
        return UniqueFd();
    }
    // map (and auto): an idmapped mount shows host 0..65535 as the container's
    // 0..65535; a tree owned by another range cannot be shown so.
    const bool tree_unshifted = st.st_uid < container::kRangeSize && st.st_gid < container::kRangeSize;
    if (tree_unshifted) {
        auto mapped = container::idmapped_tree(tree_fd, userns_fd);
        if (mapped.ok()) return std::move(*mapped);
        if (mode == UserNsOwnership::Map || !idmap_unsupported(mapped.error().code()))
            return std::move(mapped).error().context("--private-users-ownership=map on " + plan.root);
    } else if (mode == UserNsOwnership::Map) {
        return Error::msg("--private-users-ownership=map: {} is owned by {}:{}, not by the host's 0..65535 (shift it "
                          "back with --private-users=0 --private-users-ownership=chown)",
                          plan.root, st.st_uid, st.st_gid);
    }
    TRY(chown_tree(tree_fd, plan.root, range, read_only));  // auto, where mapping cannot
    return UniqueFd();
}

}  // namespace

Result<UserPrep> prepare_users(const start::StartPlan& plan, const IdRange& range, int tree_fd, bool read_only) {
    UserPrep p;
    // A joined user namespace is the container's (the outer child enters it to clone the container).
    if (plan.userns.mode == UserNsMode::Joined)
        p.userns = TRY(open_namespace_file(plan.userns.joined, CLONE_NEWUSER));
    else
        p.userns = TRY(container::make_container_userns(range, plan.bound_users, plan.userns.extra));
    p.tree = TRY(own_tree(plan, range, tree_fd, p.userns.get(), read_only));
    return p;
}

Result<void> map_users(pid_t pid, const start::StartPlan& plan, const IdRange& range) {
    if (plan.userns.mode == UserNsMode::Joined) return ok();  // mapped by its owner
    return container::write_id_maps(pid, range, plan.bound_users, plan.userns.extra);
}

}  // namespace spawn
