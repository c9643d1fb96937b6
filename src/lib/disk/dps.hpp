// The Discoverable Partitions Specification, as systemd-nspawn 252 applies it
// to a raw disk image (-i): which partition is mounted where. Pure: the
// probe (probe.hpp) says what the image holds, this says what to mount.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace spawn::disk {

// GPT partition type GUIDs (lower case) this x86-64 build mounts.
inline constexpr const char* kRootX86_64 = "4f68bce3-e8cd-4db1-96e7-fbcaf984b709";
inline constexpr const char* kUsrX86_64 = "8484680c-9521-48c6-9c11-b0720656f69e";
inline constexpr const char* kHome = "933ac7e1-2eb4-4f13-b844-0e14e2aef915";
inline constexpr const char* kSrv = "3b8f8425-20e0-4f3b-907f-1a25a76f98e8";
inline constexpr const char* kVar = "4d21b016-b534-45c2-a9fb-5c16e091fd2d";
inline constexpr const char* kTmp = "7ec6f557-3bc5-4aca-b293-16ef5df639d1";
inline constexpr const char* kSwap = "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f";
inline constexpr const char* kEsp = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
inline constexpr const char* kXbootldr = "bc13c2ff-59e6-4262-a352-b275fd6f7172";
inline constexpr const char* kLinuxGeneric = "0fc63daf-8483-4772-8e79-3d69d8477de4";

// GPT attribute bits of the specification.
inline constexpr uint64_t kFlagReadOnly = 1ULL << 60;
inline constexpr uint64_t kFlagNoAuto = 1ULL << 63;

struct Partition {
    int number = 0;          // 1-based, as in the table
    std::string type;        // GPT type GUID, lower case ("" for other tables)
    uint64_t offset = 0;     // bytes from the start of the image
    uint64_t size = 0;       // bytes
    uint64_t flags = 0;      // GPT attributes
    std::string fstype;      // the file system found in it ("" none)
};

struct ProbedImage {
    uint64_t size = 0;                 // of the image file, bytes
    std::string table;                 // "gpt", "dos", or "" (no partition table)
    std::vector<Partition> partitions;
    std::string fstype;                // without a table: the file system of the whole image
};

struct ImageMount {
    std::string target;      // "/", "/usr", "/home", ...
    uint64_t offset = 0, size = 0;
    std::string fstype;
    bool read_only = false;  // the partition's read-only flag (or the whole image's)
    int number = 0;          // the partition (0: the whole image)
};

// The mounts, root first and parents before children. image names the file
// in errors; vfat: the kernel can mount the ESP and XBOOTLDR (else they are
// skipped); esp_at_efi: the root file system has /efi (the ESP goes there,
// else to /boot, or /efi when XBOOTLDR takes /boot).
Result<std::vector<ImageMount>> plan_image_mounts(const ProbedImage& image, const std::string& path, bool vfat,
                                                  bool esp_at_efi);

}  // namespace spawn::disk
