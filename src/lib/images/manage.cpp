#include "images/manage.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "config/names.hpp"
#include "util/btrfs.hpp"
#include "util/copy_tree.hpp"
#include "util/fd.hpp"

namespace spawn::images {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSettingsSuffixes[] = {".nspawn", ".spawn"};

std::string dir_of(const std::string& path) { return fs::path(path).parent_path().string(); }

Result<void> check_new_name(const std::string& name) {
    if (!machine_name_is_valid(name)) return Error::msg("Invalid image name '{}'", name);
    if (find_image(name)) return Error(EEXIST, fmt::format("Image '{}' already exists", name));
    return ok();
}

Result<void> check_changeable(const ImageInfo& im) {
    if (im.path.starts_with("/usr/"))
        return Error(EROFS, fmt::format("Image '{}' is a vendor image ({}): it is never changed", im.name, im.path));
    return ok();
}

}  // namespace

Result<UniqueFd> lock_image(const ImageInfo& im, bool shared) {
    UniqueFd fd(open(im.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | (im.type == "raw" ? 0 : O_DIRECTORY)));
    if (!fd) return Error::errno_("Image '{}': {}", im.name, im.path);
    if (flock(fd.get(), (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK) return Error(EBUSY, fmt::format("Image '{}' is in use by a running machine", im.name));
        return Error::errno_("Image '{}': locking it", im.name);
    }
    return fd;
}

namespace {

Result<void> set_immutable(int fd, bool on, const std::string& what) {
    int flags = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0) return Error::errno_("{}: reading its attributes", what);
    flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
    if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0) return Error::errno_("{}: setting its attributes", what);
    return ok();
}

Result<void> copy_file(const std::string& from, const std::string& to, mode_t mode) {
    UniqueFd in(open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) return Error::errno_("opening {}", from);
    UniqueFd out(open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!out) return Error::errno_("creating {}", to);
    struct stat st {};
    if (fstat(in.get(), &st) < 0) return Error::errno_("stat {}", from);
    TRY(copy_file_data(in.get(), out.get(), static_cast<uint64_t>(st.st_size), from));
    if (fchmod(out.get(), mode) < 0) return Error::errno_("setting the mode of {}", to);
    return ok();
}

// Settings files beside the image: each that exists, with its suffix.
std::vector<std::pair<std::string, const char*>> settings_files(const ImageInfo& im) {
    std::vector<std::pair<std::string, const char*>> out;
    for (const char* suffix : kSettingsSuffixes) {
        std::string p = dir_of(im.path) + "/" + im.name + suffix;
        if (fs::exists(p)) out.emplace_back(p, suffix);
    }
    return out;
}

}  // namespace

