// spawn's command line (argv[0] added) through the real parser, for the unit tests.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "config/options.hpp"

namespace spawn::test {

inline Result<Config> parse_spawn_args(const std::vector<std::string>& args) {
    std::vector<std::string> storage{"spawn"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    return parse_spawn_options(static_cast<int>(storage.size()), argv.data());
}
inline Result<Config> parse_spawn_args(std::initializer_list<std::string> args) {
    return parse_spawn_args(std::vector<std::string>(args));
}

}  // namespace spawn::test
