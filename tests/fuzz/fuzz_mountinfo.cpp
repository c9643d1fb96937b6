// /proc/self/mountinfo and /proc/self/cgroup (split at the first NUL), as
// spawn matches them to find the cgroup hierarchies.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "container/cgroup_hierarchies.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto cut = text.find('\0');
    const std::string_view mountinfo = text.substr(0, cut);
    const std::string_view cgroup = cut == std::string_view::npos ? std::string_view() : text.substr(cut + 1);
    const auto mounts = spawn::container::parse_cgroup_mounts(mountinfo);
    const auto lines = spawn::container::parse_proc_cgroup(cgroup);
    (void)spawn::container::match_cgroup_hierarchies(mounts, lines);
    (void)spawn::container::v1_root_hierarchies(cgroup);
    return 0;
}
