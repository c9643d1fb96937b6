// 128-bit ids (machine UUIDs, machine-ids) as text (pure), plus the two
// sources of ids that are not text: the host's machine id and a random one.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace spawn {

using Uuid = std::array<uint8_t, 16>;

bool uuid_is_null(const Uuid& u);
// 32 lowercase hex digits (machine-id form, machined's Id).
std::string uuid_to_string(const Uuid& u);
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (container_uuid form).
std::string uuid_to_dashed(const Uuid& u);
// Exactly 32 hex digits (either case) or the 8-4-4-4-12 form; all zero is
// returned as is. nullopt when malformed.
std::optional<Uuid> parse_uuid_text(std::string_view s);
// Contents of a machine-id file: parse_uuid_text without surrounding blanks
// (spaces, tabs, newlines); nullopt when malformed or all zero.
std::optional<Uuid> parse_machine_id(std::string_view s);

// The host's machine id (sd_id128_get_machine); nullopt when it has none.
std::optional<Uuid> host_machine_id();
// A random version 4 UUID (getrandom); an error only when the kernel gives
// no randomness at all.
Result<Uuid> random_uuid();

}  // namespace spawn
