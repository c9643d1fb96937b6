// Signal names as nspawn and machinectl spell them. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace spawn {

// "SIGTERM", "TERM", "15", "RTMIN", "SIGRTMIN+3", "RTMAX-1" -> the number;
// nullopt for anything else (0, out of range, aliases like IOT/CLD/POLL,
// lower case).
std::optional<int> parse_signal_name(std::string_view s);
// SIGTERM -> "SIGTERM", SIGRTMIN -> "SIGRTMIN", SIGRTMIN+3 -> "SIGRTMIN+3";
// a number without a name -> its decimal digits.
std::string signal_name(int sig);

}  // namespace spawn
