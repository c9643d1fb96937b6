// userns_options: parsing of -U, --private-users= and
// --private-users-ownership= with systemd-nspawn 252's meaning (pure).
#pragma once

#include <string_view>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn {

// no|yes|pick|identity|BASE[:COUNT] (and the other boolean spellings).
Result<void> parse_private_users(std::string_view s, UserNamespace& out);
// off|chown|map|auto
Result<UserNsOwnership> parse_private_users_ownership(std::string_view s);
// -U: pick with ownership auto (nspawn: when the kernel has user namespaces).
void apply_dash_u(UserNamespace& out);

// The ownership mode a start uses: the one given, else auto for pick and off
// for the rest, as nspawn.
UserNsOwnership effective_ownership(const UserNamespace& u);

// --bind-user=USER: a user name (checked against the host's users at start).
Result<std::string> parse_bind_user(std::string_view s);

}  // namespace spawn
