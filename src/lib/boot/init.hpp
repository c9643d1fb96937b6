// Checks a tree before booting it (-b): it must carry an os-release file and
// an init. Paths are resolved inside the tree (container/in_root.hpp).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace spawn::boot {

// Where an init is looked for, in order (as systemd-nspawn does).
inline constexpr const char* kInitCandidates[] = {
    "/usr/lib/systemd/systemd", "/lib/systemd/systemd", "/sbin/init"};

// Returns the first candidate that resolves, inside `root`, to an executable
// regular file (symlinks followed within the tree). The returned path is the
// candidate as seen in the container (e.g. "/sbin/init"), to exec after
// pivot_root. Error: "no init in TREE: tried ..." naming the candidates.
Result<std::string> find_init(const std::string& root);

// Requires /etc/os-release or /usr/lib/os-release inside `root` and returns
// the path found. Error names the tree and both paths.
Result<std::string> check_os_release(const std::string& root);

// Parses os-release text (KEY=VALUE, optional quotes, # comments). Pure.
std::map<std::string, std::string> parse_os_release(std::string_view text);

}  // namespace spawn::boot
