// A frame on the parent/child sync socket, received by the real SyncChannel
// (a container that got hold of the socket could write anything there).
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

#include "container/sync.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto pair = spawn::container::SyncChannel::make_pair();
    if (!pair.ok()) return 0;
    auto& [a, b] = *pair;
    if (::send(a.fd(), data, size, MSG_NOSIGNAL) < 0) return 0;
    (void)b.wait(spawn::container::Barrier::HostReady);
    return 0;
}
