// A loop device over a range of a file (LOOP_CONFIGURE), set to clear itself
// when its last user goes (LO_FLAGS_AUTOCLEAR): once its file system is
// mounted and this object is gone, the mount holds it; a SIGKILL of spawn
// releases it with the container's mounts.
#pragma once

#include <cstdint>
#include <string>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::disk {

class LoopDevice {
public:
    static Result<LoopDevice> attach(int file_fd, uint64_t offset, uint64_t size, bool read_only, const std::string& what);
    const std::string& path() const { return path_; }
    int fd() const { return fd_.get(); }

private:
    LoopDevice(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
    UniqueFd fd_;
    std::string path_;
};

}  // namespace spawn::disk
