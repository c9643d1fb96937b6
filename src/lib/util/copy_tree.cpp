#include "util/copy_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>
#include <cstring>
#include <utility>
#include <vector>

#include "util/btrfs.hpp"
#include "util/fd.hpp"

#include <fmt/format.h>

namespace spawn {

Result<FileCopied> copy_file_data(int in, int out, uint64_t size, const std::string& what) {
    FileCopied c;
    if (size > 0 && ioctl(out, FICLONE, in) == 0) return FileCopied{size, true};
    for (;;) {
        ssize_t n = copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) break;
        if (n < 0) return Error::errno_("copying {}", what);
        if (n == 0) return c;
        c.bytes += static_cast<uint64_t>(n);
    }
    char buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::errno_("reading {}", what);
        if (n == 0) return c;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = ::write(out, buf + off, static_cast<size_t>(n - off));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return Error::errno_("writing the copy of {}", what);
            off += w;
        }
        c.bytes += static_cast<uint64_t>(n);
    }
}

namespace {

struct Copier {
    std::map<std::pair<dev_t, ino_t>, std::pair<int, std::string>> links;  // first copy of a hard-linked file
    std::vector<UniqueFd> link_dirs;  // directories the first copies are in
    CopyStats stats;
    bool untrusted = false;  // the source may be hostile (copy_entry_at)
    uint32_t owner_base = 0;   // owners shifted into a user namespace's range (copy_entry_at)
    const CopyProgress* progress = nullptr;

    uid_t owner(uint32_t id) const {
        if (!owner_base) return id;
        return owner_base + (id < 65536 ? id : 65534);  // the range's nobody for what it cannot map
    }

    // Extended attributes, from an fd to another, through /proc/self/fd (O_PATH
    // fds of device nodes too; the magic link leads to the inode itself).
    Result<void> copy_xattrs(int from, int to, const std::string& what) {
        std::string fp = "/proc/self/fd/" + std::to_string(from), tp = "/proc/self/fd/" + std::to_string(to);
        ssize_t n = listxattr(fp.c_str(), nullptr, 0);
        if (n < 0) return errno == ENOTSUP ? ok() : Result<void>(Error::errno_("listing the attributes of {}", what));
        std::string names(static_cast<size_t>(n), '\0');
        n = listxattr(fp.c_str(), names.data(), names.size());
        if (n < 0) return Error::errno_("listing the attributes of {}", what);
        names.resize(static_cast<size_t>(n));
        for (size_t i = 0; i < names.size();) {
            const char* name = names.c_str() + i;
            i += std::strlen(name) + 1;
            // From a hostile source only what grants nothing: no file
            // capabilities, no trusted.* (security.* and trusted.* skipped).
            if (untrusted && (std::strncmp(name, "security.", 9) == 0 || std::strncmp(name, "trusted.", 8) == 0)) continue;
            ssize_t len = getxattr(fp.c_str(), name, nullptr, 0);
            if (len < 0) return Error::errno_("reading attribute {} of {}", name, what);
            std::string value(static_cast<size_t>(len), '\0');
            len = getxattr(fp.c_str(), name, value.data(), value.size());
            if (len < 0) return Error::errno_("reading attribute {} of {}", name, what);
            if (setxattr(tp.c_str(), name, value.data(), static_cast<size_t>(len), 0) < 0)
                return Error::errno_("setting attribute {} on the copy of {}", name, what);
        }
        return ok();
    }

    Result<void> copy_data(int in, int out, const struct stat& st, const std::string& what) {
        auto copied = TRY(copy_file_data(in, out, static_cast<uint64_t>(st.st_size), what));
        stats.bytes += copied.bytes;
        if (copied.reflinked) ++stats.reflinked;
        if (progress && *progress) (*progress)(stats.bytes);
        return ok();
    }

