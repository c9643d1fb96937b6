#include "util/strings.hpp"

#include <charconv>

namespace spawn::str {

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t pos = s.find(sep, start);
        out.emplace_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}

std::optional<bool> parse_bool(std::string_view s) {
    if (s == "yes" || s == "y" || s == "true" || s == "t" || s == "1" || s == "on") return true;
    if (s == "no" || s == "n" || s == "false" || s == "f" || s == "0" || s == "off") return false;
    return std::nullopt;
}

std::optional<int64_t> parse_int(std::string_view s) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<uint64_t> parse_uint(std::string_view s) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::string_view lstrip_prefix(std::string_view s, std::string_view prefix, bool* had) {
    *had = s.starts_with(prefix);
    return *had ? s.substr(prefix.size()) : s;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string hex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

std::optional<std::string> unhex(std::string_view digits) {
    if (digits.size() % 2) return std::nullopt;
    std::string out;
    for (size_t i = 0; i < digits.size(); i += 2) {
        const int hi = hex_value(digits[i]), lo = hex_value(digits[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi << 4 | lo);
    }
    return out;
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
    std::vector<char*> out;
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

std::optional<uint64_t> parse_bytes(std::string_view s) {
    size_t i = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    auto n = parse_uint(s.substr(0, i));
    if (i == 0 || !n) return std::nullopt;
    std::string_view suffix = s.substr(i);
    int shift = 0;
    if (suffix.empty() || suffix == "B") shift = 0;
    else if (suffix == "K") shift = 10;
    else if (suffix == "M") shift = 20;
    else if (suffix == "G") shift = 30;
    else if (suffix == "T") shift = 40;
    else return std::nullopt;
    if (shift && *n > (UINT64_MAX >> shift)) return std::nullopt;
    return *n << shift;
}

}  // namespace spawn::str
