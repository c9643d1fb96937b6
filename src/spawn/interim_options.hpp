// interim_options: see interim_options.cpp (removed when the options branch lands).
#pragma once

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn {
Result<Config> interim_parse(int argc, char* argv[]);
Result<void> interim_finalize(Config& c);
}  // namespace spawn
