#include "disk/loop.hpp"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>

namespace spawn::disk {


Result<LoopDevice> LoopDevice::attach(int file_fd, uint64_t offset, uint64_t size, bool read_only,
                                      const std::string& what) {
    UniqueFd control(open("/dev/loop-control", O_RDWR | O_CLOEXEC));
    if (!control) return Error::errno_("{}: opening /dev/loop-control", what);
    // Another process may take the free device first: ask again.
    for (int attempt = 0; attempt < 64; ++attempt) {
        int n = ioctl(control.get(), LOOP_CTL_GET_FREE);
        if (n < 0) return Error::errno_("{}: finding a free loop device", what);
        std::string path = "/dev/loop" + std::to_string(n);
        UniqueFd dev(open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC));
        if (!dev) return Error::errno_("{}: opening {}", what, path);
        struct loop_config config {};
        config.fd = static_cast<uint32_t>(file_fd);
        config.info.lo_offset = offset;
        config.info.lo_sizelimit = size;
        config.info.lo_flags = LO_FLAGS_AUTOCLEAR | (read_only ? LO_FLAGS_READ_ONLY : 0);
        if (ioctl(dev.get(), LOOP_CONFIGURE, &config) == 0) return LoopDevice(std::move(dev), std::move(path));
        if (errno != EBUSY) return Error::errno_("{}: setting up {}", what, path);
    }
    return Error::msg("{}: no loop device stayed free", what);
}

}  // namespace spawn::disk
