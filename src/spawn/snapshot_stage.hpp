// The snapshot stage (-x on a btrfs subvolume): the container runs on a
// btrfs snapshot of the tree, made beside it as .#spawn-x.MACHINE, deleted
// when the container is done. The tree itself is locked shared meanwhile;
// the snapshot is flocked by spawn, so a start finding a snapshot no one
// holds (spawn was killed) deletes it before anything else. On any other
// file system -x uses the overlay of container/root_layer.hpp instead.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "container/lock.hpp"
#include "util/fd.hpp"
#include "util/handoff.hpp"
#include "util/result.hpp"

namespace spawn {

class EphemeralSnapshot {
public:
    // nullopt: the tree is not a btrfs subvolume.
    static Result<std::optional<EphemeralSnapshot>> take(const Config& cfg);
    EphemeralSnapshot(EphemeralSnapshot&& o) noexcept
        : tree_lock_(std::move(o.tree_lock_)), parent_(std::move(o.parent_)), lock_(std::move(o.lock_)),
          name_(std::move(o.name_)), path_(std::move(o.path_)) {
        o.name_.clear();
    }
    EphemeralSnapshot& operator=(EphemeralSnapshot&&) = delete;
    ~EphemeralSnapshot();
    const std::string& path() const { return path_; }
    // util/handoff.hpp
    void hand_off(Handoff& h, const std::string& key) &&;
    static EphemeralSnapshot take_over(Handoff& h, const std::string& key);

private:
    EphemeralSnapshot(container::TreeLock tree_lock) : tree_lock_(std::move(tree_lock)) {}
    container::TreeLock tree_lock_;  // the tree, shared
    UniqueFd parent_;                // the directory the snapshot is in
    UniqueFd lock_;                  // the snapshot's own directory, flocked
    std::string name_, path_;
};

}  // namespace spawn
