// seccomp_cache: compiled container filters kept in /run/spawn/seccomp, one
// file per plan. libseccomp needs ~8 ms to compile nspawn's allow list for
// three architectures, more than the rest of a container start together; a
// start whose plan was compiled before (since boot) loads the BPF programs
// from the file instead, in microseconds.
//
// A file is trusted only when it is a regular file owned by root and
// writable by root alone, in a directory that is, and carries the plan's whole
// key (every allowed and denied name, the ioctl and audit rules, the
// architectures, libseccomp's version), not just its hash: anything else is
// compiled afresh and the file replaced (written to a new name, renamed over).
#pragma once

#include <string>

#include "container/seccomp.hpp"
#include "container/seccomp_plan.hpp"
#include "util/result.hpp"

namespace spawn::container {

inline constexpr const char* kSeccompCacheDir = "/run/spawn/seccomp";

// The plan's key text: the exact inputs of the compiled programs. Pure.
std::string seccomp_cache_key(const SeccompPlan& plan);

// The name and the text of the cache file for plan's compiled programs (for
// tests that plant one).
std::string seccomp_cache_file_name(const SeccompPlan& plan);
std::string seccomp_cache_file_text(const SeccompPlan& plan, const CompiledSeccomp& compiled);

// compile_seccomp(plan), from the cache in dir when it holds this plan. A
// cache that cannot be read or written only costs the compile time (one
// debug line), never a start.
Result<CompiledSeccomp> compile_seccomp_cached(const SeccompPlan& plan, const std::string& dir = kSeccompCacheDir);

}  // namespace spawn::container
