// JSON output helpers. Pure.
#pragma once

#include <string>
#include <string_view>

namespace spawn {

// s as a quoted JSON string: \" \\ \n \t escaped, other control bytes as \u00XX.
std::string json_string(std::string_view s);

}  // namespace spawn
