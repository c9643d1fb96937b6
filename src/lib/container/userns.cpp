#include "container/userns.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "util/fdio.hpp"
#include "util/file.hpp"
#include "util/forked.hpp"
#include "util/nsfs.hpp"

namespace spawn::container {
namespace {

bool in_use(const IdRange& r, const std::vector<IdRange>& used) {
    for (const auto& u : used)
        if (r.overlaps(u)) return true;
    return false;
}

// patience: for a range the machine needs (given, or the tree's own), not
// for a pick candidate, which a busy range just skips.
Result<PathLock> lock_range(const IdRange& r, bool shared, std::chrono::milliseconds patience = std::chrono::milliseconds(0)) {
    TRY(make_lock_dir(kRangeLockDir));
    return PathLock::acquire(range_lock_path(r.base), shared,
                             fmt::format("UID range {}:{} is in use by another machine", r.base, r.count), patience);
}

// The extents of one process's uid_map that are not the identity map of
// the initial namespace.
void add_uid_map_ranges(const std::string& text, std::vector<IdRange>& out) {
    unsigned long inner = 0, outer = 0, count = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? text.size() : nl + 1;
        if (std::sscanf(line.c_str(), "%lu %lu %lu", &inner, &outer, &count) != 3 || count == 0) continue;
        if (inner == 0 && outer == 0 && count == 4294967295ul) continue;
        out.push_back(IdRange{static_cast<uint32_t>(outer), static_cast<uint32_t>(count)});
    }
}

// "0 BASE COUNT\n", the one line of a map spawn can join: its range.
Result<IdRange> single_range(const std::string& text, const std::string& path) {
    unsigned long inner = 1, outer = 0, count = 0;
    char rest = 0;
    if (std::sscanf(text.c_str(), "%lu %lu %lu\n%c", &inner, &outer, &count, &rest) != 3 || inner != 0 || count == 0)
        return Error::msg("user namespace {}: spawn joins a user namespace that maps one range from ID 0, not '{}'",
                          path, text.substr(0, text.find('\n')));
    return IdRange{static_cast<uint32_t>(outer), static_cast<uint32_t>(count)};
}

}  // namespace

Result<IdRange> joined_userns_range(const std::string& path) {
    auto ns = TRY(open_namespace_file(path, CLONE_NEWUSER));
    // Its maps are read from inside it, where they show its parent's IDs:
    // those must be ours.
    UniqueFd parent(ioctl(ns.get(), NS_GET_PARENT));
    struct stat p {}, self {};
    if (!parent || fstat(parent.get(), &p) < 0 || stat("/proc/self/ns/user", &self) < 0 || p.st_ino != self.st_ino ||
        p.st_dev != self.st_dev)
        return Error::msg("user namespace {}: not a child of spawn's user namespace", path);
    auto maps = output_of_child([&ns](int out) {
        if (setns(ns.get(), CLONE_NEWUSER) < 0) return 1;
        std::string text;
        for (const char* f : {"/proc/self/uid_map", "/proc/self/gid_map"}) {
            auto map = read_file(f);
            if (!map) return 1;
            text += *map + '\0';
        }
        return write_all(out, text.data(), text.size()) ? 0 : 1;
    }, "the user namespace's ID maps");
    const auto split = maps && maps->succeeded() ? maps->out.find('\0') : std::string::npos;
    if (split == std::string::npos) return Error::msg("user namespace {}: could not read its ID maps", path);
    const IdRange uids = TRY(single_range(maps->out.substr(0, split), path));
    const IdRange gids = TRY(single_range(maps->out.substr(split + 1), path));
    if (uids != gids) return Error::msg("user namespace {}: its UID and GID maps differ", path);
    return uids;
}

std::vector<IdRange> host_ids_in_use() {
    std::vector<IdRange> used;
    setpwent();
    while (struct passwd* pw = getpwent()) used.push_back(IdRange{pw->pw_uid, 1});
    endpwent();
    setgrent();
    while (struct group* gr = getgrent()) used.push_back(IdRange{gr->gr_gid, 1});
    endgrent();
    if (DIR* d = opendir("/proc")) {
        while (struct dirent* e = readdir(d)) {
            if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
            auto map = read_file(std::string("/proc/") + e->d_name + "/uid_map");
            if (map) add_uid_map_ranges(*map, used);
        }
        closedir(d);
    }
    return used;
}

void UidRangeLock::hand_off(Handoff& h, const std::string& key) && {
    h.put_int(key + ".base", range_.base);
    h.put_int(key + ".count", range_.count);
    if (lock_) std::move(*lock_).hand_off(h, key + ".lock");
    lock_.reset();
}

UidRangeLock UidRangeLock::take_over(Handoff& h, const std::string& key) {
    UidRangeLock l;
    l.range_ = {static_cast<uint32_t>(h.get_int(key + ".base")), static_cast<uint32_t>(h.get_int(key + ".count"))};
    if (h.has(key + ".lock")) l.lock_.emplace(PathLock::take_over(h, key + ".lock"));
    return l;
}

