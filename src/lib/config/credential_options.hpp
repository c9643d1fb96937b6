// --set-credential=ID:VALUE and --load-credential=ID:PATH (nspawn 252). Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn {

// A credential name as systemd takes it: a valid file name (1-255 bytes, no
// '/', not "." or "..").
bool credential_id_valid(std::string_view id);

// Adds the credential to LIST; a duplicate ID is an error, as in nspawn.
Result<void> parse_set_credential(std::string_view arg, std::vector<CredentialSource>& list);
Result<void> parse_load_credential(std::string_view arg, std::vector<CredentialSource>& list);

// C escapes (\n, \t, \\, \", \xHH, \NNN octal, ...) resolved, as systemd's cunescape().
Result<std::string> c_unescape(std::string_view s);

}  // namespace spawn
