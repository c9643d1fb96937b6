#include "child_report.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace spawn::mctl {

bool ChildReport::exited_with(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }

ChildReport collect_child(pid_t pid, UniqueFd read_end, size_t limit) {
    ChildReport r;
    char buf[4096];
    for (ssize_t n; (n = read(read_end.get(), buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        if (r.text.size() < limit) r.text.append(buf, std::min(static_cast<size_t>(n), limit - r.text.size()));
    }
    while (waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
    }
    return r;
}

}  // namespace spawn::mctl
