#include "container/sync.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstring>
#include <string>

#include "container/sync_frame.hpp"
#include "util/fdio.hpp"

namespace spawn::container {
namespace {

struct Frame {
    FrameHeader h{};
    std::string message;
    UniqueFd fd;
    bool eof = false;
};

Result<Frame> receive(int sock) {
    char buf[sizeof(FrameHeader) + kMaxFrameMessage];
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control{};
    struct iovec iov = {buf, sizeof buf};
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    ssize_t n;
    int resets = 0;
    for (;;) {
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (n >= 0 || errno == EINTR) {
            if (n >= 0) break;
            continue;
        }
        // A peer that exits with our frame unread makes the kernel report
        // ECONNRESET once; the frames it sent before are still queued.
        if (errno == ECONNRESET && resets++ < 2) continue;
        break;
    }
    if (n < 0 && errno == ECONNRESET) n = 0;  // the peer is gone: end of stream
    if (n < 0) return Error::errno_("reading from the sync socket");
    Frame f;
    f.fd.reset(received_fd(&msg));
    if (n == 0) {
        f.eof = true;
        return f;
    }
    if (static_cast<size_t>(n) < sizeof(FrameHeader)) return Error::msg("short frame on the sync socket");
    std::memcpy(&f.h, buf, sizeof f.h);
    size_t len = std::min<size_t>(f.h.len, static_cast<size_t>(n) - sizeof(FrameHeader));
    f.message.assign(buf + sizeof(FrameHeader), len);
    return f;
}

Result<void> send(int sock, const FrameHeader& h, std::string_view message, int pass_fd) {
    char buf[sizeof(FrameHeader) + kMaxFrameMessage];
    size_t n = encode_frame(buf, h, message);
    if (send_with_fd(sock, buf, n, pass_fd) < 0) return Error::errno_("writing to the sync socket");
    return ok();
}

}  // namespace

Result<std::pair<SyncChannel, SyncChannel>> SyncChannel::make_pair() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return Error::errno_("creating the sync socket pair");
    return std::make_pair(SyncChannel(UniqueFd(sv[0])), SyncChannel(UniqueFd(sv[1])));
}

Result<void> SyncChannel::signal(Barrier n, int pass_fd) {
    FrameHeader h{kFrameBarrier, static_cast<uint32_t>(n), 0, 0};
    auto sent = send(fd_.get(), h, {}, pass_fd);
    if (!sent.ok() && (sent.error().code() == EPIPE || sent.error().code() == ECONNRESET)) {
        // The peer failed and went away: its error frame is still queued.
        auto f = receive(fd_.get());
        if (f.ok() && !f->eof && f->h.kind == kFrameError) return Error(f->h.code, f->message);
        return Error(ECONNRESET, "the other side exited before barrier " + std::to_string(static_cast<uint32_t>(n)));
    }
    return sent;
}

Result<void> SyncChannel::wait(Barrier n, UniqueFd* received) {
    auto f = TRY(receive(fd_.get()));
    if (f.eof) return Error(ECONNRESET, "the other side exited before barrier " + std::to_string(static_cast<uint32_t>(n)));
    if (f.h.kind == kFrameError) return Error(f.h.code, f.message);
    if (f.h.kind != kFrameBarrier || f.h.barrier != static_cast<uint32_t>(n))
        return Error::msg("sync: expected barrier {}, got frame {}/{}", static_cast<uint32_t>(n), f.h.kind, f.h.barrier);
    if (received) *received = std::move(f.fd);
    return ok();
}

std::optional<Error> SyncChannel::pending_error() {
    struct pollfd p = {fd_.get(), POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return std::nullopt;
    auto f = receive(fd_.get());
    if (f.ok() && !f->eof && f->h.kind == kFrameError) return Error(f->h.code, f->message);
    return std::nullopt;
}

void SyncChannel::send_error(const Error& err) noexcept {
    FrameHeader h{kFrameError, 0, err.code(), 0};
    (void)send(fd_.get(), h, err.message(), -1);
}

Result<void> SyncChannel::wait_closed() {
    auto f = TRY(receive(fd_.get()));
    if (f.eof) return ok();
    if (f.h.kind == kFrameError) return Error(f.h.code, f.message);
    return Error::msg("sync: unexpected frame after the last barrier");
}

}  // namespace spawn::container
