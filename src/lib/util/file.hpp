// Whole-file reads and one-value writes of small files (/proc, /etc,
// cgroupfs, files the container gets).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace spawn {

// The file's contents; "reading PATH: reason" when it cannot be read.
Result<std::string> read_file(const std::string& path);

// Everything left to read from fd (at most max bytes: more is EFBIG);
// errors name `what`.
Result<std::string> read_fd(int fd, std::string_view what, size_t max = SIZE_MAX);

// The file's contents, or "" when it cannot be read: only for files whose
// absence means "nothing there" (the procs of a cgroup that is gone, an
// optional configuration file).
std::string read_text_file(const std::string& path);

// Writes value with one write() (a cgroup or /proc file takes one value per
// write), opening path O_WRONLY|O_CLOEXEC|flags (mode for O_CREAT). A short
// write is an error. Messages name the path, and the value when it is short.
Result<void> write_file(const std::string& path, std::string_view value, int flags = 0, mode_t mode = 0644);

}  // namespace spawn
