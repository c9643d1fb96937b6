// spawn --help and --version texts.
#pragma once

#include <string>
#include <string_view>

namespace spawn {

// The full --help text (ends with a newline); PROGRAM is argv[0]'s name.
std::string spawn_usage(std::string_view program);

// "spawn 0.1.0" and the compatibility line (ends with a newline).
std::string spawn_version();

}  // namespace spawn
