// The spawn command line: NUL-separated arguments after "spawn".
#include <getopt.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/options.hpp"
#include "nul_split.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> args = {"spawn"};
    for (auto& a : nul_split(data, size, 63)) args.push_back(std::move(a));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    opterr = 0;  // getopt's own complaints are not what is fuzzed
    auto cfg = spawn::parse_spawn_options(static_cast<int>(args.size()), argv.data());
    if (cfg.ok()) (void)spawn::validate_config(*cfg);
    return 0;
}
