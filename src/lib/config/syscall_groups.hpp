// syscall_groups: systemd's named groups of system calls ("@mount",
// "@file-system", ... and "@known", every call systemd knows), as data
// generated from `systemd-analyze syscall-filter` of systemd 252
// (tools/gen-syscall-groups -> syscall_group_table.cpp), and their
// resolution to plain system call names (pure), and the check of a
// --system-call-filter item (which asks libseccomp about names outside the
// table). The filter itself is container/seccomp_plan.hpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace spawn {

struct SyscallGroup {
    std::string_view name;                      // "@mount"
    std::string_view description;               // as systemd-analyze prints it
    std::span<const std::string_view> members;  // system call names and nested "@group"s
};

// The generated table, in systemd-analyze's order (syscall_group_table.cpp).
std::span<const SyscallGroup> syscall_groups();
// "systemd 252 (252.39-1~deb12u2)": where the table came from.
std::string_view syscall_table_source();

// The group called `name` ("@mount"), or nullptr.
const SyscallGroup* find_syscall_group(std::string_view name);

// The system call names of a filter item: a group with its nested groups
// resolved, or a single name as it is. Sorted, unique. An unknown "@group"
// is an error naming it.
Result<std::vector<std::string>> resolve_syscall_item(std::string_view item);

// True when `name` (not a group) is a member of @known.
bool syscall_is_known(std::string_view name);

// The libseccomp architectures a container's filter covers on this machine:
// the native one and those it also runs (x86_64: x86 and x32; aarch64: arm).
std::vector<uint32_t> seccomp_filter_arches();

// One --system-call-filter item: "@group" must be one of systemd's groups, a
// name must be in systemd's table or known to libseccomp for one of
// seccomp_filter_arches(). The error says which and why (no option name).
Result<void> check_syscall_filter_item(std::string_view item);

}  // namespace spawn
