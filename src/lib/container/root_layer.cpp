#include "container/root_layer.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "container/in_root.hpp"
#include "container/new_mount.hpp"
#include "container/overlay.hpp"
#include "util/log.hpp"

namespace spawn::container {
namespace {

Result<void> attach(const UniqueFd& mnt, int dir, const char* path, std::string_view what) {
    unsigned flags = MOVE_MOUNT_F_EMPTY_PATH | (*path ? 0 : MOVE_MOUNT_T_EMPTY_PATH);
    if (move_mount(mnt.get(), "", dir, path, flags) < 0) return Error::errno_("{}: mounting it", what);
    return ok();
}

Result<void> read_only(int mnt, std::string_view what) {
    struct mount_attr attr {};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (mount_setattr(mnt, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
        return Error::errno_("{}: making it read-only", what);
    return ok();
}

// A directory of the tree, resolved inside it (a guest's symlink cannot lead
// out of it), created when missing.
Result<UniqueFd> tree_dir(int tree, const char* name, std::string_view what) {
    int fd = openat2_in_root(tree, name, O_PATH | O_DIRECTORY);
    if (fd < 0 && errno == ENOENT && mkdirat(tree, name, 0755) == 0) fd = openat2_in_root(tree, name, O_PATH | O_DIRECTORY);
    if (fd < 0) return Error::errno_("{}: /{} of the tree", what, name);
    return UniqueFd(fd);
}

// The upper layer's root takes the tree root's owner and mode (as the host
// sees them: through an idmapped tree, the container root's host IDs).
Result<UniqueFd> overlay_root(UniqueFd tree) {
    const char* what = "the throwaway root (overlay)";
    UniqueFd top(openat(tree.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!top) return Error::errno_("{}: opening the tree", what);
    struct stat st {};
    if (fstat(top.get(), &st) < 0) return Error::errno_("{}: stat of the tree", what);
    auto layer = TRY(make_tmpfs_layer(top.get(), st.st_uid, st.st_gid, what));
    UniqueFd ovl = TRY(make_overlay({{tree.get()}, layer.upper.get(), layer.work.get()}, 0, what));
    TRY(attach(ovl, tree.get(), "", what));
    return ovl;
}

// The root systemd's base-filesystem.c makes: the top directories, and the
// merged-/usr links where the tree's /usr has their targets.
Result<void> base_filesystem(int root, int usr, uid_t uid, gid_t gid, std::string_view what) {
    static constexpr struct {
        const char* name;
        mode_t mode;
    } dirs[] = {{"etc", 0755}, {"var", 0755}, {"home", 0755}, {"root", 0700}, {"tmp", 01777}};
    for (const auto& d : dirs) {
        if (mkdirat(root, d.name, d.mode) < 0) return Error::errno_("{}: making /{}", what, d.name);
        if (fchownat(root, d.name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 || fchmodat(root, d.name, d.mode, 0) < 0)
            return Error::errno_("{}: setting up /{}", what, d.name);
    }
    static constexpr const char* links[][2] = {{"bin", "usr/bin"}, {"sbin", "usr/sbin"}, {"lib", "usr/lib"}, {"lib64", "usr/lib64"}};
    for (const auto& [name, target] : links) {
        struct stat st {};
        if (fstatat(usr, target + 4, &st, 0) < 0 || !S_ISDIR(st.st_mode)) continue;
        if (symlinkat(target, root, name) < 0) return Error::errno_("{}: making /{}", what, name);
        if (fchownat(root, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) return Error::errno_("{}: owning /{}", what, name);
    }
    return ok();
}

Result<UniqueFd> tmpfs_root(UniqueFd tree, uid_t uid, gid_t gid) {
    const char* what = "--volatile=yes";
    UniqueFd root = TRY(new_mount("tmpfs", machine_tmpfs_options("0755", uid, gid),
                                  0, what));
    int usr_fd = openat2_in_root(tree.get(), "usr", O_PATH | O_DIRECTORY);
    if (usr_fd < 0) return Error::errno_("{}: /usr of the tree", what);
    UniqueFd usr_dir(usr_fd);
    UniqueFd usr(open_tree(usr_dir.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE));
    if (!usr) return Error::errno_("{}: cloning /usr of the tree", what);
    TRY(read_only(usr.get(), what));
    UniqueFd top(openat(root.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!top) return Error::errno_("{}: opening the tmpfs", what);
    if (mkdirat(top.get(), "usr", 0755) < 0) return Error::errno_("{}: making /usr", what);
    TRY(base_filesystem(top.get(), usr_dir.get(), uid, gid, what));
    TRY(attach(usr, top.get(), "usr", what));
    TRY(attach(root, tree.get(), "", what));
    return root;
}

Result<UniqueFd> read_only_root(UniqueFd tree, uid_t uid, gid_t gid) {
    const char* what = "--volatile=state";
    UniqueFd var = TRY(tree_dir(tree.get(), "var", what));
    UniqueFd tmpfs = TRY(new_mount("tmpfs", machine_tmpfs_options("0755", uid, gid),
                                   MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID, what));
    TRY(read_only(tree.get(), what));
    TRY(attach(tmpfs, var.get(), "", what));
    return tree;
}

}  // namespace

RootLayer root_layer_of(bool ephemeral, VolatileMode mode) {
    if (ephemeral) return RootLayer::Overlay;
    switch (mode) {
    case VolatileMode::No: return RootLayer::Tree;
    case VolatileMode::Yes: return RootLayer::TmpfsWithUsr;
    case VolatileMode::State: return RootLayer::ReadOnlyTree;
    case VolatileMode::Overlay: return RootLayer::Overlay;
    }
    return RootLayer::Tree;
}

const char* root_layer_name(RootLayer l) {
    switch (l) {
    case RootLayer::Tree: return "the tree";
    case RootLayer::Overlay: return "an overlay of the tree on a tmpfs";
    case RootLayer::TmpfsWithUsr: return "a tmpfs with the tree's /usr";
    case RootLayer::ReadOnlyTree: return "the tree read-only, /var a tmpfs";
    }
    return "?";
}

Result<UniqueFd> layer_root(RootLayer layer, UniqueFd tree, uid_t uid, gid_t gid) {
    if (layer != RootLayer::Tree) log::debug("root: {}", root_layer_name(layer));
    switch (layer) {
    case RootLayer::Tree: return tree;
    case RootLayer::Overlay: return overlay_root(std::move(tree));
    case RootLayer::TmpfsWithUsr: return tmpfs_root(std::move(tree), uid, gid);
    case RootLayer::ReadOnlyTree: return read_only_root(std::move(tree), uid, gid);
    }
    return tree;
}

}  // namespace spawn::container
