#include "images/store.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "boot/init.hpp"
#include "config/config.hpp"
#include "util/btrfs.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

namespace spawn::images {
namespace fs = std::filesystem;

std::map<std::string, std::string> tree_os_release(const std::string& root) {
    // Read through the tree without following absolute symlinks out of it.
    for (const char* rel : {"/etc/os-release", "/usr/lib/os-release"}) {
        std::string p = root + rel;
        struct stat st;
        if (lstat(p.c_str(), &st) < 0) continue;
        if (S_ISLNK(st.st_mode)) {
            char target[512];
            ssize_t n = readlink(p.c_str(), target, sizeof target - 1);
            if (n <= 0) continue;
            std::string t(target, static_cast<size_t>(n));
            if (t == "../usr/lib/os-release" || t == "/usr/lib/os-release") p = root + "/usr/lib/os-release";
            else continue;
            if (lstat(p.c_str(), &st) < 0 || !S_ISREG(st.st_mode)) continue;
        } else if (!S_ISREG(st.st_mode)) {
            continue;
        }
        return boot::parse_os_release(read_text_file(p));
    }
    return {};
}

static std::optional<ImageInfo> inspect(const fs::path& p) {
    ImageInfo info;
    std::string fname = p.filename().string();
    struct statx stx;
    if (statx(AT_FDCWD, p.c_str(), 0, STATX_BTIME | STATX_MTIME | STATX_SIZE | STATX_TYPE, &stx) < 0) return std::nullopt;
    if (S_ISDIR(stx.stx_mode)) {
        info.name = fname;
        info.type = "directory";
        struct statfs sfs;
        if (statfs(p.c_str(), &sfs) == 0 && sfs.f_type == BTRFS_SUPER_MAGIC && stx.stx_ino == 256) {
            info.type = "subvolume";
            // With quotas on, what the subvolume holds and may hold, as machinectl shows them.
            UniqueFd fd(open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (auto q = fd ? btrfs::quota(fd.get()) : std::nullopt) {
                info.usage = q->referenced;
                info.usage_exclusive = q->exclusive;
                if (q->max_referenced != UINT64_MAX) info.limit = q->max_referenced;
                if (q->max_exclusive != UINT64_MAX) info.limit_exclusive = q->max_exclusive;
            }
        }
        info.os_release = tree_os_release(p.string());
    } else if (S_ISREG(stx.stx_mode) && fname.size() > 4 && fname.substr(fname.size() - 4) == ".raw") {
        info.name = fname.substr(0, fname.size() - 4);
        info.type = "raw";
        info.usage = stx.stx_size;
        info.mtime_usec = static_cast<uint64_t>(stx.stx_mtime.tv_sec) * 1000000 + stx.stx_mtime.tv_nsec / 1000;
    } else {
        return std::nullopt;
    }
    info.path = p.string();
    if (stx.stx_mask & STATX_BTIME)
        info.crtime_usec = static_cast<uint64_t>(stx.stx_btime.tv_sec) * 1000000 + stx.stx_btime.tv_nsec / 1000;
    info.read_only = access(p.c_str(), W_OK) < 0 && errno == EROFS;
    if (!info.read_only && info.type != "raw") {
        // machinectl reports an immutable directory as read-only.
        int fd = open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            int flags = 0;
            if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_IMMUTABLE_FL)) info.read_only = true;
            close(fd);
        }
    } else if (info.type == "raw") {
        info.read_only = (stx.stx_mode & 0222) == 0;
    }
    return info;
}

static std::vector<std::string> search_or_default(const std::vector<std::string>& search) {
    if (!search.empty()) return search;
    return {std::begin(kImageSearchPath), std::end(kImageSearchPath)};
}

std::vector<ImageInfo> list_images(const std::vector<std::string>& search) {
    std::vector<ImageInfo> out;
    std::set<std::string> seen;
    for (const auto& dir : search_or_default(search)) {
        std::error_code ec;
        std::vector<fs::path> entries;
        for (const auto& e : fs::directory_iterator(dir, ec)) entries.push_back(e.path());
        std::sort(entries.begin(), entries.end());
        for (const auto& p : entries) {
            if (p.filename().string()[0] == '.') continue;
            auto info = inspect(p);
            if (!info || seen.count(info->name)) continue;
            seen.insert(info->name);
            out.push_back(std::move(*info));
        }
    }
    std::sort(out.begin(), out.end(), [](const ImageInfo& a, const ImageInfo& b) { return a.name < b.name; });
    return out;
}

Result<ImageInfo> find_image(const std::string& name, const std::vector<std::string>& search) {
    if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos)
        return Error::msg("invalid image name '{}'", name);
    for (const auto& dir : search_or_default(search)) {
        for (const std::string& cand : {dir + "/" + name, dir + "/" + name + ".raw"}) {
            auto info = inspect(cand);
            if (info && info->name == name) return std::move(*info);
        }
    }
    return Error(ENOENT, fmt::format("No image '{}' known", name));
}

}  // namespace spawn::images
