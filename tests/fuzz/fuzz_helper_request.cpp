// The sealed helper's command line (NUL-separated), as it parses what spawn
// and mctl pass it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "container/helper_protocol.hpp"
#include "nul_split.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto argv = nul_split(data, size, 128);
    std::string error;
    (void)spawn::container::parse_exec_request(argv, &error);
    (void)spawn::container::parse_enter_request(argv, &error);
    return 0;
}
