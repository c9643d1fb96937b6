// What a child process of mctl reports: the text it wrote to a pipe (its
// error message, gpgv's complaints) and how it exited (bind, pull).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "util/fd.hpp"

namespace spawn::mctl {

struct ChildReport {
    int status = 0;    // as waitpid() gives it
    std::string text;  // what the child wrote (at most the limit)
    bool exited_with(int code) const;
};

// Reads read_end to its end (the child and whatever it ran closed it), then
// reaps pid. The caller closed its own copy of the write end first.
ChildReport collect_child(pid_t pid, UniqueFd read_end, size_t limit = 65536);

}  // namespace spawn::mctl
