// run_program: a program run to its end with some bytes on its standard
// input and its output discarded, within a time limit: what the OCI hooks are
// (oci/hooks.hpp runs the runtime's on the host; the sealed helper runs
// startContainer's in the container). No fmt and no Result: the static
// helper links it too.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spawn {

struct ProgramEnd {
    enum class How { Exited, Signaled, TimedOut, NotRun };
    How how = How::NotRun;
    int value = 0;  // Exited: the status; Signaled: the signal; NotRun: the errno
    bool ok() const { return how == How::Exited && value == 0; }
};

// Forks, puts INPUT on the program's stdin (a socket: a program that does
// not read it neither blocks nor kills us), /dev/null on its stdout and
// stderr, an empty signal mask, and execs PATH with ARGV (argv[0] included;
// empty: PATH alone) and ENV (the whole environment). Waits for it, and
// SIGKILLs it after timeout_s seconds (0: no limit). 127 is what a failed
// exec exits with.
ProgramEnd run_program(const std::string& path, const std::vector<std::string>& argv,
                       const std::vector<std::string>& env, std::string_view input, int64_t timeout_s);

// "exited with status 3", "killed by signal 9", "timed out after 2 s",
// "could not be executed", "could not be started: <strerror>".
std::string describe(const ProgramEnd& end, int64_t timeout_s);

}  // namespace spawn
