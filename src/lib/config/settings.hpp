// Settings files: NAME.spawn / NAME.nspawn (systemd.nspawn(5) of systemd 252,
// man spawn.settings(5)) -> the settings they give, and how those meet the
// command line. Pure: the file's text comes in as a string
// (config/settings_load.hpp finds and reads it).
//
// Each key is given through the option that does the same thing
// (apply_long_option), so a key and its option share one parser and one set
// of checks: Hostname=x is --hostname=x, Bind=a:b is --bind=a:b. A file from
// an untrusted place (beside the tree, without --settings=trusted) cannot
// raise privilege: the keys that add a bind, a capability, a host interface,
// a user-namespace change, a resource limit and the like are ignored there,
// each with one warning naming the key and the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn {

struct SettingsFile {
    std::string path;                   // for messages
    bool trusted = false;
    Config values;                      // what the file gives (values.settings_mask: which settings)
    std::vector<std::string> warnings;  // one line each (unknown sections and keys, ignored untrusted keys)
};

// Parses TEXT, the content of the settings file PATH. Errors (one line,
// "PATH:LINE: ..."): a bad value (the option's own message), a line that is
// neither a [Section], a KEY=VALUE nor a comment, a file that is not text (a
// NUL byte, invalid UTF-8).
Result<SettingsFile> parse_settings_file(std::string_view text, std::string path, bool trusted);

// Merges FILE into CFG (the command line's), as systemd-nspawn's
// merge_settings(): each setting the file gives replaces the command line's
// unless the command line gave it too and OVERRIDE is false (--settings=yes
// and trusted). Capabilities add up either way, as nspawn's.
void merge_settings(Config& cfg, const SettingsFile& file, bool override);

// Splits a value into words at whitespace, with '…' and "…" quoting and
// backslash escapes (systemd's extract_first_word with EXTRACT_UNQUOTE), as
// Parameters= and Environment= take them.
Result<std::vector<std::string>> split_quoted_words(std::string_view s);

// The keys a settings file may hold, as "Section.Key" (for docs and tests).
std::vector<std::string> settings_file_keys();

}  // namespace spawn
