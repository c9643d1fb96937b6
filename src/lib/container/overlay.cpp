#include "container/overlay.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/new_mount.hpp"

namespace spawn::container {

Result<UniqueFd> make_overlay(const OverlayLayers& layers, unsigned attrs, std::string_view what) {
    // lowerdir lists the top layer first.
    std::string lower;
    for (auto it = layers.lowers.rbegin(); it != layers.lowers.rend(); ++it)
        lower += (lower.empty() ? "" : ":") + fd_path(*it);
    MountOptions options = {{"source", "overlay"}, {"lowerdir", lower}};
    if (layers.upper >= 0) {
        options.push_back({"upperdir", fd_path(layers.upper)});
        options.push_back({"workdir", fd_path(layers.work)});
    }
    return new_mount("overlay", options, attrs, what);
}

Result<TmpfsLayer> make_tmpfs_layer(int like, uid_t uid, gid_t gid, std::string_view what) {
    struct stat st {};
    if (fstat(like, &st) < 0) return Error::errno_("{}: stat of the lower layer", what);
    TmpfsLayer l;
    l.mount = TRY(new_mount("tmpfs", machine_tmpfs_options("0700"), 0, what));
    for (const char* dir : {"upper", "work"})
        if (mkdirat(l.mount.get(), dir, 0700) < 0) return Error::errno_("{}: making the overlay's {} directory", what, dir);
    l.upper.reset(openat(l.mount.get(), "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    l.work.reset(openat(l.mount.get(), "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!l.upper || !l.work) return Error::errno_("{}: opening the overlay's directories", what);
    // The upper directory is what the merged root shows: the lower's mode,
    // the container root's owner.
    if (fchown(l.upper.get(), uid, gid) < 0 || fchmod(l.upper.get(), st.st_mode & 07777) < 0)
        return Error::errno_("{}: setting the overlay's owner and mode", what);
    return l;
}

}  // namespace spawn::container
