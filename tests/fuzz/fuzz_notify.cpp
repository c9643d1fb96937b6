// An sd_notify datagram a guest sends to spawn's relay (a guest is hostile).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "boot/notify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto m = spawn::boot::parse_notify(std::string_view(reinterpret_cast<const char*>(data), size));
    (void)spawn::boot::forward_text(m);
    return 0;
}
