#include "config/credential_options.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace spawn {

namespace {

Result<std::pair<std::string, std::string>> split_id(std::string_view option, std::string_view arg,
                                                     std::string_view what) {
    auto colon = arg.find(':');
    if (colon == std::string_view::npos)
        return Error::msg("Invalid {}: '{}' (expected ID:{})", option, arg, what);
    std::string id(arg.substr(0, colon));
    if (!credential_id_valid(id))
        return Error::msg("Invalid {}: '{}' (credential name '{}' is not a valid file name)", option, arg, id);
    return std::pair{id, std::string(arg.substr(colon + 1))};
}

Result<void> add(std::vector<CredentialSource>& list, CredentialSource c, std::string_view option) {
    if (std::any_of(list.begin(), list.end(), [&](const CredentialSource& o) { return o.id == c.id; }))
        return Error::msg("Invalid {}: duplicate credential '{}', refusing", option, c.id);
    list.push_back(std::move(c));
    return ok();
}

}  // namespace

bool credential_id_valid(std::string_view id) {
    return !id.empty() && id.size() <= 255 && id != "." && id != ".." && id.find('/') == std::string_view::npos &&
           id.find('\0') == std::string_view::npos;
}

Result<std::string> c_unescape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\') {
            out += s[i];
            continue;
        }
        if (++i >= s.size()) return Error::msg("a trailing backslash");
        char c = s[i];
        switch (c) {
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case '\\': case '"': case '\'': case ' ': out += c; break;
        case 'x': {
            int a = i + 1 < s.size() ? str::hex_value(s[i + 1]) : -1, b = i + 2 < s.size() ? str::hex_value(s[i + 2]) : -1;
            if (a < 0 || b < 0) return Error::msg("an invalid \\x escape");
            int v = a * 16 + b;
            if (v == 0) return Error::msg("a NUL byte (\\x00)");
            out += static_cast<char>(v);
            i += 2;
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                if (i + 2 >= s.size() || s[i + 1] < '0' || s[i + 1] > '7' || s[i + 2] < '0' || s[i + 2] > '7')
                    return Error::msg("an invalid octal escape");
                int v = (c - '0') * 64 + (s[i + 1] - '0') * 8 + (s[i + 2] - '0');
                if (v == 0 || v > 255) return Error::msg("an invalid octal escape");
                out += static_cast<char>(v);
                i += 2;
                break;
            }
            return Error::msg("an unknown escape \\{}", c);
        }
    }
    return out;
}

Result<void> parse_set_credential(std::string_view arg, std::vector<CredentialSource>& list) {
    auto [id, raw] = TRY(split_id("--set-credential", arg, "VALUE"));
    auto value = c_unescape(raw);
    if (!value) return Error::msg("Invalid --set-credential: '{}' ({} in the value)", arg, value.error().message());
    return add(list, CredentialSource{id, *value, ""}, "--set-credential");
}

Result<void> parse_load_credential(std::string_view arg, std::vector<CredentialSource>& list) {
    auto [id, path] = TRY(split_id("--load-credential", arg, "PATH"));
    if (path.empty()) return Error::msg("Invalid --load-credential: '{}' (empty path)", arg);
    return add(list, CredentialSource{id, "", path}, "--load-credential");
}

}  // namespace spawn
