// The options that change what the container's root is made of: -x/--ephemeral,
// --volatile, --template, --overlay, --overlay-ro. Pure parsers and checks;
// container/root_layer.hpp builds the roots they ask for.
#pragma once

#include <string_view>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn {

// "" (the option without a value) and yes: Yes; no, state, overlay.
Result<VolatileMode> parse_volatile(std::string_view s);
std::string_view volatile_mode_name(VolatileMode m);

// nspawn's syntax: LOWER...:UPPER:DEST, or SOURCE:DEST, where SOURCE is both
// the top layer and the destination; "+/PATH" is a path in the tree; with
// --overlay an empty UPPER is a tmpfs of the container's own.
Result<OverlayMount> parse_overlay(std::string_view s, bool read_only);

// --root-hash: hex digits, at least 128 bits, as nspawn takes it.
Result<std::string> parse_root_hash(std::string_view s);

// What cannot be combined: -x with --template (as nspawn), and a throwaway
// root with ownership by chown (it would copy every file of the tree up).
Result<void> validate_root_options(const Config& c);

// Whether the tree itself is written by the container (no -x, --read-only
// or --volatile): only then is its lock exclusive.
bool writes_tree(const Config& c);

}  // namespace spawn
