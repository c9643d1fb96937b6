#include "container/syscall_groups.hpp"

#include <algorithm>

namespace spawn::container {
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

}  // namespace spawn::container
