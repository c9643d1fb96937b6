#include "spawn-oci/unix_socket.hpp"

#include <sys/socket.h>

#include <cstring>

#include "util/fdio.hpp"

namespace spawn::oci_runtime {

Result<sockaddr_un> unix_address(const std::string& path, std::string_view what) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path) return Error::msg("{} {}: path too long", what, path);
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    return a;
}

Result<UniqueFd> connect_unix(const std::string& path, int type, std::string_view what) {
    auto a = TRY(unix_address(path, what));
    UniqueFd s(socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
    if (!s) return Error::errno_("{}: socket", what);
    if (connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0)
        return Error::errno_("{} {}: connecting", what, path);
    return s;
}

Result<void> send_console(int socket, int master) {
    const char name[] = "/dev/console";
    if (send_with_fd(socket, name, sizeof name - 1, master) < 0)
        return Error::errno_("--console-socket: sending the console");
    return ok();
}

}  // namespace spawn::oci_runtime
