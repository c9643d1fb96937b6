// capabilities: capability names and masks, as the command line and settings
// files spell them (CAP_NET_ADMIN, net_admin, all). Pure; the container's
// bounding set is planned and applied in container/caps.hpp.
#pragma once

#include <linux/capability.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spawn {

constexpr uint64_t cap_bit(int cap) { return uint64_t{1} << cap; }

// Every capability this build knows of (CAP_LAST_CAP of the kernel headers);
// --capability=all retains this.
inline constexpr uint64_t kAllCapabilities = (cap_bit(CAP_LAST_CAP) << 1) - 1;

// "CAP_CHOWN" / "chown" / "cap_chown" -> CAP_CHOWN; nullopt if unknown.
std::optional<int> capability_from_name(std::string_view name);
// CAP_CHOWN -> "CAP_CHOWN" (the number for caps newer than this build).
std::string capability_name(int cap);
// "CAP_A CAP_B ..." for a mask, lowest first (for messages and tests).
std::string capability_mask_names(uint64_t mask);

}  // namespace spawn
