#include "config/capabilities.hpp"

#include <sys/capability.h>

#include <cctype>

namespace spawn {

std::optional<int> capability_from_name(std::string_view name) {
    std::string s(name);
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s.rfind("cap_", 0) != 0) s = "cap_" + s;
    // Only names: libcap would also take a bare number.
    if (s.size() <= 4 || s.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos)
        return std::nullopt;
    cap_value_t v;
    if (cap_from_name(s.c_str(), &v) < 0 || v < 0 || v > CAP_LAST_CAP) return std::nullopt;
    return static_cast<int>(v);
}

std::string capability_name(int cap) {
    char* n = cap_to_name(static_cast<cap_value_t>(cap));
    if (!n) return std::to_string(cap);
    std::string s(n);
    cap_free(n);
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string capability_mask_names(uint64_t mask) {
    std::string out;
    for (int cap = 0; cap < 64; ++cap) {
        if (!(mask & cap_bit(cap))) continue;
        if (!out.empty()) out += ' ';
        out += capability_name(cap);
    }
    return out;
}

}  // namespace spawn
