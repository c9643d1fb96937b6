#include "spawn/image_stage.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>

#include "config/root_options.hpp"
#include "disk/dps.hpp"
#include "disk/loop.hpp"
#include "disk/probe.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace spawn {
namespace {

constexpr const char* kImageMounts = "/run/spawn/images";

// The kernel mounts vfat (the ESP, XBOOTLDR) now, or has it as a module.
bool kernel_has_vfat() {
    auto text = read_file("/proc/filesystems");
    if (text && text->find("\tvfat\n") != std::string::npos) return true;
    struct utsname u {};
    if (uname(&u) < 0) return false;
    for (const char* ext : {".ko", ".ko.xz", ".ko.zst"})
        if (access(fmt::format("/lib/modules/{}/kernel/fs/fat/vfat{}", u.release, ext).c_str(), F_OK) == 0) return true;
    return false;
}

}  // namespace

Result<ImageMount> ImageMount::mount(const Config& cfg) {
    const std::string& path = cfg.image;
    ImageMount m;
    // -x and --volatile never write the tree: its file systems are mounted
    // read-only (a writable mount writes its superblock), the file locked shared.
    const bool untouched = !writes_tree(cfg);
    struct stat st {};
    if (stat(path.c_str(), &st) < 0) return Error::errno_("Disk image {}", path);
    if (S_ISDIR(st.st_mode)) return Error::msg("Disk image {}: a directory (use -D for a tree)", path);
    // A file no one may write is used read-only, as a read-only file system is.
    if ((st.st_mode & 0222) == 0) m.read_only_ = true;
    bool ro = m.read_only_ || untouched || cfg.read_only;  // opened, locked and mounted so
    m.file_.reset(open(path.c_str(), (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY));
    if (!m.file_ && !ro && (errno == EROFS || errno == EACCES || errno == EPERM)) {
        m.read_only_ = ro = true;
        m.file_.reset(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    }
    if (!m.file_) return Error::errno_("Disk image {}", path);
    if (flock(m.file_.get(), (ro ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK) return Error(EBUSY, fmt::format("Disk image {} is currently busy.", path));
        return Error::errno_("Disk image {}: locking it", path);
    }
    if (!cfg.root_hash.empty() || !cfg.root_hash_sig.empty() || !cfg.verity_data.empty()) {
        // The image is never run unverified when verification was asked for.
        if (access("/dev/mapper/control", F_OK) < 0)
            return Error(EOPNOTSUPP, fmt::format("Disk image {}: --root-hash= needs dm-verity, and this kernel has no "
                                                 "device-mapper (/dev/mapper/control): the image cannot be verified",
                                                 path));
        return Error(EOPNOTSUPP, fmt::format("Disk image {}: verifying it with dm-verity (--root-hash=, "
                                             "--root-hash-sig=, --verity-data=) is not supported by spawn yet", path));
    }
    const auto probed = TRY(disk::probe_image(m.file_.get(), path));
    const bool vfat = kernel_has_vfat();
    auto mounts = TRY(disk::plan_image_mounts(probed, path, vfat, false));

    // Our own mount namespace: what is mounted here is never the host's.
    if (unshare(CLONE_NEWNS) < 0) return Error::errno_("Disk image {}: a mount namespace for it", path);
    if (::mount(nullptr, "/", nullptr, MS_SLAVE | MS_REC, nullptr) < 0)
        return Error::errno_("Disk image {}: making spawn's mount namespace a slave", path);
    std::error_code ec;
    std::filesystem::create_directories(kImageMounts, ec);
    if (ec) return Error::sys(ec.value(), "making {}", kImageMounts);
    const std::string root = std::string(kImageMounts) + "/" + cfg.machine;
    if (mkdir(root.c_str(), 0700) < 0 && errno != EEXIST) return Error::errno_("making {}", root);
    m.root_ = root;  // from here the destructor unmounts and removes it

    for (size_t i = 0; i < mounts.size(); ++i) {
        if (i == 1 && vfat) {
            // The root is mounted: the ESP goes to /efi when the root has it.
            struct stat efi {};
            bool esp_at_efi = stat((root + "/efi").c_str(), &efi) == 0 && S_ISDIR(efi.st_mode);
            if (esp_at_efi) mounts = TRY(disk::plan_image_mounts(probed, path, vfat, true));
        }
        const auto& part = mounts[i];  // (after a new plan: a reference into the old one would dangle)
        const bool part_ro = ro || part.read_only;
        const std::string what = part.number ? fmt::format("Disk image {}: partition {} ({})", path, part.number, part.target)
                                             : fmt::format("Disk image {}", path);
        auto loop = TRY(disk::LoopDevice::attach(m.file_.get(), part.offset, part.size, part_ro, what));
        const std::string target = part.target == "/" ? root : root + part.target;
        if (part.target != "/") {
            struct stat t {};
            if (stat(target.c_str(), &t) < 0 && mkdir(target.c_str(), 0755) < 0)
                return Error::errno_("{}: making {} in the root file system", what, part.target);
        }
        // (A module not loaded yet is loaded by the mount: no /proc/filesystems check first.)
        if (::mount(loop.path().c_str(), target.c_str(), part.fstype.c_str(), MS_NODEV | (part_ro ? MS_RDONLY : 0), nullptr) < 0) {
            if (errno == ENODEV) return Error::msg("{}: the kernel cannot mount {} file systems", what, part.fstype);
            return Error::errno_("{}: mounting its {} file system", what, part.fstype);
        }
        log::debug("{}: {} ({}) on {}{}", path, loop.path(), part.fstype, part.target, part_ro ? " read-only" : "");
    }
    return m;
}

void ImageMount::hand_off(Handoff& h, const std::string& key) && {
    h.put_fd(key, std::move(file_));
    h.put(key + ".root", std::exchange(root_, {}));
    h.put_int(key + ".read-only", read_only_);
}

ImageMount ImageMount::take_over(Handoff& h, const std::string& key) {
    ImageMount m;
    m.file_ = h.take_fd(key);
    m.root_ = h.get(key + ".root");
    m.read_only_ = h.get_int(key + ".read-only") != 0;
    return m;
}

ImageMount::~ImageMount() {
    if (root_.empty()) return;
    umount2(root_.c_str(), MNT_DETACH);  // with what is below it; the loop devices clear themselves
    rmdir(root_.c_str());
}

}  // namespace spawn
