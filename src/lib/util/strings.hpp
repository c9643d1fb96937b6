// Small string helpers shared by the parsers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spawn::str {

std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// "yes"/"no"/"true"/"false"/"1"/"0"/"on"/"off"
std::optional<bool> parse_bool(std::string_view s);
std::optional<int64_t> parse_int(std::string_view s);
std::optional<uint64_t> parse_uint(std::string_view s);
// "512", "4K", "10M", "2G", "1T" (base 1024; a "B" suffix allowed); nullopt
// when malformed or too large.
std::optional<uint64_t> parse_bytes(std::string_view s);
// s without a leading prefix; *had tells whether it was there.
std::string_view lstrip_prefix(std::string_view s, std::string_view prefix, bool* had);
// The value of a hexadecimal digit (either case), or -1.
int hex_value(char c);
// Bytes as lowercase hex digits, two per byte.
std::string hex(std::string_view bytes);
// hex() back: nullopt unless an even number of hex digits.
std::optional<std::string> unhex(std::string_view digits);
// An exec*() array of v's strings (pointers into v, which must outlive it),
// nullptr-terminated.
std::vector<char*> c_strings(const std::vector<std::string>& v);

}  // namespace spawn::str