Result<UniqueFd> make_image_directory(int pool, const std::string& name, const std::string& path) {
    if (!btrfs::make_subvolume(pool, name) && mkdirat(pool, name.c_str(), 0755) < 0) return Error::errno_("making {}", path);
    UniqueFd fd(openat(pool, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return Error::errno_("opening {}", path);
    return fd;
}

Result<void> clone_image(const ImageInfo& im, const std::string& new_name, bool read_only, const std::string& pool) {
    TRY(check_new_name(new_name));
    auto lock = TRY(lock_image(im, true));
    const bool raw = im.type == "raw";
    const std::string target = pool + "/" + new_name + (raw ? ".raw" : "");
    const std::string tmp_name = ".#" + new_name + ".clone";
    const std::string tmp = pool + "/" + tmp_name;
    std::error_code ec;
    fs::create_directories(pool, ec);
    UniqueFd pool_fd(open(pool.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!pool_fd) return Error::errno_("{}", pool);
    TRY(remove_tree_at(pool_fd.get(), tmp_name, tmp));  // a killed clone's leftover
    auto made = [&]() -> Result<void> {
        if (raw) return copy_file(im.path, tmp, read_only ? 0444 : 0644);
        if (btrfs::is_subvolume(lock.get()) && btrfs::snapshot(lock.get(), pool_fd.get(), tmp_name)) return ok();
        auto top = TRY(make_image_directory(pool_fd.get(), tmp_name, tmp));
        TRY(copy_tree_into(im.path, top.get()));
        return ok();
    }();
    if (!made) {
        (void)remove_tree_at(pool_fd.get(), tmp_name, tmp);
        return std::move(made).error().context(fmt::format("Could not clone image '{}'", im.name));
    }
    if (rename(tmp.c_str(), target.c_str()) < 0) {
        int err = errno;
        (void)remove_tree_at(pool_fd.get(), tmp_name, tmp);
        return Error::sys(err, "Could not clone image '{}': moving it to {}", im.name, target);
    }
    for (const auto& [path, suffix] : settings_files(im)) {
        std::string copy = pool + "/" + new_name + suffix;
        if (!fs::exists(copy)) (void)copy_file(path, copy, 0644);
    }
    if (read_only && !raw) {
        auto copy = find_image(new_name, {pool});
        if (copy) TRY(set_image_read_only(*copy, true));
    }
    return ok();
}

Result<void> rename_image(const ImageInfo& im, const std::string& new_name) {
    TRY(check_changeable(im));
    TRY(check_new_name(new_name));
    auto lock = TRY(lock_image(im));
    const std::string dir = dir_of(im.path);
    const std::string target = dir + "/" + new_name + (im.type == "raw" ? ".raw" : "");
    // An immutable directory cannot be renamed: the attribute is lifted for it.
    const bool immutable = im.type == "directory" && im.read_only;
    if (immutable) TRY(set_immutable(lock.get(), false, im.path));
    int r = rename(im.path.c_str(), target.c_str());
    int err = errno;
    if (immutable) (void)set_immutable(lock.get(), true, target);
    if (r < 0) return Error::sys(err, "Could not rename image '{}' to '{}'", im.name, new_name);
    for (const auto& [path, suffix] : settings_files(im)) (void)rename(path.c_str(), (dir + "/" + new_name + suffix).c_str());
    return ok();
}

Result<void> remove_image(const ImageInfo& im) {
    TRY(check_changeable(im));
    auto lock = TRY(lock_image(im));
    const auto settings = settings_files(im);
    if (im.type == "raw") {
        if (unlink(im.path.c_str()) < 0) return Error::errno_("Could not remove image '{}'", im.name);
    } else {
        if (im.type == "directory") (void)set_immutable(lock.get(), false, im.path);  // read-only ones too
        UniqueFd parent(open(dir_of(im.path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!parent) return Error::errno_("Could not remove image '{}': {}", im.name, dir_of(im.path));
        if (auto r = remove_tree_at(parent.get(), fs::path(im.path).filename().string(), im.path); !r)
            return std::move(r).error().context("Could not remove image '" + im.name + "'");
    }
    for (const auto& [path, suffix] : settings) (void)unlink(path.c_str());
    return ok();
}

Result<void> set_image_read_only(const ImageInfo& im, bool read_only) {
    TRY(check_changeable(im));
    auto lock = TRY(lock_image(im));
    if (im.type == "subvolume") return btrfs::set_read_only(lock.get(), read_only);
    if (im.type == "directory") return set_immutable(lock.get(), read_only, im.path);
    struct stat st {};
    if (fstat(lock.get(), &st) < 0) return Error::errno_("{}", im.path);
    if (fchmod(lock.get(), (st.st_mode & 0444) | (read_only ? 0 : 0200)) < 0)
        return Error::errno_("Could not mark image '{}' {}", im.name, read_only ? "read-only" : "writable");
    return ok();
}

Result<std::vector<std::string>> clean_hidden(const std::string& pool) {
    std::vector<std::string> removed;
    UniqueFd dir(open(pool.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) {
        if (errno == ENOENT) return removed;
        return Error::errno_("{}", pool);
    }
    std::error_code ec;
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(pool, ec))
        if (e.path().filename().string().starts_with(".#")) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        // Held by a start, a clone or a machine running on it: left alone.
        UniqueFd fd(openat(dir.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
        if (fd && flock(fd.get(), LOCK_EX | LOCK_NB) < 0) continue;
        const std::string path = pool + "/" + name;
        if (fd) (void)set_immutable(fd.get(), false, path);
        TRY(remove_tree_at(dir.get(), name, path));
        removed.push_back(name);
    }
    return removed;
}

Result<void> set_image_limit(const ImageInfo& im, uint64_t bytes) {
    TRY(check_changeable(im));
    auto lock = TRY(lock_image(im, true));
    if (im.type != "subvolume")
        return Error(EOPNOTSUPP, fmt::format("Image '{}' is a {}: disk quotas need a btrfs subvolume", im.name, im.type));
    if (auto r = btrfs::set_size_limit(lock.get(), bytes); !r)
        return std::move(r).error().context(fmt::format("Could not set the limit of image '{}'", im.name));
    return ok();
}

Result<void> set_pool_limit(const std::string& pool, uint64_t bytes) {
    UniqueFd fd(open(pool.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return Error::errno_("{}", pool);
    if (!btrfs::is_subvolume(fd.get()))
        return Error(EOPNOTSUPP, fmt::format("The image pool {} is not a btrfs subvolume: disk quotas need btrfs", pool));
    if (auto r = btrfs::set_size_limit(fd.get(), bytes); !r)
        return std::move(r).error().context("Could not set the limit of the pool " + pool);
    return ok();
}

}  // namespace spawn::images
