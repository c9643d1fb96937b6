#include "container/sealed_helper.hpp"

#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "util/fdio.hpp"
#include "util/strings.hpp"

// The helper's image, linked in by helper_image.cpp (src/helper/embed.py).
extern "C" const unsigned char spawn_helper_image[];
extern "C" const unsigned char spawn_helper_image_end[];

namespace spawn::container {
namespace {

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

// The image is read once per start: give its pages back (they would come
// back from the binary's file if read again), so that a spawner that runs as
// long as its machine does not keep 0.8 MB of them resident. Only whole
// pages inside the image: a private read-only file mapping, never written.
void release_image_pages(const unsigned char* image, const unsigned char* image_end) {
    const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(image) + page - 1) & ~(page - 1);
    const uintptr_t end = reinterpret_cast<uintptr_t>(image_end) & ~(page - 1);
    if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace

size_t sealed_helper_size() { return static_cast<size_t>(spawn_helper_image_end - spawn_helper_image); }

Result<UniqueFd> open_sealed_helper() { return open_sealed_image("spawn-helper", spawn_helper_image, spawn_helper_image_end); }

Result<UniqueFd> open_sealed_image(const char* name, const unsigned char* begin, const unsigned char* end) {
    // MFD_EXEC: executable even where vm.memfd_noexec asks for sealed
    // non-executable memfds by default; kernels before 6.3 do not know it.
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return Error::errno_("creating the sealed {} (memfd_create)", name);
    UniqueFd f(fd);
    if (!write_all(fd, reinterpret_cast<const char*>(begin), static_cast<size_t>(end - begin)))
        return Error::errno_("writing the sealed {}", name);
    release_image_pages(begin, end);
    if (fchmod(fd, 0555) < 0) return Error::errno_("making the sealed {} read-only", name);
    int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
    // F_SEAL_EXEC (6.3) also freezes the mode bits; older kernels refuse it.
    if (fcntl(fd, F_ADD_SEALS, seals | F_SEAL_EXEC) < 0 && fcntl(fd, F_ADD_SEALS, seals) < 0)
        return Error::errno_("sealing the sealed {}", name);
    return f;
}

void exec_sealed_helper(int fd, const std::vector<std::string>& args, char* const* envp) noexcept {
    execveat(fd, "", str::c_strings(args).data(), envp, AT_EMPTY_PATH);
}

}  // namespace spawn::container
