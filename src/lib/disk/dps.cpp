#include "disk/dps.hpp"

#include <fmt/format.h>

namespace spawn::disk {
namespace {

struct Designator {
    const char* type;
    const char* target;
};
constexpr Designator kMounted[] = {
    {kUsrX86_64, "/usr"}, {kHome, "/home"}, {kSrv, "/srv"}, {kVar, "/var"}, {kTmp, "/var/tmp"},
};

Result<ImageMount> mount_of(const Partition& p, const std::string& target, const std::string& path) {
    if (p.fstype.empty())
        return Error::msg("Disk image {}: partition {} ({}) holds no file system spawn can recognize", path, p.number, target);
    return ImageMount{target, p.offset, p.size, p.fstype, (p.flags & kFlagReadOnly) != 0, p.number};
}

}  // namespace

Result<std::vector<ImageMount>> plan_image_mounts(const ProbedImage& image, const std::string& path, bool vfat,
                                                  bool esp_at_efi) {
    std::vector<ImageMount> out;
    if (image.table.empty()) {
        if (image.fstype.empty())
            return Error::msg("Disk image {}: neither a partition table nor a file system found", path);
        out.push_back({"/", 0, image.size, image.fstype, false, 0});
        return out;
    }
    if (image.table == "PMBR")
        return Error::msg("Disk image {}: a protective MBR without a valid GPT (the GPT is corrupt, or the image "
                          "truncated)", path);
    if (image.table != "gpt")
        return Error::msg("Disk image {}: a {} partition table; spawn reads GPT disk images only", path, image.table);
    for (const auto& p : image.partitions)
        if (p.offset + p.size > image.size)
            return Error::msg("Disk image {}: partition {} ends past the end of the image (truncated?)", path, p.number);

    const Partition* root = nullptr;
    std::vector<const Partition*> generic;
    for (const auto& p : image.partitions) {
        if (p.flags & kFlagNoAuto) continue;
        if (p.type == kRootX86_64) {
            if (root) return Error::msg("Disk image {}: more than one root partition for x86-64", path);
            root = &p;
        }
        if (p.type == kLinuxGeneric) generic.push_back(&p);
    }
    // Without a root of this architecture, a single Linux data partition is the root, as nspawn does.
    if (!root && generic.size() == 1) root = generic[0];
    if (!root) return Error::msg("Disk image {}: no root partition for x86-64 (and not one Linux data partition)", path);
    out.push_back(TRY(mount_of(*root, "/", path)));
    for (const auto& d : kMounted)
        for (const auto& p : image.partitions)
            if (p.type == d.type && !(p.flags & kFlagNoAuto)) {
                out.push_back(TRY(mount_of(p, d.target, path)));
                break;
            }
    const Partition *esp = nullptr, *xbootldr = nullptr;
    for (const auto& p : image.partitions) {
        if (p.flags & kFlagNoAuto) continue;
        if (p.type == kEsp && !esp) esp = &p;
        if (p.type == kXbootldr && !xbootldr) xbootldr = &p;
    }
    if (vfat) {
        if (xbootldr) out.push_back(TRY(mount_of(*xbootldr, "/boot", path)));
        if (esp) out.push_back(TRY(mount_of(*esp, xbootldr || esp_at_efi ? "/efi" : "/boot", path)));
    }
    return out;
}

}  // namespace spawn::disk
