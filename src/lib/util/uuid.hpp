// 128-bit ids (machine UUIDs, machine-ids) as text. Pure.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
// Contents of a machine-id file: parse_uuid_text after trailing newlines and
// spaces; nullopt when malformed or all zero.
std::optional<Uuid> parse_machine_id(std::string_view s);

}  // namespace spawn
