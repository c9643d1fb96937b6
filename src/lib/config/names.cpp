#include "config/names.hpp"

namespace spawn {

namespace {

constexpr size_t kHostNameMax = 64;  // HOST_NAME_MAX on Linux
constexpr size_t kIfNameMax = 15;    // IFNAMSIZ - 1

bool is_ldh_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

bool hostname_is_valid(std::string_view s) {
    if (s.empty() || s.size() > kHostNameMax) return false;
    // "dot" and "hyphen": the previous character was a label boundary / '-'.
    bool dot = true, hyphen = false;
    for (char c : s) {
        if (c == '.') {
            if (dot || hyphen) return false;  // empty label, or label ending in '-'
            dot = true;
            hyphen = false;
        } else if (c == '-') {
            if (dot) return false;  // label beginning with '-'
            dot = false;
            hyphen = true;
        } else if (is_ldh_char(c)) {
            dot = false;
            hyphen = false;
        } else {
            return false;
        }
    }
    return !dot && !hyphen;  // no trailing '.' or '-'
}

bool machine_name_is_valid(std::string_view name) { return hostname_is_valid(name); }

std::string machine_name_from_path(std::string_view dir) {
    while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
    auto slash = dir.rfind('/');
    std::string_view base = slash == std::string_view::npos ? dir : dir.substr(slash + 1);

    std::string out;
    bool dot = true, hyphen = true;
    for (char c : base) {
        if (out.size() >= kHostNameMax) break;
        if (c == '.') {
            if (dot || hyphen) continue;
            out += '.';
            dot = true;
            hyphen = false;
        } else if (c == '-') {
            if (dot) continue;
            out += '-';
            dot = false;
            hyphen = true;
        } else if (is_ldh_char(c)) {
            out += c;
            dot = false;
            hyphen = false;
        }
    }
    while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
    return out;
}

bool ifname_is_valid(std::string_view s) {
    if (s.empty() || s.size() > kIfNameMax) return false;
    if (s == "." || s == ".." || s == "all" || s == "default") return false;
    bool numeric = true;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u >= 127 || u <= 32) return false;
        // '%' too: the kernel reads it as a name template ("eth%d").
        if (c == ':' || c == '/' || c == '%') return false;
        if (c < '0' || c > '9') numeric = false;
    }
    return !numeric;
}

bool env_name_is_valid(std::string_view s) {
    if (s.empty()) return false;
    if (s.front() >= '0' && s.front() <= '9') return false;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace spawn
