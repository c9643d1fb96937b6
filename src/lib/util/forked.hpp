// forked: a function run in a forked child, what it writes to a pipe read
// back: for work that must happen in another process (in another namespace,
// or as another program) and report text.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace spawn {

struct ForkedOutput {
    std::string out;  // all it wrote to out_fd
    int status = 0;   // its wait status
    bool succeeded() const;  // exited with status 0
};

// Forks; the child runs fn(out_fd) and exits with its return value (fn may
// exec instead). Reads what the child writes to out_fd (at most max bytes;
// `what` names it in errors) until it ends, and reaps it.
Result<ForkedOutput> output_of_child(const std::function<int(int out_fd)>& fn, std::string_view what,
                                     size_t max = SIZE_MAX);

}  // namespace spawn
