// sync_frame: the wire format of the parent/child sync channel (sync.hpp),
// on its own so the sealed helper (src/helper), which reports a failed exec
// on the same socket, writes exactly what SyncChannel reads. Header-only,
// libc and the standard library only.
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace spawn::container {

enum : uint32_t { kFrameBarrier = 1, kFrameError = 2 };

struct FrameHeader {
    uint32_t kind;     // kFrameBarrier or kFrameError
    uint32_t barrier;  // Barrier number (kFrameBarrier)
    int32_t code;      // errno value (kFrameError)
    uint32_t len;      // bytes of message after the header
};

inline constexpr size_t kMaxFrameMessage = 4000;

// Fills buf (at least sizeof(FrameHeader) + kMaxFrameMessage bytes) with a
// frame; returns its length. The message is cut at kMaxFrameMessage.
inline size_t encode_frame(char* buf, FrameHeader h, std::string_view message) {
    h.len = static_cast<uint32_t>(std::min(message.size(), kMaxFrameMessage));
    std::memcpy(buf, &h, sizeof h);
    if (h.len > 0) std::memcpy(buf + sizeof h, message.data(), h.len);  // data() may be null when empty
    return sizeof h + h.len;
}

// Sends an error frame on a SOCK_SEQPACKET socket (best effort, no SIGPIPE).
inline void send_error_frame(int sock, int code, std::string_view message) noexcept {
    char buf[sizeof(FrameHeader) + kMaxFrameMessage];
    size_t n = encode_frame(buf, FrameHeader{kFrameError, 0, code, 0}, message);
    while (::send(sock, buf, n, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

}  // namespace spawn::container
