#include "util/forked.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "util/fd.hpp"
#include "util/file.hpp"

namespace spawn {

bool ForkedOutput::succeeded() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

Result<ForkedOutput> output_of_child(const std::function<int(int out_fd)>& fn, std::string_view what, size_t max) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) return Error::errno_("pipe");
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    const pid_t pid = fork();
    if (pid < 0) return Error::errno_("fork");
    if (pid == 0) _exit(fn(write_end.get()));
    write_end.reset();
    auto out = read_fd(read_end.get(), what, max);
    ForkedOutput r;
    while (waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
    }
    if (!out.ok()) return std::move(out).error();
    r.out = std::move(*out);
    return r;
}

}  // namespace spawn
