#include "config/path_args.hpp"

#include <unistd.h>

#include "config/options.hpp"
#include "util/strings.hpp"

namespace spawn {

bool has_dotdot_component(std::string_view p) {
    for (const auto& part : str::split(p, '/'))
        if (part == "..") return true;
    return false;
}

Result<std::string> host_path_argument(std::string_view opt, std::string_view value) {
    if (value.empty()) return Error::msg("Invalid {}: '' (empty path)", opt);
    if (value.front() == '/') return path_simplify(value);
    char buf[4096];
    if (!getcwd(buf, sizeof buf)) return Error::errno_("{}: cannot make '{}' absolute", opt, value);
    return path_simplify(std::string(buf) + "/" + std::string(value));
}

bool container_path_ok(std::string_view p) {
    return !p.empty() && p.front() == '/' && !has_dotdot_component(p);
}

std::vector<std::string> split_colon_escaped(std::string_view s, size_t max) {
    std::vector<std::string> out;
    std::string cur;
    size_t i = 0;
    for (; i < s.size(); ++i) {
        if (max != 0 && out.size() + 1 == max) break;
        char c = s[i];
        if (c == '\\' && i + 1 < s.size()) {
            cur += s[++i];
        } else if (c == ':') {
            out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (max != 0 && out.size() + 1 == max && i < s.size()) {
        cur += std::string(s.substr(i));
    }
    out.push_back(std::move(cur));
    return out;
}

}  // namespace spawn
