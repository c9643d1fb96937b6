// mctl's command line (machinectl's spellings), parsed with getopt_long:
// options anywhere, clustered short options, unambiguous abbreviations of
// long ones; for exec and shell, everything after the machine name belongs to
// the command (as machinectl shell). Pure: argv in, an Invocation or one
// error line out (unit-tested).
#pragma once

#include <string>
#include <vector>

#include "mctl.hpp"
#include "util/result.hpp"
#include "verbs.hpp"

namespace spawn::mctl {

struct Invocation {
    Options options;
    const Verb* verb = nullptr;       // the verb (list when none was given)
    std::vector<std::string> args;    // its arguments
    bool help = false;                // -h/--help: print help, nothing else
    bool version = false;             // --version
};

// getenv is passed in for -E VAR (the caller's value of VAR).
Result<Invocation> parse_mctl_args(const std::vector<std::string>& argv,
                                   const char* (*getenv_fn)(const char*) = nullptr);

}  // namespace spawn::mctl