    // Owner, mode, attributes and times of the copy (an O_PATH or open fd):
    // owner first, since chown clears the set-ID bits.
    Result<void> finish(int from, int to, const struct stat& st, const std::string& what) {
        if (fchownat(to, "", owner(st.st_uid), owner(st.st_gid), AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
            return Error::errno_("setting the owner of the copy of {}", what);
        if (!S_ISLNK(st.st_mode)) {
            TRY(copy_xattrs(from, to, what));
            std::string tp = "/proc/self/fd/" + std::to_string(to);
            // From a hostile source no set-ID bits.
            const mode_t mode = st.st_mode & (untrusted ? 01777 : 07777);
            if (chmod(tp.c_str(), mode) < 0) return Error::errno_("setting the mode of the copy of {}", what);
        }
        struct timespec times[2] = {st.st_atim, st.st_mtim};
        if (utimensat(to, "", times, AT_EMPTY_PATH) < 0 && !S_ISLNK(st.st_mode))
            return Error::errno_("setting the times of the copy of {}", what);
        return ok();
    }

    // An fd of what name was when it was looked at: the source may change
    // under us (a hostile one on purpose), so the opened file must be it.
    Result<UniqueFd> open_same(int dir, const char* name, int flags, const struct stat& st, const std::string& what) {
        UniqueFd fd(openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
        if (!fd) return Error::errno_("opening {}", what);
        struct stat now {};
        if (fstat(fd.get(), &now) < 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino ||
            (now.st_mode & S_IFMT) != (st.st_mode & S_IFMT))
            return Error(ESTALE, fmt::format("{} changed while being copied", what));
        int fl = fcntl(fd.get(), F_GETFL);  // read normally from here on
        if (fl >= 0) fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK);
        return fd;
    }

    Result<void> entry(int from_dir, int to_dir, const char* name, const std::string& what) {
        return entry(from_dir, name, to_dir, name, what);
    }

    Result<void> entry(int from_dir, const char* name, int to_dir, const char* to_name, const std::string& what) {
        struct stat st {};
        if (fstatat(from_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return Error::errno_("stat {}", what);
        ++stats.files;
        if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
            auto it = links.find({st.st_dev, st.st_ino});
            if (it != links.end()) {
                if (linkat(it->second.first, it->second.second.c_str(), to_dir, to_name, 0) < 0)
                    return Error::errno_("linking {}", what);
                return ok();
            }
        }
        if (S_ISDIR(st.st_mode)) {
            UniqueFd from = TRY(open_same(from_dir, name, O_RDONLY | O_DIRECTORY, st, what));
            if (mkdirat(to_dir, to_name, 0700) < 0) return Error::errno_("making the copy of {}", what);
            UniqueFd to(openat(to_dir, to_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!to) return Error::errno_("opening the copy of {}", what);
            TRY(directory(from.get(), to.get(), what));
            return finish(from.get(), to.get(), st, what);
        }
        if (S_ISREG(st.st_mode)) {
            UniqueFd in = TRY(open_same(from_dir, name, O_RDONLY, st, what));
            UniqueFd out(openat(to_dir, to_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
            if (!out) return Error::errno_("creating the copy of {}", what);
            TRY(copy_data(in.get(), out.get(), st, what));
            TRY(finish(in.get(), out.get(), st, what));
        } else if (S_ISLNK(st.st_mode)) {
            std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
            ssize_t n = readlinkat(from_dir, name, target.data(), target.size());
            if (n < 0) return Error::errno_("reading the link {}", what);
            target.resize(static_cast<size_t>(n));
            if (symlinkat(target.c_str(), to_dir, to_name) < 0) return Error::errno_("making the link {}", what);
            UniqueFd to(openat(to_dir, to_name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
            if (!to) return Error::errno_("opening the link {}", what);
            TRY(finish(-1, to.get(), st, what));
        } else {
            if (untrusted && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
                return Error::msg("{}: a device node; not copied out of a machine", what);
            if (mknodat(to_dir, to_name, st.st_mode & S_IFMT, st.st_rdev) < 0) return Error::errno_("making the node {}", what);
            UniqueFd from(openat(from_dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
            UniqueFd to(openat(to_dir, to_name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
            if (!from || !to) return Error::errno_("opening the node {}", what);
            TRY(finish(from.get(), to.get(), st, what));
        }
        if (st.st_nlink > 1) {
            link_dirs.emplace_back(fcntl(to_dir, F_DUPFD_CLOEXEC, 3));
            links[{st.st_dev, st.st_ino}] = {link_dirs.back().get(), to_name};
        }
        return ok();
    }

    Result<void> directory(int from, int to, const std::string& what) {
        int dup = fcntl(from, F_DUPFD_CLOEXEC, 3);
        if (dup < 0) return Error::errno_("reading {}", what);
        DIR* d = fdopendir(dup);
        if (!d) {
            ::close(dup);
            return Error::errno_("reading {}", what);
        }
        std::vector<std::string> names;
        while (struct dirent* e = readdir(d))
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
        closedir(d);
        for (const auto& n : names) TRY(entry(from, to, n.c_str(), what + "/" + n));
        return ok();
    }
};

}  // namespace

Result<CopyStats> copy_tree(const std::string& from, const std::string& to, const CopyProgress& progress) {
    if (mkdir(to.c_str(), 0700) < 0) return Error::errno_("making {}", to);
    UniqueFd dst(open(to.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dst) return Error::errno_("opening {}", to);
    return copy_tree_into(from, dst.get(), progress);
}

Result<CopyStats> copy_tree_into(const std::string& from, int to, const CopyProgress& progress) {
    UniqueFd src(open(from.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!src) return Error::errno_("opening {}", from);
    struct stat st {};
    if (fstat(src.get(), &st) < 0) return Error::errno_("stat {}", from);
    Copier c;
    c.progress = &progress;
    TRY(c.directory(src.get(), to, from));
    TRY(c.finish(src.get(), to, st, from));
    return c.stats;
}

Result<CopyStats> copy_entry_at(int from_dir, const std::string& from_name, int to_dir, const std::string& to_name,
                                bool untrusted_source, uint32_t owner_base, const CopyProgress& progress) {
    Copier c;
    c.progress = &progress;
    c.untrusted = untrusted_source;
    c.owner_base = owner_base;
    TRY(c.entry(from_dir, from_name.c_str(), to_dir, to_name.c_str(), from_name));
    return c.stats;
}

Result<void> remove_tree_at(int parent, const std::string& name, const std::string& path) {
    UniqueFd fd(openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (fd && btrfs::is_subvolume(fd.get())) {
        (void)btrfs::set_read_only(fd.get(), false);
        if (btrfs::remove(parent, name)) return ok();  // else it holds subvolumes of its own: removed one by one
    }
    return remove_tree(path);
}

Result<void> remove_tree(const std::string& path) {
    struct Remover {
        static Result<void> dir(int fd, const std::string& what) {
            int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
            DIR* d = dup < 0 ? nullptr : fdopendir(dup);
            if (!d) {
                if (dup >= 0) ::close(dup);
                return Error::errno_("reading {}", what);
            }
            std::vector<std::pair<std::string, bool>> entries;
            while (struct dirent* e = readdir(d)) {
                if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
                entries.emplace_back(e->d_name, e->d_type == DT_DIR);
            }
            closedir(d);
            for (const auto& [name, is_dir] : entries) {
                if (is_dir) {
                    UniqueFd sub(openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
                    if (!sub) return Error::errno_("opening {}/{}", what, name);
                    TRY(dir(sub.get(), what + "/" + name));
                }
                if (unlinkat(fd, name.c_str(), is_dir ? AT_REMOVEDIR : 0) < 0) return Error::errno_("removing {}/{}", what, name);
            }
            return ok();
        }
    };
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return ok();
        if (errno == ENOTDIR && unlink(path.c_str()) == 0) return ok();
        return Error::errno_("opening {}", path);
    }
    TRY(Remover::dir(fd.get(), path));
    fd.reset();
    if (rmdir(path.c_str()) < 0) return Error::errno_("removing {}", path);
    return ok();
}

}  // namespace spawn
