#include "container/ownership_shift.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "container/userns_plan.hpp"
#include "util/fd.hpp"

namespace spawn::container {
namespace {

constexpr const char* kAclXattrs[] = {"system.posix_acl_access", "system.posix_acl_default"};
constexpr const char* kCapsXattr = "security.capability";
constexpr uint32_t kAclUser = 0x02, kAclGroup = 0x08;
constexpr uint32_t kCapsRevisionMask = 0xFF000000u, kCapsV2 = 0x02000000u, kCapsV3 = 0x03000000u;
constexpr size_t kCapsV2Size = 20, kCapsV3Size = 24;

uint32_t le32(const std::string& s, size_t at) {
    uint32_t v = 0;
    std::memcpy(&v, s.data() + at, 4);
    return v;  // x86-64 and the other targets here are little-endian, as the xattr
}
void put_le32(std::string& s, size_t at, uint32_t v) { std::memcpy(s.data() + at, &v, 4); }

std::string proc_fd(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

std::optional<std::string> get_xattr(const std::string& path, const char* name) {
    char buf[4096];
    ssize_t n = getxattr(path.c_str(), name, buf, sizeof buf);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
}

struct Walker {
    uint32_t base;
    dev_t dev;
    std::set<std::pair<dev_t, ino_t>> seen_links;  // inodes with several names, done once
    ShiftStats stats;

    // Shifts the entry fd (O_PATH, not followed) refers to.
    Result<void> shift(int fd, const struct stat& st, const std::string& what) {
        uid_t uid = shifted_id(st.st_uid, base);
        gid_t gid = shifted_id(st.st_gid, base);
        if (uid == st.st_uid && gid == st.st_gid) return ok();
        if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && !seen_links.insert({st.st_dev, st.st_ino}).second) return ok();
        const bool xattrs = !S_ISLNK(st.st_mode);
        const std::string path = proc_fd(fd);
        std::vector<std::pair<const char*, std::string>> keep;
        if (xattrs) {
            for (const char* name : kAclXattrs)
                if (auto v = get_xattr(path, name)) keep.emplace_back(name, shift_acl_xattr(*v, base));
            if (S_ISREG(st.st_mode))
                if (auto v = get_xattr(path, kCapsXattr)) keep.emplace_back(kCapsXattr, shift_caps_xattr(*v, base));
        }
        if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
            return Error::errno_("changing the owner of {}", what);
        // chown cleared set-ID bits and file capabilities: put them back.
        if (xattrs && (st.st_mode & (S_ISUID | S_ISGID)) && chmod(path.c_str(), st.st_mode & 07777) < 0)
            return Error::errno_("restoring the mode of {}", what);
        for (const auto& [name, value] : keep)
            if (setxattr(path.c_str(), name, value.data(), value.size(), 0) < 0)
                return Error::errno_("shifting {} of {}", name, what);
        ++stats.changed;
        return ok();
    }

    Result<void> walk(int dir_fd, const std::string& dir) {
        UniqueFd list_fd(openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!list_fd) return Error::errno_("opening {}", dir);
        DIR* d = fdopendir(list_fd.release());
        if (!d) return Error::errno_("listing {}", dir);
        std::unique_ptr<DIR, int (*)(DIR*)> closer(d, closedir);
        while (struct dirent* e = readdir(d)) {
            if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
            const std::string what = dir + "/" + e->d_name;
            UniqueFd fd(openat(dir_fd, e->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
            if (!fd) return Error::errno_("opening {}", what);
            struct stat st {};
            if (fstat(fd.get(), &st) < 0) return Error::errno_("stat {}", what);
            if (st.st_dev != dev) continue;  // another file system mounted here
            if (S_ISDIR(st.st_mode)) {
                UniqueFd sub(openat(dir_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
                if (!sub) return Error::errno_("opening {}", what);
                TRY(walk(sub.get(), what));
            }
            TRY(shift(fd.get(), st, what));
        }
        return ok();
    }
};

}  // namespace

std::string shift_acl_xattr(std::string value, uint32_t base) {
    // struct posix_acl_xattr_header { le32 a_version; }, then entries of
    // { le16 e_tag; le16 e_perm; le32 e_id; }.
    for (size_t at = 4; at + 8 <= value.size(); at += 8) {
        uint16_t tag = 0;
        std::memcpy(&tag, value.data() + at, 2);
        if (tag == kAclUser || tag == kAclGroup) put_le32(value, at + 4, shifted_id(le32(value, at + 4), base));
    }
    return value;
}

std::string shift_caps_xattr(const std::string& value, uint32_t base) {
    if (value.size() < kCapsV2Size) return value;
    uint32_t magic = le32(value, 0);
    uint32_t rev = magic & kCapsRevisionMask;
    if (rev != kCapsV2 && rev != kCapsV3) return value;
    uint32_t rootid = rev == kCapsV3 && value.size() >= kCapsV3Size ? le32(value, 20) : 0;
    std::string out = value.substr(0, kCapsV2Size);
    out.resize(kCapsV3Size);
    put_le32(out, 0, (magic & ~kCapsRevisionMask) | kCapsV3);
    put_le32(out, 20, shifted_id(rootid, base));
    return out;
}

Result<ShiftStats> shift_tree_ownership(int tree_fd, const std::string& root, uint32_t base) {
    struct stat st {};
    if (fstat(tree_fd, &st) < 0) return Error::errno_("stat {}", root);
    Walker w{base, st.st_dev, {}, {}};
    if (st.st_uid == base && st.st_gid == base) return w.stats;  // shifted before (the root records it)
    w.stats.walked = true;
    TRY_CTX(w.walk(tree_fd, root), "--private-users-ownership=chown");
    // The root last: an interrupted walk is redone on the next start.
    UniqueFd self(openat(tree_fd, ".", O_PATH | O_CLOEXEC));
    if (!self) return Error::errno_("opening {}", root);
    TRY(w.shift(self.get(), st, root));
    return w.stats;
}

}  // namespace spawn::container
