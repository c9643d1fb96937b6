#include "container/mount.hpp"

#include <cstring>

#include <sys/sysmacros.h>

#include <sys/syscall.h>

#include <linux/mount.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "container/in_root.hpp"
#include "container/new_mount.hpp"
#include "container/overlay.hpp"
#include "util/fault.hpp"
#include "util/strings.hpp"

namespace spawn::container {
namespace {

// "/a/b/" -> "a/b" (paths relative to the root fd).
std::string relative(std::string_view path) {
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    return path.empty() ? std::string(".") : std::string(path);
}

// Parent directory fd and final component of path inside the root.
Result<std::pair<UniqueFd, std::string>> parent_of(int root_fd, std::string_view path, bool no_symlinks) {
    std::string rel = relative(path);
    auto slash = rel.rfind('/');
    std::string parent = slash == std::string::npos ? "." : rel.substr(0, slash);
    std::string name = slash == std::string::npos ? rel : rel.substr(slash + 1);
    auto fd = TRY(make_dirs_in_root(root_fd, "/" + parent, 0755, no_symlinks));
    return std::make_pair(std::move(fd), std::move(name));
}

Result<void> set_read_only(int fd, bool recursive, std::string_view what) {
    struct mount_attr attr {};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
        return Error::errno_("making {} read-only", what);
    return ok();
}

// A bind's MS_NOSUID, MS_NODEV and MS_NOEXEC (MountStep::flags), on the
// detached mount TREE before it is attached.
Result<void> set_bind_attributes(int tree, const MountStep& s) {
    struct mount_attr attr {};
    if (s.flags & MS_NOSUID) attr.attr_set |= MOUNT_ATTR_NOSUID;
    if (s.flags & MS_NODEV) attr.attr_set |= MOUNT_ATTR_NODEV;
    if (s.flags & MS_NOEXEC) attr.attr_set |= MOUNT_ATTR_NOEXEC;
    if (attr.attr_set == 0) return ok();
    if (mount_setattr(tree, "", AT_EMPTY_PATH | ((s.flags & MS_REC) ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
        return Error::errno_("setting nosuid, nodev or noexec on {}", s.target);
    return ok();
}

// A failed openat2_in_root() of PATH other than ENOENT, from errno: a
// symlink refused (ELOOP, EXDEV) is said as such.
Error resolve_error(std::string_view path) {
    if (errno == ELOOP || errno == EXDEV)
        return Error::sys(errno, "{} in the container is (or passes through) a symlink, refusing to follow it", path);
    return Error::errno_("resolving {} in the container", path);
}

// Creates the bind target (directory or empty file, like the source) if missing.
Result<UniqueFd> bind_target(int root_fd, const MountStep& s, bool source_is_dir) {
    int fd = openat2_in_root(root_fd, relative(s.target), O_PATH, s.no_symlinks);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != ENOENT) return resolve_error(s.target);
    if (source_is_dir) return make_dirs_in_root(root_fd, s.target, 0755, s.no_symlinks);
    auto [dir, name] = TRY(parent_of(root_fd, s.target, s.no_symlinks));
    int f = openat(dir.get(), name.c_str(), O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (f < 0) return Error::errno_("creating {} in the container", s.target);
    ::close(f);
    fd = openat2_in_root(root_fd, relative(s.target), O_PATH, s.no_symlinks);
    if (fd < 0) return Error::errno_("resolving {} in the container", s.target);
    return UniqueFd(fd);
}

Result<void> do_bind(int root_fd, const MountStep& s) {
    UniqueFd src;
    if (s.source_in_root) {
        int fd = openat2_in_root(root_fd, relative(s.source), O_PATH, s.no_symlinks);
        if (fd < 0) {
            if (errno == ENOENT && s.optional) return ok();
            return Error::errno_("bind source {} in the container", s.source);
        }
        src.reset(fd);
    } else {
        int fd = ::open(s.source.c_str(), O_PATH | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT && s.optional) return ok();
            return Error::errno_("bind source {}", s.source);
        }
        src.reset(fd);
    }
    struct stat st {};
    if (fstat(src.get(), &st) < 0) return Error::errno_("stat {}", s.source);
    if (s.optional) {
        int fd = openat2_in_root(root_fd, relative(s.target), O_PATH, s.no_symlinks);
        if (fd < 0 && errno == ENOENT) return ok();
        if (fd >= 0) ::close(fd);
    }
    auto target = TRY(bind_target(root_fd, s, S_ISDIR(st.st_mode)));

    unsigned tree_flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
    if (s.flags & MS_REC) tree_flags |= AT_RECURSIVE;
    UniqueFd tree(open_tree(src.get(), "", tree_flags));
    if (!tree) return Error::errno_("cloning mount of {}", s.source);
    if (s.read_only) TRY(set_read_only(tree.get(), (s.flags & MS_REC) != 0, s.target));
    TRY(set_bind_attributes(tree.get(), s));
    if (s.read_write) {
        struct mount_attr attr {};
        attr.attr_clr = MOUNT_ATTR_RDONLY;
        if (mount_setattr(tree.get(), "", AT_EMPTY_PATH | ((s.flags & MS_REC) ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
            return Error::errno_("making {} writable", s.target);
    }
    if (move_mount(tree.get(), "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return Error::errno_("mounting {} on {}", s.source, s.target);
    return ok();
}

// A --bind the host prepared (cloned, idmapped and made read-only as asked):
// in a user namespace the container's root may not reach the host path.
Result<void> do_prepared_bind(int root_fd, const MountStep& s, UniqueFd tree) {
    struct stat st {};
    if (fstat(tree.get(), &st) < 0) return Error::errno_("stat of the prepared mount of {}", s.source);
    auto target = TRY(bind_target(root_fd, s, S_ISDIR(st.st_mode)));
    TRY(set_bind_attributes(tree.get(), s));
    if (move_mount(tree.get(), "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return Error::errno_("mounting {} on {}", s.source, s.target);
    return ok();
}

Result<void> do_mount(int root_fd, const MountStep& s) {
    auto target = TRY(make_dirs_in_root(root_fd, s.target, 0755, s.no_symlinks));
    unsigned long flags = s.flags | (s.read_only ? MS_RDONLY : 0);
    if (::mount(s.source.c_str(), fd_path(target.get()).c_str(), s.fstype.c_str(), flags,
                s.data.empty() ? nullptr : s.data.c_str()) < 0)
        return Error::errno_("mounting {} on {}", s.fstype, s.target);
    return ok();
}

Result<void> do_node(int root_fd, const MountStep& s) {
    auto [dir, name] = TRY(parent_of(root_fd, s.target, s.no_symlinks));
    if (mknodat(dir.get(), name.c_str(), s.mode, s.dev) < 0 && errno != EEXIST)
        return Error::errno_("creating device node {}", s.target);
    if ((s.uid || s.gid) && fchownat(dir.get(), name.c_str(), s.uid, s.gid, AT_SYMLINK_NOFOLLOW) < 0)
        return Error::errno_("changing the owner of device node {}", s.target);
    return ok();
}

Result<void> do_symlink(int root_fd, const MountStep& s) {
    auto [dir, name] = TRY(parent_of(root_fd, s.target, s.no_symlinks));
    if (symlinkat(s.source.c_str(), dir.get(), name.c_str()) < 0 && errno != EEXIST)
        return Error::errno_("creating symlink {}", s.target);
    return ok();
}

// --inaccessible: over what PATH resolves to inside the tree, an empty node
// of the same type with mode 000 (a directory: an empty tmpfs; anything
// else: a node made on a private tmpfs), read-only, nodev, noexec, nosuid.
Result<void> do_inaccessible(int root_fd, const MountStep& s) {
    auto target = resolve_in_root(root_fd, s.target, false);
    if (!target && target.error().code() == ENOENT && s.optional) return ok();
    if (!target) return Error::sys(target.error().code(), "--inaccessible={}", s.target);
    struct stat st {};
    if (fstat(target->get(), &st) < 0) return Error::errno_("--inaccessible={}: stat", s.target);
    const unsigned attrs = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSUID;
    UniqueFd mnt = TRY(new_mount("tmpfs", {{"mode", S_ISDIR(st.st_mode) ? "0000" : "0700"}, {"size", "4k"}},
                                 S_ISDIR(st.st_mode) ? attrs : MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSUID,
                                 "--inaccessible=" + s.target));
    UniqueFd node;
    if (S_ISDIR(st.st_mode)) {
        node = std::move(mnt);
    } else {
        dev_t dev = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? makedev(0, 0) : 0;
        if (mknodat(mnt.get(), "node", (st.st_mode & S_IFMT) | 0000, dev) < 0)
            return Error::errno_("--inaccessible={}: making an inaccessible node", s.target);
        node.reset(open_tree(mnt.get(), "node", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
        if (!node) return Error::errno_("--inaccessible={}: cloning the inaccessible node", s.target);
        struct mount_attr attr {};
        attr.attr_set = attrs;
        if (mount_setattr(node.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
            return Error::errno_("--inaccessible={}: making the node read-only", s.target);
    }
    if (move_mount(node.get(), "", target->get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return Error::errno_("--inaccessible={}: mounting over it", s.target);
    return ok();
}

// A layer of an --overlay: a host directory, or "+/path" in the root.
Result<UniqueFd> open_layer(int root_fd, const std::string& path, const std::string& what) {
    int fd = path.starts_with('+') ? openat2_in_root(root_fd, relative(path.substr(1)), O_PATH | O_DIRECTORY)
                                   : ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Error::errno_("{}: {}", what, path);
    return UniqueFd(fd);
}

// The work directory an overlay needs on its upper layer's file system:
// ".#NAME.overlay-work" beside the upper directory NAME, made once and
// reused (the kernel empties it at each mount), so a killed start leaves no
// new directory behind.
Result<UniqueFd> work_dir_beside(int root_fd, const std::string& upper, const std::string& what) {
    std::string path = upper.starts_with('+') ? upper.substr(1) : upper;
    auto slash = path.rfind('/');
    std::string parent = slash == 0 ? "/" : path.substr(0, slash), name = ".#" + path.substr(slash + 1) + ".overlay-work";
    auto dir = TRY(open_layer(root_fd, upper.starts_with('+') ? "+" + parent : parent, what));
    if (mkdirat(dir.get(), name.c_str(), 0700) < 0 && errno != EEXIST)
        return Error::errno_("{}: making the work directory {}/{}", what, parent, name);
    int fd = openat(dir.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return Error::errno_("{}: {}/{}", what, parent, name);
    return UniqueFd(fd);
}

Result<void> do_overlay(int root_fd, const MountStep& s) {
    const std::string what = (s.read_only ? "--overlay-ro=" : "--overlay=") + s.target;
    std::vector<UniqueFd> lowers;
    OverlayLayers layers;
    for (const auto& l : s.lowers) {
        lowers.push_back(TRY(open_layer(root_fd, l, what)));
        layers.lowers.push_back(lowers.back().get());
    }
    std::optional<TmpfsLayer> tmpfs;
    UniqueFd upper, work;
    if (!s.read_only && s.upper.empty()) {
        struct stat st {};
        if (fstat(lowers.back().get(), &st) < 0) return Error::errno_("{}: stat {}", what, s.lowers.back());
        tmpfs = TRY(make_tmpfs_layer(lowers.back().get(), st.st_uid, st.st_gid, what));
        layers.upper = tmpfs->upper.get();
        layers.work = tmpfs->work.get();
    } else if (!s.read_only) {
        upper = TRY(open_layer(root_fd, s.upper, what));
        work = TRY(work_dir_beside(root_fd, s.upper, what));
        layers.upper = upper.get();
        layers.work = work.get();
    }
    UniqueFd ovl = TRY(make_overlay(layers, s.read_only ? MOUNT_ATTR_RDONLY : 0, what));
    auto target = TRY(make_dirs_in_root(root_fd, s.target, 0755, false));
    if (move_mount(ovl.get(), "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return Error::errno_("{}: mounting it", what);
    return ok();
}

}  // namespace

Result<UniqueFd> resolve_in_root(int root_fd, std::string_view path, bool no_symlinks) {
    int fd = openat2_in_root(root_fd, relative(path), O_PATH, no_symlinks);
    if (fd < 0) return Error::errno_("resolving {} in the container", path);
    return UniqueFd(fd);
}

Result<UniqueFd> make_dirs_in_root(int root_fd, std::string_view path, mode_t mode, bool no_symlinks) {
    std::string rel = relative(path);
    int fd = openat2_in_root(root_fd, rel, O_PATH | O_DIRECTORY, no_symlinks);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != ENOENT) return resolve_error(path);
    std::string prefix;
    UniqueFd cur(openat2_in_root(root_fd, ".", O_PATH | O_DIRECTORY, no_symlinks));
    if (!cur) return Error::errno_("opening the container root");
    for (const auto& comp : str::split(rel, '/')) {
        if (comp.empty() || comp == ".") continue;
        prefix += prefix.empty() ? comp : "/" + comp;
        int next = openat2_in_root(root_fd, prefix, O_PATH | O_DIRECTORY, no_symlinks);
        if (next < 0 && errno == ENOENT) {
            if (mkdirat(cur.get(), comp.c_str(), mode) < 0 && errno != EEXIST)
                return Error::errno_("creating /{} in the container", prefix);
            next = openat2_in_root(root_fd, prefix, O_PATH | O_DIRECTORY, no_symlinks);
        }
        if (next < 0) {
            if (errno == ELOOP || errno == EXDEV)
                return Error::sys(errno, "/{} in the container is a symlink, refusing to follow it", prefix);
            return Error::errno_("resolving /{} in the container", prefix);
        }
        cur.reset(next);
    }
    return cur;
}

Result<void> make_read_only(int root_fd, std::string_view path, bool recursive) {
    auto fd = TRY(resolve_in_root(root_fd, path, true));
    return set_read_only(fd.get(), recursive, path);
}

Result<void> apply_step(int root_fd, const MountStep& s) {
    switch (s.kind) {
    case StepKind::Mount:
        return do_mount(root_fd, s);
    case StepKind::Bind:
        return do_bind(root_fd, s);
    case StepKind::MakeDir: {
        auto fd = TRY(make_dirs_in_root(root_fd, s.target, s.mode, s.no_symlinks));
        return ok();
    }
    case StepKind::MakeNode:
        return do_node(root_fd, s);
    case StepKind::Symlink:
        return do_symlink(root_fd, s);
    case StepKind::RemountRo:
        return make_read_only(root_fd, s.target, false);
    case StepKind::Inaccessible:
        return do_inaccessible(root_fd, s);
    case StepKind::Overlay:
        return do_overlay(root_fd, s);
    }
    return ok();
}

Result<void> apply_mount_plan(int root_fd, const std::vector<MountStep>& plan, std::vector<UniqueFd>* prepared) {
    for (const auto& s : plan) {
        if (s.kind == StepKind::Bind && s.host_prepared) {
            if (!prepared || prepared->empty()) return Error::msg("no mount of {} from the host", s.source);
            UniqueFd tree = std::move(prepared->front());
            prepared->erase(prepared->begin());
            TRY(do_prepared_bind(root_fd, s, std::move(tree)));
        } else {
            TRY(apply_step(root_fd, s));
        }
        TRY(fault::at("mount " + s.target));
    }
    return ok();
}

}  // namespace spawn::container
