// Forwards the terminal (or stdin/stdout pipes) to a pty master until the
// other side hangs up or the user presses Ctrl-] three times within a second.
#pragma once

#include <sys/types.h>

#include <string>

#include "util/result.hpp"

namespace spawn::mctl {

enum class ForwardEnd { Hangup, Escape };

// child: a process to reap when the pty hangs up (or -1); its exit status is
// stored in *status when it ends.
Result<ForwardEnd> forward_pty(int master, const std::string& machine, pid_t child = -1, int* status = nullptr);

// Counts Ctrl-] presses; true on the third within one second (pure, tested).
class EscapeDetector {
public:
    bool feed(const char* buf, size_t n, uint64_t now_usec);

private:
    int count_ = 0;
    uint64_t first_ = 0;
};

}  // namespace spawn::mctl
