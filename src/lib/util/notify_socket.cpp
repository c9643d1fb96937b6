#include "util/notify_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "util/fd.hpp"

namespace spawn {

int notify_service_manager(std::string_view text) noexcept {
    const char* where = std::getenv("NOTIFY_SOCKET");
    if (!where || (where[0] != '/' && where[0] != '@')) return 0;
    struct sockaddr_un sa = {};
    sa.sun_family = AF_UNIX;
    const size_t len = std::strlen(where);
    if (len >= sizeof sa.sun_path) return -ENAMETOOLONG;
    std::memcpy(sa.sun_path, where, len);
    if (sa.sun_path[0] == '@') sa.sun_path[0] = '\0';
    const auto size = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + len + (where[0] == '/'));
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) return -errno;
    if (::sendto(fd.get(), text.data(), text.size(), MSG_NOSIGNAL, reinterpret_cast<struct sockaddr*>(&sa), size) < 0)
        return -errno;
    return 0;
}

}  // namespace spawn
