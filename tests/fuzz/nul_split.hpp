// The fuzz input as NUL-separated arguments (at most max of them), for the
// targets that parse a command line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

inline std::vector<std::string> nul_split(const uint8_t* data, size_t size, size_t max) {
    std::vector<std::string> out(1);
    for (size_t i = 0; i < size && out.size() <= max; ++i) {
        if (data[i] == 0) out.emplace_back();
        else out.back().push_back(static_cast<char>(data[i]));
    }
    if (out.size() > max) out.resize(max);
    return out;
}
