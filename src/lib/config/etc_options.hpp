// --resolv-conf= and --timezone= values (nspawn 252's spellings). Pure.
#pragma once

#include <string_view>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn {

Result<ResolvConfMode> parse_resolv_conf_mode(std::string_view s);
Result<TimezoneMode> parse_timezone_mode(std::string_view s);
std::string_view resolv_conf_mode_name(ResolvConfMode m);
std::string_view timezone_mode_name(TimezoneMode m);

}  // namespace spawn
