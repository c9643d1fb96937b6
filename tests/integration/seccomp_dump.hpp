// The seccomp filters of a running process, read with
// PTRACE_SECCOMP_GET_FILTER (root, CONFIG_CHECKPOINT_RESTORE) and evaluated
// the way the kernel does, so two containers' filters can be compared system
// call by system call without making any of the calls.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace spawn::test {

using BpfProgram = std::vector<sock_filter>;

// Every filter of pid, the most recently installed first. Attaches with
// PTRACE_SEIZE, stops it, reads, detaches. Empty and *err set on failure.
std::vector<BpfProgram> dump_seccomp_filters(pid_t pid, std::string* err);

// The action the kernel takes for a system call (nr on audit arch `arch`,
// with args) under these filters: SECCOMP_RET_* with its data, e.g.
// SECCOMP_RET_ERRNO | EPERM. ~0u if a program is malformed.
uint32_t seccomp_verdict(const std::vector<BpfProgram>& filters, uint32_t arch, int nr,
                         const uint64_t (&args)[6]);

// "ALLOW", "ERRNO(EPERM)", "KILL_PROCESS", ...
std::string seccomp_verdict_name(uint32_t verdict);

}  // namespace spawn::test
