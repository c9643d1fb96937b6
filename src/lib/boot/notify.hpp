// sd_notify relay: the guest's PID 1 gets NOTIFY_SOCKET=/run/host/notify; the
// spawner owns that datagram socket (created before clone(), bound by the
// child inside the container's /run), reads READY=1 / STATUS= from it and
// forwards them to its own $NOTIFY_SOCKET (util/notify_socket.hpp), so Type=notify
// units (spawn@.service) see the guest come up, as with systemd-nspawn.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::boot {

struct NotifyMessage {
    bool ready = false;
    bool stopping = false;
    std::optional<std::string> status;
};

// Parses one datagram (newline-separated assignments). Pure.
NotifyMessage parse_notify(std::string_view datagram);
// The text forwarded to the spawner's own NOTIFY_SOCKET ("" for nothing). Pure.
std::string forward_text(const NotifyMessage& m);

class NotifyRelay {
public:
    // An unbound AF_UNIX datagram socket (close-on-exec, non-blocking).
    static Result<NotifyRelay> create();
    // The relay's socket, handed over (the lean monitor takes it from spawn).
    static NotifyRelay adopt(UniqueFd fd) { return NotifyRelay(std::move(fd)); }

    // Binds the relay's socket at `path` (the child does this in the
    // container's mount namespace, e.g. ROOT/run/host/notify before
    // pivot_root). Async-signal-safe enough for a clone()d child: no
    // allocation beyond the sockaddr. Returns -errno or 0.
    static int bind_at(int fd, const char* path);

    int fd() const { return fd_.get(); }

    // Reads every pending datagram, forwards READY=1 / STATUS= to the
    // spawner's NOTIFY_SOCKET (if any). Returns what was seen, merged
    // (ready true if any datagram had READY=1; the last STATUS).
    Result<NotifyMessage> dispatch();

    // Whether READY=1 was received so far.
    bool ready() const { return ready_; }

private:
    explicit NotifyRelay(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
    bool ready_ = false;
};

}  // namespace spawn::boot
