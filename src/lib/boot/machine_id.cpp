#include "boot/machine_id.hpp"

#include <fcntl.h>


#include "container/in_root.hpp"

namespace spawn::boot {

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}
}  // namespace

Result<MachineId> decide_machine_id(const std::optional<std::string>& tree_content,
                                    const std::optional<Uuid>& cli, const Uuid& random) {
    std::optional<Uuid> tree;
    if (tree_content) {
        auto t = trim(*tree_content);
        if (!t.empty() && t != "uninitialized") {
            tree = parse_machine_id(t);
            if (!tree)
                return Error::msg("the tree's /etc/machine-id is not a valid machine id ('{}')", std::string(t));
        }
    }
    if (tree) {
        if (cli && *cli != *tree)
            return Error::msg("--uuid={} does not match the tree's /etc/machine-id ({}); empty the file "
                              "or drop --uuid",
                              uuid_to_string(*cli), uuid_to_string(*tree));
        return MachineId{*tree, true};
    }
    return MachineId{cli ? *cli : random, false};
}

Result<std::optional<std::string>> read_tree_machine_id(int root_fd) {
    auto r = container::read_in_root(root_fd, "/etc/machine-id", 4096);
    if (r) return std::optional<std::string>(std::move(*r));
    if (r.error().code() == ENOENT) return std::optional<std::string>();
    return std::move(r).error().context("reading the tree's machine id");
}

}  // namespace spawn::boot
