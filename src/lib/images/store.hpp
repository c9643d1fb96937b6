// Container images on disk: directories, btrfs subvolumes and .raw files in
// the machinectl search path (config.hpp kImageSearchPath), first match wins.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace spawn::images {

struct ImageInfo {
    std::string name;
    std::string path;
    std::string type;            // "directory", "subvolume", "raw"
    bool read_only = false;
    uint64_t crtime_usec = 0;    // birth time (statx), 0 if unknown
    uint64_t mtime_usec = 0;     // raw images only, as machinectl
    std::optional<uint64_t> usage;  // bytes (raw images: file size; subvolumes: their quota group's count)
    std::optional<uint64_t> usage_exclusive;  // subvolumes with quotas on
    std::optional<uint64_t> limit, limit_exclusive;  // set-limit's quota group limits
    std::map<std::string, std::string> os_release;
};

// All images, sorted by name; hidden entries (".x") are skipped. search
// defaults to kImageSearchPath.
std::vector<ImageInfo> list_images(const std::vector<std::string>& search = {});

// One image by name; "No image 'NAME' known" when absent.
Result<ImageInfo> find_image(const std::string& name, const std::vector<std::string>& search = {});

// os-release of a tree (boot::parse_os_release): etc/os-release, else usr/lib/os-release.
std::map<std::string, std::string> tree_os_release(const std::string& root);

}  // namespace spawn::images
