// userns: the kernel half of the container's user namespace (the plan is
// userns_plan.hpp). The range is taken before the container exists and held
// for its life; once the container is cloned into its new user namespace the
// host writes its ID maps, and the tree is made to be owned by the range
// (an idmapped mount of it, or its files shifted once), while the container
// waits (Barrier::UsersMapped).
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

#include "container/bind_user.hpp"
#include "container/lock.hpp"
#include "container/mount_plan.hpp"
#include "container/userns_plan.hpp"
#include "util/fd.hpp"
#include "util/handoff.hpp"
#include "util/result.hpp"

namespace spawn::container {

// The container's range, locked for its life: exclusively when picked (no
// other machine, of spawn or of systemd-nspawn, gets it meanwhile), shared
// when given or read from the tree (a machine that would pick it skips it).
// The kernel drops the lock when spawn dies, even by SIGKILL.
class UidRangeLock {
public:
    static Result<UidRangeLock> acquire(const UsernsPlan& plan);
    const IdRange& range() const { return range_; }
    // util/handoff.hpp
    void hand_off(Handoff& h, const std::string& key) &&;
    static UidRangeLock take_over(Handoff& h, const std::string& key);

private:
    IdRange range_;
    std::optional<PathLock> lock_;  // none for identity (0..65535 is the host's own)
};

// The range of the user namespace at PATH (an OCI bundle's, joined): its one
// map line from ID 0, the same for UIDs and GIDs; it must be a child of ours.
Result<IdRange> joined_userns_range(const std::string& path);

// IDs in use on the host that a picked range must not contain: every user
// and group NSS lists, and every range a user namespace of a running
// process maps (other machines, rootless engines).
std::vector<IdRange> host_ids_in_use();

// A user namespace mapped as the container's will be (the range, the bound
// users carved out), held by an fd: what the host's idmapped mounts map with
// before the container exists.
Result<UniqueFd> make_container_userns(const IdRange& r, const std::vector<BoundUser>& users,
                                       const std::vector<MapExtent>& extra = {});

// Writes /proc/PID/uid_map and gid_map: the container's 0.. on r, but for
// the bound users' IDs (bind_user.hpp), mapped to theirs on the host; then
// an OCI bundle's further ranges (extra).
Result<void> write_id_maps(pid_t pid, const IdRange& r, const std::vector<BoundUser>& users,
                           const std::vector<MapExtent>& extra = {});

// --bind-user: a bound user's host UID or GID inside the container's range
// would be mapped twice (the kernel refuses that): one line naming the user.
Result<void> check_bound_users(const IdRange& r, const std::vector<BoundUser>& users);

// A detached copy of the tree's mount (recursive) whose files owned by host
// 0..65535 appear to the container as its own 0..65535 (MOUNT_ATTR_IDMAP with
// the container's user namespace). EINVAL/EOPNOTSUPP/ENOSYS: the file system
// (or the kernel) cannot.
Result<UniqueFd> idmapped_tree(int tree_fd, int userns_fd);

// The detached mount of a host_prepared --bind step's host source (as
// host root: any host path), read-only if asked, and idmapped as asked:
// idmap shows host 0..65535 as the container's 0..65535
// (container_userns_fd); rootidmap shows the source's owner as the
// container's root (a user namespace made for it).
Result<UniqueFd> prepared_bind(const MountStep& step, int container_userns_fd, const IdRange& range);

}  // namespace spawn::container
