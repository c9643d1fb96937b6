// SipHash-2-4 (64-bit output), as used by systemd to derive interface names
// and MAC addresses. Needed to produce the same host interface names as
// systemd-nspawn.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace spawn::net {

using SipKey = std::array<uint8_t, 16>;

uint64_t siphash24(const void* data, size_t len, const SipKey& key);

}  // namespace spawn::net
