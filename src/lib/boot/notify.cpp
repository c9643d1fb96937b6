#include "boot/notify.hpp"

#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/notify_socket.hpp"
#include "util/strings.hpp"

namespace spawn::boot {

NotifyMessage parse_notify(std::string_view d) {
    NotifyMessage m;
    for (const auto& line : str::split(d, '\n')) {
        if (line == "READY=1") m.ready = true;
        else if (line == "STOPPING=1") m.stopping = true;
        else if (line.rfind("STATUS=", 0) == 0) m.status = line.substr(7);
    }
    return m;
}

std::string forward_text(const NotifyMessage& m) {
    std::string out;
    if (m.ready) out += "READY=1\n";
    if (m.status) out += "STATUS=Container running: " + *m.status + "\n";
    return out;
}

Result<NotifyRelay> NotifyRelay::create() {
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return Error::errno_("creating the notify socket");
    UniqueFd ufd(fd);
    int one = 1;
    // SO_PASSCRED makes the kernel attach the sender's credentials; the
    // guest's messages are accepted from any process in the container.
    (void)::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    return NotifyRelay(std::move(ufd));
}

int NotifyRelay::bind_at(int fd, const char* path) {
    struct sockaddr_un sa = {};
    sa.sun_family = AF_UNIX;
    size_t len = ::strlen(path);
    if (len >= sizeof sa.sun_path) return -ENAMETOOLONG;
    ::memcpy(sa.sun_path, path, len);
    (void)::unlink(path);
    if (::bind(fd, reinterpret_cast<struct sockaddr*>(&sa),
               static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + len + 1)) < 0)
        return -errno;
    return 0;
}

Result<NotifyMessage> NotifyRelay::dispatch() {
    NotifyMessage merged;
    for (;;) {
        char buf[4096];
        ssize_t n = ::recv(fd_.get(), buf, sizeof buf - 1, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            return Error::errno_("reading the guest's notify socket");
        }
        NotifyMessage m = parse_notify(std::string_view(buf, static_cast<size_t>(n)));
        if (m.ready) {
            merged.ready = true;
            ready_ = true;
        }
        if (m.stopping) merged.stopping = true;
        if (m.status) merged.status = m.status;
        std::string fwd = forward_text(m);
        // A manager that went away is no reason to stop relaying (nor to log per datagram).
        if (!fwd.empty()) (void)notify_service_manager(fwd);
    }
    return merged;
}

}  // namespace spawn::boot
