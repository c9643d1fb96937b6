// journalctl's output modes (-o), as journalctl 252 prints them: pure code
// from an entry to text. reader.cpp turns sd-journal entries into Entry.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace spawn::journal {

enum class Format {
    Short,
    ShortIso,
    ShortIsoPrecise,
    ShortPrecise,
    ShortMonotonic,
    ShortUnix,
    ShortFull,
    ShortDelta,
    WithUnit,
    Verbose,
    Export,
    Json,
    JsonPretty,
    JsonSse,
    JsonSeq,
    Cat,
};

Result<Format> parse_format(std::string_view name);
// Every mode's name, comma-separated, in journalctl's order.
std::string format_names();
// Modes that print "-- Boot ID --" between boots and "-- No entries --" for
// nothing: the ones meant to be read, not parsed.
bool is_for_reading(Format f);

// One entry as sd-journal hands it out.
struct Entry {
    std::string cursor;
    uint64_t realtime = 0;   // __REALTIME_TIMESTAMP, µs
    uint64_t monotonic = 0;  // __MONOTONIC_TIMESTAMP, µs
    std::string boot_id;     // 32 hex digits
    // In the entry's order, _BOOT_ID included; values are bytes, not text.
    std::vector<std::pair<std::string, std::string>> fields;
};

// Formats entries one after another; it keeps what short-delta and the boot
// separators need from the entry before.
class Formatter {
public:
    explicit Formatter(Format f, bool quiet = false) : format_(f), separators_(!quiet && is_for_reading(f)) {}
    std::string format(const Entry& e);

private:
    struct Shown {
        uint64_t realtime = 0, monotonic = 0;
        std::string boot_id;
    };
    std::string short_line(const Entry& e, const Shown& now) const;

    Format format_;
    bool separators_;
    std::string last_boot_;  // for the separators: the boot of the entry before
    Shown previous_;         // for short-delta
};

}  // namespace spawn::journal
