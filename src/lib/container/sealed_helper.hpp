// sealed_helper: spawn-helper (src/helper) as a sealed in-memory file. Every
// process of spawn or mctl that a machine could see, and every exec of a path
// the machine controls, goes through it: a memfd holding the helper's static
// image, sealed against writes, growth, shrinking and further seals, executed
// with execveat(AT_EMPTY_PATH). The machine can read that copy through
// /proc/PID/exe but never write it, and reaches no host binary or library
// through it (the runc CVE-2019-5736 class).
#pragma once

#include <string>
#include <vector>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

// A fresh sealed copy of the helper (close-on-exec; execveat still works for
// a static ELF image).
Result<UniqueFd> open_sealed_helper();

// The same for another embedded static image [begin, end) named name (spawn's
// monitor: spawn/monitor_stage.hpp). Its pages in the binary are given back.
Result<UniqueFd> open_sealed_image(const char* name, const unsigned char* begin, const unsigned char* end);

// For a forked child: execs the helper from fd with args (helper_args() of a
// request, argv[0] included) and envp. Returns only on failure, with errno set.
void exec_sealed_helper(int fd, const std::vector<std::string>& args, char* const* envp) noexcept;

// Size of the embedded image (for tests and debug output).
size_t sealed_helper_size();

}  // namespace spawn::container
