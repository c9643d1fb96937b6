#include "container/console.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "container/in_root.hpp"
#include "container/mount.hpp"

namespace spawn::container {

ConsoleMode resolve_console_mode(std::optional<ConsoleMode> requested, bool stdin_tty, bool stdout_tty, bool boot) {
    if (requested && *requested != ConsoleMode::Autopipe) return *requested;
    if (stdin_tty && stdout_tty) return ConsoleMode::Interactive;
    return boot && !requested ? ConsoleMode::ReadOnly : ConsoleMode::Pipe;
}

bool console_uses_pty(ConsoleMode mode) { return mode != ConsoleMode::Pipe && mode != ConsoleMode::Autopipe; }

Result<std::pair<UniqueFd, UniqueFd>> open_container_pty(int root_fd) {
    UniqueFd master(openat2_in_root(root_fd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY, /*no_symlinks=*/true));
    if (!master) return Error::errno_("opening the container's /dev/pts/ptmx");
    int unlock = 0;
    if (ioctl(master.get(), TIOCSPTLCK, &unlock) < 0) return Error::errno_("unlocking the container pty");
    unsigned int n = 0;
    if (ioctl(master.get(), TIOCGPTN, &n) < 0) return Error::errno_("reading the container pty number");
    UniqueFd slave(ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) return Error::errno_("opening the container pty peer");
    MountStep s;
    s.kind = StepKind::Bind;
    s.source = "/dev/pts/" + std::to_string(n);
    s.source_in_root = true;
    s.target = "/dev/console";
    s.flags = MS_BIND;
    s.no_symlinks = true;
    s.create_file = true;
    TRY_CTX(apply_step(root_fd, s), "binding the pty over /dev/console");
    return std::make_pair(std::move(master), std::move(slave));
}

}  // namespace spawn::container
