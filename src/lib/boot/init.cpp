#include "boot/init.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/in_root.hpp"
#include "util/strings.hpp"

namespace spawn::boot {

Result<std::string> find_init(const std::string& root) {
    UniqueFd root_fd = TRY(container::open_tree_root(root));
    std::vector<std::string> tried;
    for (const char* cand : kInitCandidates) {
        tried.emplace_back(cand);
        auto fd = container::open_in_root(root_fd.get(), cand, O_PATH);
        if (!fd) continue;
        struct stat st;
        if (::fstat(fd->get(), &st) < 0) continue;
        if (S_ISREG(st.st_mode) && (st.st_mode & 0111)) return std::string(cand);
    }
    return Error(ENOENT, fmt::format("{} has no init to boot (tried {}); install systemd in the tree or "
                                     "run a command without -b",
                                     root, str::join(tried, ", ")));
}

Result<std::string> check_os_release(const std::string& root) {
    UniqueFd root_fd = TRY(container::open_tree_root(root));
    for (const char* p : {"/etc/os-release", "/usr/lib/os-release"}) {
        auto fd = container::open_in_root(root_fd.get(), p, O_RDONLY);
        if (fd) {
            struct stat st;
            if (::fstat(fd->get(), &st) == 0 && S_ISREG(st.st_mode)) return std::string(p);
        }
    }
    return Error(ENOENT, fmt::format("{} does not look like an OS tree: neither /etc/os-release nor "
                                     "/usr/lib/os-release exists in it; refusing to boot it",
                                     root));
}

std::map<std::string, std::string> parse_os_release(std::string_view text) {
    std::map<std::string, std::string> out;
    for (const auto& raw : str::split(text, '\n')) {
        std::string_view line = raw;
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
            line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        auto eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;
        std::string key(line.substr(0, eq));
        std::string_view v = line.substr(eq + 1);
        std::string value;
        if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
            char q = v.front();
            v = v.substr(1, v.size() - 2);
            for (size_t i = 0; i < v.size(); ++i) {
                if (q == '"' && v[i] == '\\' && i + 1 < v.size()) ++i;
                value.push_back(v[i]);
            }
        } else {
            value = std::string(v);
        }
        out[key] = value;
    }
    return out;
}

}  // namespace spawn::boot
