// Reading a machine's journal with sd-journal, as `journalctl -M NAME` does:
// the caller opens the machine's root directory (OpenMachineRootDirectory)
// and the journal files under it are read with SD_JOURNAL_OS_ROOT.
#pragma once

#include <functional>
#include <string>

#include "journal/format.hpp"
#include "util/result.hpp"

namespace spawn::journal {

struct Query {
    int lines = -1;          // last N entries; -1: all (10 with follow)
    bool follow = false;     // wait for new entries
    std::string unit;        // entries of this unit, matched as journalctl -u matches
    bool this_boot = false;  // only the newest boot in the journal
    Format format = Format::Short;
    bool quiet = false;      // no "-- Boot ID --" separators
};

// "foo" -> "foo.service"; names with a unit suffix are kept.
std::string unit_name(const std::string& u);

// Prints the entries of the journal found below root_fd to out_fd. Returns
// the number of entries read (follow runs until interrupted).
Result<size_t> print_journal(int root_fd, const Query& q, int out_fd = 1);
// Same, handing each formatted entry (newline included) to sink.
Result<size_t> read_journal(int root_fd, const Query& q, const std::function<Result<void>(const std::string&)>& sink);

}  // namespace spawn::journal
