// A file system made with the new mount API (fsopen, fsconfig, fsmount): a
// detached mount, attached later with move_mount() or used through its fd.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

// Makes a file system of type fstype with the options given as key/value
// ("" value: a flag option) and returns its detached mount with the
// MOUNT_ATTR_* attrs. what names it in errors ("--inaccessible=/x").
Result<UniqueFd> new_mount(const char* fstype, const std::vector<std::pair<std::string, std::string>>& options,
                           unsigned attrs, std::string_view what);

// A directory path that reaches fd's directory from this process
// (/proc/self/fd/N): how option strings name fds.
std::string fd_path(int fd);

}  // namespace spawn::container
