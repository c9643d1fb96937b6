#include "journal/text.hpp"

#include <fmt/format.h>

namespace spawn::journal {
namespace {

bool is_control(char32_t c, bool allow_newline) {
    if (c == '\n') return !allow_newline;
    return (c < ' ' && c != '\t') || (c >= 0x7f && c <= 0x9f);
}

bool is_scalar_value(char32_t c) {
    if (c >= 0x110000) return false;
    if ((c & 0xfffff800) == 0xd800) return false;  // surrogates
    if (c >= 0xfdd0 && c <= 0xfdef) return false;  // noncharacters
    return (c & 0xfffe) != 0xfffe;                 // U+xFFFE, U+xFFFF
}

// The length of the valid character at the start of s, or 0.
size_t decode(std::string_view s, char32_t* out) {
    auto b = static_cast<unsigned char>(s[0]);
    if (b < 0x80) {
        *out = b;
        return 1;
    }
    size_t len = b >= 0xc0 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf8 ? 4 : 0;
    if (len == 0 || len > s.size()) return 0;
    char32_t c = b & (0x7f >> len);
    for (size_t i = 1; i < len; ++i) {
        auto cb = static_cast<unsigned char>(s[i]);
        if ((cb & 0xc0) != 0x80) return 0;
        c = (c << 6) | (cb & 0x3f);
    }
    size_t shortest = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (shortest != len || !is_scalar_value(c)) return 0;  // overlong or not a character
    *out = c;
    return len;
}

// systemd tests strchr("0123456789;m", c), which a NUL byte passes too.
bool continues_csi(char c) { return (c >= '0' && c <= '9') || c == ';' || c == '\0'; }

}  // namespace

bool is_printable(std::string_view s, bool allow_newline) {
    while (!s.empty()) {
        char32_t c;
        size_t n = decode(s, &c);
        if (n == 0 || is_control(c, allow_newline)) return false;
        s.remove_prefix(n);
    }
    return true;
}

std::string strip_tab_ansi(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '\t') {
            out += "        ";
            continue;
        }
        if (c != '\x1b' || i + 1 >= s.size()) {
            out += c;
            continue;
        }
        if (s[i + 1] != '[' && s[i + 1] != ']') {  // not a sequence: both kept, even a tab
            out += c;
            out += s[++i];
            continue;
        }
        // ESC [ ... m or ESC ] ... BEL: find the end; an invalid or truncated
        // sequence is kept as it is.
        size_t j = i + 2;
        if (s[i + 1] == '[') {
            while (j < s.size() && continues_csi(s[j])) ++j;
            if (j < s.size() && s[j] == 'm') {
                i = j;
                continue;
            }
        } else {
            while (j < s.size() && s[j] != '\a' && static_cast<unsigned char>(s[j]) >= 32 &&
                   static_cast<unsigned char>(s[j]) <= 126)
                ++j;
            if (j < s.size() && s[j] == '\a') {
                i = j;
                continue;
            }
        }
        out += c;  // the rest is looked at again as plain text
    }
    return out;
}

std::string format_bytes(uint64_t n) {
    static constexpr struct {
        const char* suffix;
        uint64_t factor;
    } table[] = {
        {"E", 1ULL << 60}, {"P", 1ULL << 50}, {"T", 1ULL << 40}, {"G", 1ULL << 30}, {"M", 1ULL << 20}, {"K", 1ULL << 10},
    };
    for (const auto& t : table) {
        if (n < t.factor) continue;
        // The decimal is truncated, as systemd does: for K from n*10/1024, above
        // from the next smaller unit (no overflow).
        uint64_t tenth = t.factor == 1024 ? n * 10 / 1024 % 10 : n / (t.factor / 1024) * 10 / 1024 % 10;
        return fmt::format("{}.{}{}", n / t.factor, tenth, t.suffix);
    }
    return fmt::format("{}B", n);
}

std::string indented_lines(std::string_view value, size_t indent) {
    if (value.empty()) return "\n";
    std::string out;
    bool first = true;
    size_t pos = 0;
    while (pos < value.size()) {
        size_t end = value.find('\n', pos);
        if (end == std::string_view::npos) end = value.size();
        if (!first) out.append(indent, ' ');
        out.append(value.substr(pos, end - pos));
        out += '\n';
        first = false;
        pos = end + 1;
    }
    return out;
}

}  // namespace spawn::journal
