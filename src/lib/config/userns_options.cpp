#include "config/userns_options.hpp"

#include <cstdint>

#include "util/strings.hpp"

namespace spawn {
namespace {

constexpr const char* kPrivateUsersRules = "expected yes, no, pick, identity or BASE[:COUNT]";

Result<uint32_t> parse_id(std::string_view whole, std::string_view part, const char* what) {
    auto v = str::parse_uint(part);
    if (!v || *v > 0xFFFFFFFEu)
        return Error::msg("Invalid --private-users: '{}' ({} '{}' is not a UID; {})", whole, what, part,
                          kPrivateUsersRules);
    return static_cast<uint32_t>(*v);
}

}  // namespace

Result<void> parse_private_users(std::string_view s, UserNamespace& out) {
    if (s == "pick") {
        out.mode = UserNsMode::Pick;
        return ok();
    }
    if (s == "identity") {
        out.mode = UserNsMode::Identity;
        return ok();
    }
    if (auto b = str::parse_bool(s)) {
        out.mode = *b ? UserNsMode::FromTree : UserNsMode::No;
        return ok();
    }
    if (s.empty()) return Error::msg("Invalid --private-users: '' ({})", kPrivateUsersRules);
    auto colon = s.find(':');
    uint32_t base = TRY(parse_id(s, s.substr(0, colon), "base"));
    uint32_t count = 65536;
    if (colon != std::string_view::npos) count = TRY(parse_id(s, s.substr(colon + 1), "count"));
    if (count == 0) return Error::msg("Invalid --private-users: '{}' (the range must hold at least one UID)", s);
    if (uint64_t{base} + count - 1 > 0xFFFFFFFEu)
        return Error::msg("Invalid --private-users: '{}' (the range ends beyond the last UID, 4294967294)", s);
    out.mode = UserNsMode::Fixed;
    out.base = base;
    out.count = count;
    return ok();
}

Result<UserNsOwnership> parse_private_users_ownership(std::string_view s) {
    if (s == "off") return UserNsOwnership::Off;
    if (s == "chown") return UserNsOwnership::Chown;
    if (s == "map") return UserNsOwnership::Map;
    if (s == "auto") return UserNsOwnership::Auto;
    return Error::msg("Invalid --private-users-ownership: '{}' (expected off, chown, map or auto)", s);
}

void apply_dash_u(UserNamespace& out) {
    out.mode = UserNsMode::Pick;
    out.ownership = UserNsOwnership::Auto;
}

UserNsOwnership effective_ownership(const UserNamespace& u) {
    if (u.ownership) return *u.ownership;
    return u.mode == UserNsMode::Pick ? UserNsOwnership::Auto : UserNsOwnership::Off;
}

Result<std::string> parse_bind_user(std::string_view s) {
    bool bad = s.empty() || s.size() > 255 || s.front() == '-';
    for (char c : s)
        if (static_cast<unsigned char>(c) <= 32 || c == '/' || c == ':' || c == ',' || c == 127) bad = true;
    if (bad) return Error::msg("Invalid --bind-user: '{}' (expected the name of a user on the host)", s);
    return std::string(s);
}

}  // namespace spawn
