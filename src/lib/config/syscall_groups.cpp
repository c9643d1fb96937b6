#include "config/syscall_groups.hpp"

#include <algorithm>

#include <seccomp.h>

namespace spawn {
namespace {

// Appends the names of `item` to out; `depth` guards against a cycle in the
// table (systemd's groups nest at most two levels deep).
Result<void> collect(std::string_view item, std::vector<std::string>& out, int depth) {
    if (!item.starts_with('@')) {
        out.emplace_back(item);
        return ok();
    }
    const SyscallGroup* g = find_syscall_group(item);
    if (!g) return Error::msg("unknown system call group '{}'", item);
    if (depth > 8) return Error::msg("system call group '{}' nests too deeply", item);
    for (std::string_view m : g->members) TRY(collect(m, out, depth + 1));
    return ok();
}

}  // namespace

const SyscallGroup* find_syscall_group(std::string_view name) {
    for (const auto& g : syscall_groups())
        if (g.name == name) return &g;
    return nullptr;
}

Result<std::vector<std::string>> resolve_syscall_item(std::string_view item) {
    std::vector<std::string> out;
    TRY(collect(item, out, 0));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

bool syscall_is_known(std::string_view name) {
    static const std::vector<std::string> known = [] {
        auto r = resolve_syscall_item("@known");
        return r.ok() ? std::move(*r) : std::vector<std::string>{};
    }();
    return std::binary_search(known.begin(), known.end(), name);
}

std::vector<uint32_t> seccomp_filter_arches() {
    uint32_t native = seccomp_arch_native();
    std::vector<uint32_t> arches{native};
    if (native == SCMP_ARCH_X86_64) {
        arches.push_back(SCMP_ARCH_X86);
        arches.push_back(SCMP_ARCH_X32);
    } else if (native == SCMP_ARCH_AARCH64) {
        arches.push_back(SCMP_ARCH_ARM);
    }
    return arches;
}

Result<void> check_syscall_filter_item(std::string_view item) {
    if (item.starts_with('@')) {
        if (!find_syscall_group(item))
            return Error::msg("unknown system call group '{}'; the groups are those of `systemd-analyze syscall-filter`",
                              item);
        return ok();
    }
    if (syscall_is_known(item)) return ok();
    std::string name(item);
    for (uint32_t arch : seccomp_filter_arches())
        if (seccomp_syscall_resolve_name_arch(arch, name.c_str()) != __NR_SCMP_ERROR) return ok();
    return Error::msg("unknown system call '{}'", item);
}

}  // namespace spawn