Result<UidRangeLock> UidRangeLock::acquire(const UsernsPlan& plan) {
    UidRangeLock l;
    if (plan.mode == UserNsMode::Joined) {  // its owner holds it
        l.range_ = TRY(joined_userns_range(plan.joined));
        return l;
    }
    if (plan.range) {
        l.range_ = *plan.range;
        if (plan.mode != UserNsMode::Identity) l.lock_.emplace(TRY(lock_range(l.range_, true, kCleanerPatience)));
        return l;
    }
    // Pick: the tree's own range first (no shift needed), then from the
    // machine's slot on; each free of host users and running namespaces,
    // and not locked by another machine.
    const auto used = host_ids_in_use();
    auto try_range = [&](const IdRange& r, std::chrono::milliseconds patience) -> bool {
        if (in_use(r, used)) return false;
        auto lock = lock_range(r, false, patience);
        if (!lock) return false;
        l.range_ = r;
        l.lock_.emplace(std::move(*lock));
        return true;
    };
    if (plan.tree_base && try_range(IdRange{*plan.tree_base, kRangeSize}, kCleanerPatience)) return l;
    for (uint32_t i = 0; i < kPickSlots; ++i)
        if (try_range(pick_candidate(plan, i), std::chrono::milliseconds(0))) return l;
    return Error(EBUSY, "--private-users=pick: no free UID range left between 524288 and 1879048191");
}

Result<void> write_id_maps(pid_t pid, const IdRange& r, const std::vector<BoundUser>& users,
                           const std::vector<MapExtent>& extra) {
    const std::string proc = "/proc/" + std::to_string(pid);
    TRY_CTX(write_file(proc + "/uid_map", map_text(id_map_extents(r.base, r.count, users, false, extra))),
            "writing the container's UID map");
    TRY_CTX(write_file(proc + "/gid_map", map_text(id_map_extents(r.base, r.count, users, true, extra))),
            "writing the container's GID map");
    return ok();
}

Result<void> check_bound_users(const IdRange& r, const std::vector<BoundUser>& users) {
    for (const auto& u : users)
        if (r.contains(u.host_uid) || r.contains(u.host_gid))
            return Error::msg("--bind-user={}: its UID {} or GID {} lies in the container's range {}..{}", u.name,
                              u.host_uid, u.host_gid, r.base, r.last());
    return ok();
}

namespace {

// A user namespace with these maps, held by a short-lived process that made
// it (the fd keeps it after that process is gone).
Result<UniqueFd> make_userns(const std::string& uid_map, const std::string& gid_map) {
    int ready[2], done[2];
    if (pipe2(ready, O_CLOEXEC) < 0) return Error::errno_("pipe");
    UniqueFd ready_r(ready[0]), ready_w(ready[1]);
    if (pipe2(done, O_CLOEXEC) < 0) return Error::errno_("pipe");
    UniqueFd done_r(done[0]), done_w(done[1]);
    pid_t pid = fork();
    if (pid < 0) return Error::errno_("fork");
    if (pid == 0) {
        ::close(done[1]);  // so the parent's close is our end of file
        ::close(ready[0]);
        char c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
        (void)!write(ready_w.get(), &c, 1);
        (void)!read(done_r.get(), &c, 1);  // until the maps are written and the namespace opened
        _exit(0);
    }
    ready_w.reset();
    done_r.reset();
    auto reap = [&] {
        done_w.reset();
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    };
    char c = 'n';
    if (read(ready_r.get(), &c, 1) != 1 || c != 'y') {
        reap();
        return Error::msg("creating a user namespace for an idmapped mount failed");
    }
    const std::string proc = "/proc/" + std::to_string(pid);
    auto written = write_file(proc + "/uid_map", uid_map);
    if (written) written = write_file(proc + "/gid_map", gid_map);
    UniqueFd ns(written ? ::open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC) : -1);
    int err = errno;
    reap();
    if (!written) return std::move(written).error().context("mapping a user namespace for an idmapped mount");
    if (!ns) return Error::sys(err, "opening the user namespace for an idmapped mount");
    return ns;
}

}  // namespace

Result<UniqueFd> make_container_userns(const IdRange& r, const std::vector<BoundUser>& users,
                                       const std::vector<MapExtent>& extra) {
    return make_userns(map_text(id_map_extents(r.base, r.count, users, false, extra)),
                       map_text(id_map_extents(r.base, r.count, users, true, extra)));
}

Result<UniqueFd> prepared_bind(const MountStep& step, int container_userns_fd, const IdRange& range) {
    UniqueFd src(::open(step.source.c_str(), O_PATH | O_CLOEXEC));
    if (!src) return Error::errno_("bind source {}", step.source);
    struct stat st {};
    if (fstat(src.get(), &st) < 0) return Error::errno_("stat {}", step.source);
    UniqueFd ns;
    int userns = container_userns_fd;
    if (step.idmap == BindIdmap::RootIdmap) {
        ns = TRY(make_userns(fmt::format("{} {} 1\n", st.st_uid, range.base), fmt::format("{} {} 1\n", st.st_gid, range.base)));
        userns = ns.get();
    }
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | ((step.flags & MS_REC) ? AT_RECURSIVE : 0);
    UniqueFd tree(open_tree(src.get(), "", flags));
    if (!tree) return Error::errno_("cloning the mount of {}", step.source);
    struct mount_attr attr {};
    attr.attr_set = (step.idmap != BindIdmap::None ? MOUNT_ATTR_IDMAP : 0) | (step.read_only ? MOUNT_ATTR_RDONLY : 0);
    attr.userns_fd = static_cast<uint64_t>(userns);
    if (attr.attr_set &&
        mount_setattr(tree.get(), "", AT_EMPTY_PATH | ((step.flags & MS_REC) ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
        return Error::errno_("--bind={}: {}", step.source,
                             step.idmap != BindIdmap::None ? "mapping its owners (idmapped mount)" : "making it read-only");
    return tree;
}

Result<UniqueFd> idmapped_tree(int tree_fd, int userns_fd) {
    UniqueFd tree(open_tree(tree_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE));
    if (!tree) return Error::errno_("cloning the tree's mount");
    struct mount_attr attr {};
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = static_cast<uint64_t>(userns_fd);
    if (mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
        return Error::errno_("mapping the tree's owners (idmapped mount)");
    return tree;
}

}  // namespace spawn::container
