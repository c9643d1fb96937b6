#include "disk/probe.hpp"

#include <blkid/blkid.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "util/cptr.hpp"

namespace spawn::disk {
namespace {

using Probe = CPtr<blkid_struct_probe, blkid_free_probe>;

Result<Probe> new_probe(int fd, uint64_t offset, uint64_t size, const std::string& path) {
    Probe pr(blkid_new_probe());
    if (!pr) return Error::msg("Disk image {}: out of memory probing it", path);
    if (blkid_probe_set_device(pr.get(), fd, static_cast<blkid_loff_t>(offset), static_cast<blkid_loff_t>(size)) < 0)
        return Error::msg("Disk image {}: cannot be probed", path);
    return pr;
}

// The file system type at offset (size bytes), or "".
std::string fstype_at(int fd, uint64_t offset, uint64_t size, const std::string& path) {
    auto pr = new_probe(fd, offset, size, path);
    if (!pr) return "";
    blkid_probe_enable_superblocks(pr->get(), 1);
    blkid_probe_set_superblocks_flags(pr->get(), BLKID_SUBLKS_TYPE);
    blkid_probe_enable_partitions(pr->get(), 0);
    if (blkid_do_safeprobe(pr->get()) != 0) return "";
    const char* type = nullptr;
    if (blkid_probe_lookup_value(pr->get(), "TYPE", &type, nullptr) < 0 || !type) return "";
    return type;
}

}  // namespace

Result<ProbedImage> probe_image(int fd, const std::string& path) {
    ProbedImage img;
    struct stat st {};
    if (fstat(fd, &st) < 0) return Error::errno_("Disk image {}", path);
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) return Error::msg("Disk image {}: not a regular file", path);
    img.size = static_cast<uint64_t>(st.st_size);
    if (img.size < 512) return Error::msg("Disk image {}: too small to be a disk image ({} bytes)", path, img.size);

    auto pr = TRY(new_probe(fd, 0, 0, path));
    blkid_probe_enable_partitions(pr.get(), 1);
    blkid_probe_set_partitions_flags(pr.get(), BLKID_PARTS_ENTRY_DETAILS);
    blkid_probe_enable_superblocks(pr.get(), 1);
    blkid_probe_set_superblocks_flags(pr.get(), BLKID_SUBLKS_TYPE);
    int r = blkid_do_safeprobe(pr.get());
    if (r == -2) return Error::msg("Disk image {}: ambivalent: more than one partition table or file system signature", path);
    if (r < 0) return Error::msg("Disk image {}: cannot read its partition table (corrupt?)", path);
    const char* value = nullptr;
    if (r == 0 && blkid_probe_lookup_value(pr.get(), "PTTYPE", &value, nullptr) == 0 && value) img.table = value;
    if (img.table.empty()) {
        if (r == 0 && blkid_probe_lookup_value(pr.get(), "TYPE", &value, nullptr) == 0 && value) img.fstype = value;
        return img;
    }
    blkid_partlist list = blkid_probe_get_partitions(pr.get());
    if (!list) return Error::msg("Disk image {}: cannot read its {} partitions", path, img.table);
    for (int i = 0, n = blkid_partlist_numof_partitions(list); i < n; ++i) {
        blkid_partition p = blkid_partlist_get_partition(list, i);
        Partition part;
        part.number = blkid_partition_get_partno(p);
        if (const char* t = blkid_partition_get_type_string(p)) {
            part.type = t;
            std::transform(part.type.begin(), part.type.end(), part.type.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        }
        part.offset = static_cast<uint64_t>(blkid_partition_get_start(p)) * 512;
        part.size = static_cast<uint64_t>(blkid_partition_get_size(p)) * 512;
        part.flags = blkid_partition_get_flags(p);
        if (part.offset + part.size <= img.size) part.fstype = fstype_at(fd, part.offset, part.size, path);
        img.partitions.push_back(std::move(part));
    }
    return img;
}

}  // namespace spawn::disk
