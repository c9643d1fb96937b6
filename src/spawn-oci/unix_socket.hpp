// unix_socket: the AF_UNIX sockets spawn-oci talks through: the engine's
// --console-socket (a pty master goes there) and a supervisor's ctl.sock.
#pragma once

#include <sys/un.h>

#include <string>
#include <string_view>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::oci_runtime {

// PATH as an address; errors name WHAT.
Result<sockaddr_un> unix_address(const std::string& path, std::string_view what);
// A socket of TYPE (SOCK_STREAM, SOCK_SEQPACKET) connected to PATH.
Result<UniqueFd> connect_unix(const std::string& path, int type, std::string_view what);
// The pty master on an engine's console socket, as runc sends it: one
// message, the fd attached, a name as the data.
Result<void> send_console(int socket, int master);

}  // namespace spawn::oci_runtime
