// How journalctl 252 decides what of a journal field it can print, and how it
// prints it. Pure; the rules are systemd's (utf8.c, string-util.c,
// format-util.c, logs-show.c), checked byte for byte against journalctl in
// tests/integration/journal_modes_test.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace spawn::journal {

// Valid UTF-8 of Unicode scalar values that are not noncharacters, and no
// control characters: none of C0 but tab (and newline when allowed), no DEL,
// no C1. What systemd calls utf8_is_printable_newline().
bool is_printable(std::string_view s, bool allow_newline = true);

// Tabs become eight spaces; colour sequences (ESC [ digits and ; ... m) and
// operating-system commands (ESC ] ... BEL) are removed; everything else,
// truncated sequences included, is kept.
std::string strip_tab_ansi(std::string_view s);

// A size as journalctl's "[N blob data]" shows it: "7B", "2.9K", "1.9M"
// (one decimal, truncated).
std::string format_bytes(uint64_t n);

// The lines of value, each ending in a newline, the lines after the first
// indented by indent spaces; an empty value is one empty line. (journalctl's
// print_multiline() with --full, which it uses by default.)
std::string indented_lines(std::string_view value, size_t indent);

}  // namespace spawn::journal
