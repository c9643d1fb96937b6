// The sealed helper's command line (NUL-separated), as it parses what spawn
// and mctl pass it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "container/helper_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> argv;
    std::string cur;
    for (size_t i = 0; i < size && argv.size() < 128; ++i) {
        if (data[i] == 0) {
            argv.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(static_cast<char>(data[i]));
        }
    }
    argv.push_back(cur);
    std::string error;
    (void)spawn::container::parse_exec_request(argv, &error);
    (void)spawn::container::parse_enter_request(argv, &error);
    return 0;
}
