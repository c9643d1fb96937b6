// mctl's verbs, one table (as machinectl's verbs[]): name, argument counts,
// handler, and how the command line after the verb is read.
#pragma once

#include <climits>
#include <string_view>

#include "mctl.hpp"

namespace spawn::mctl {

struct Verb {
    const char* name;
    int min_args;          // positional arguments after the verb
    int max_args;          // kMany: unlimited
    Handler fn;
    bool raw_after_name;   // options after the machine name belong to the command (exec, shell)
    bool needs_root;
};

inline constexpr int kMany = INT_MAX;

// The verb called name, or nullptr.
const Verb* find_verb(std::string_view name);
// The verb run without one (list).
const Verb& default_verb();

}  // namespace spawn::mctl
