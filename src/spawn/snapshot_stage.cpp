#include "spawn/snapshot_stage.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "util/btrfs.hpp"
#include "util/copy_tree.hpp"
#include "util/log.hpp"

namespace spawn {
namespace {

constexpr const char* kPrefix = ".#spawn-x.";
void delete_snapshot(int parent, const std::string& name, const std::string& path) {
    if (auto r = remove_tree_at(parent, name, path); !r) log::warn("removing the snapshot {}: {}", path, r.error().message());
}

// Snapshots of killed starts: no one holds their lock.
void remove_stale(int parent, const std::string& dir) {
    int dup = fcntl(parent, F_DUPFD_CLOEXEC, 3);
    DIR* d = dup < 0 ? nullptr : fdopendir(dup);
    if (!d) {
        if (dup >= 0) close(dup);
        return;
    }
    std::vector<std::string> stale;
    while (struct dirent* e = readdir(d)) {
        if (std::strncmp(e->d_name, kPrefix, std::strlen(kPrefix)) != 0) continue;
        UniqueFd fd(openat(parent, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (fd && flock(fd.get(), LOCK_EX | LOCK_NB) == 0) stale.emplace_back(e->d_name);
    }
    closedir(d);
    for (const auto& name : stale) {
        log::debug("-x: removing the snapshot {}/{} of a start that was killed", dir, name);
        delete_snapshot(parent, name, dir + "/" + name);
    }
}

}  // namespace

Result<std::optional<EphemeralSnapshot>> EphemeralSnapshot::take(const Config& cfg) {
    if (!cfg.ephemeral || !cfg.image.empty()) return std::optional<EphemeralSnapshot>();
    UniqueFd tree(open(cfg.directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!tree || !btrfs::is_subvolume(tree.get())) return std::optional<EphemeralSnapshot>();  // the overlay then
    const std::string dir = cfg.directory.substr(0, cfg.directory.rfind('/'));
    EphemeralSnapshot s(TRY(container::TreeLock::acquire(tree.get(), cfg.directory, true)));
    s.parent_.reset(open(dir.empty() ? "/" : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!s.parent_) return Error::errno_("-x: opening {}", dir);
    remove_stale(s.parent_.get(), dir);
    const std::string name = kPrefix + cfg.machine;
    if (auto r = btrfs::snapshot(tree.get(), s.parent_.get(), name); !r)
        return std::move(r).error().context("-x: " + cfg.directory + " in " + dir);
    s.name_ = name;
    s.path_ = dir + "/" + name;
    s.lock_.reset(openat(s.parent_.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    // Shared: the start's own tree lock on it (shared for -x) must not conflict.
    if (!s.lock_ || flock(s.lock_.get(), LOCK_SH | LOCK_NB) < 0) return Error::errno_("-x: locking {}", s.path_);
    log::debug("-x: a btrfs snapshot of {} at {}", cfg.directory, s.path_);
    return std::optional<EphemeralSnapshot>(std::move(s));
}

void EphemeralSnapshot::hand_off(Handoff& h, const std::string& key) && {
    std::move(tree_lock_).hand_off(h, key + ".tree");
    h.put_fd(key + ".parent", std::move(parent_));
    h.put_fd(key + ".lock", std::move(lock_));
    h.put(key + ".name", std::exchange(name_, {}));
    h.put(key + ".path", path_);
}

EphemeralSnapshot EphemeralSnapshot::take_over(Handoff& h, const std::string& key) {
    EphemeralSnapshot s(container::TreeLock::take_over(h, key + ".tree"));
    s.parent_ = h.take_fd(key + ".parent");
    s.lock_ = h.take_fd(key + ".lock");
    s.name_ = h.get(key + ".name");
    s.path_ = h.get(key + ".path");
    return s;
}

EphemeralSnapshot::~EphemeralSnapshot() {
    if (name_.empty()) return;
    lock_.reset();
    delete_snapshot(parent_.get(), name_, path_);
}

}  // namespace spawn
