#include "util/file.hpp"

#include <fstream>
#include <sstream>

namespace spawn {

std::string read_text_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace spawn
