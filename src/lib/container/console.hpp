// console: the container's pty and its forwarding to the host terminal.
// The pty is opened INSIDE the container (from its own devpts instance, by
// the child) and the master is passed to the parent over the sync socket.
// The parent forwards it (console_forward.hpp).
#pragma once

#include <optional>
#include <utility>

#include "config/config.hpp"
#include "container/console_forward.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

// Resolves --console: unset or autopipe -> interactive when stdin and stdout
// are terminals, pipe otherwise (nspawn 252 defaults to read-only there and
// then hangs on `echo x | systemd-nspawn ... cat`). Unset with --boot and no
// terminal -> read-only, as nspawn: a booting init reads nothing from stdin
// and writes its boot messages to /dev/console, which then reaches stdout.
ConsoleMode resolve_console_mode(std::optional<ConsoleMode> requested, bool stdin_tty, bool stdout_tty,
                                 bool boot = false);
// Whether the mode gives the container a pty (everything but pipe).
bool console_uses_pty(ConsoleMode mode);

// Child side: opens a new pty in the container's devpts (dev/pts/ptmx under
// root_fd), binds its peer over /dev/console. Returns {master, slave}.
Result<std::pair<UniqueFd, UniqueFd>> open_container_pty(int root_fd);

}  // namespace spawn::container
