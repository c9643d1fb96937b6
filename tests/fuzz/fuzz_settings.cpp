// A settings file (NAME.nspawn / NAME.spawn), trusted and not.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/settings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    for (bool trusted : {true, false}) (void)spawn::parse_settings_file(text, "/fuzz/x.nspawn", trusted);
    return 0;
}
