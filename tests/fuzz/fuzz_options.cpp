// The spawn command line: NUL-separated arguments after "spawn".
#include <getopt.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> args = {"spawn"};
    std::string cur;
    for (size_t i = 0; i < size && args.size() < 64; ++i) {
        if (data[i] == 0) {
            args.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(static_cast<char>(data[i]));
        }
    }
    if (!cur.empty()) args.push_back(cur);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    opterr = 0;  // getopt's own complaints are not what is fuzzed
    auto cfg = spawn::parse_spawn_options(static_cast<int>(args.size()), argv.data());
    if (cfg.ok()) (void)spawn::validate_config(*cfg);
    return 0;
}
