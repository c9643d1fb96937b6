// What a disk image holds, read with libblkid: its partition table (type,
// partitions with their GPT types, offsets, sizes and attributes) and the
// file system in each partition, or in the whole image without a table.
#pragma once

#include "disk/dps.hpp"
#include "util/result.hpp"

namespace spawn::disk {

// fd: the image file, open for reading. path: for messages.
Result<ProbedImage> probe_image(int fd, const std::string& path);

}  // namespace spawn::disk
