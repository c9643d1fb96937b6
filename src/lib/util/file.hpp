// Whole-file reads of small text files (/proc, /etc, cgroupfs).
#pragma once

#include <string>

namespace spawn {

// The file's contents; "" when it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace spawn
