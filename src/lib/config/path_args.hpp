// Paths in option values: host paths made absolute, container paths checked,
// colon-separated fields split as systemd-nspawn splits them. Pure (but for
// the current directory).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace spawn {

bool has_dotdot_component(std::string_view p);

// A host path given to OPT: made absolute against the current directory,
// simplified.
Result<std::string> host_path_argument(std::string_view opt, std::string_view value);

// A path inside the container: absolute, without ".." components.
bool container_path_ok(std::string_view p);

// Splits S at unescaped ':' (a backslash escapes the next character and is
// removed), as systemd's extract_first_word(":", DONT_COALESCE_SEPARATORS).
// Returns at most MAX fields (0: no limit); the last field keeps the rest of
// the string verbatim (escapes included) when there are more separators.
std::vector<std::string> split_colon_escaped(std::string_view s, size_t max);

}  // namespace spawn
