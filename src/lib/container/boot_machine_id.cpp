#include "container/boot_machine_id.hpp"

#include <fcntl.h>
#include <sys/random.h>

#include <fstream>
#include <sstream>

#include "container/boot_paths.hpp"

namespace spawn::boot {

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}
}  // namespace

std::optional<Uuid> parse_id128(std::string_view s) { return parse_uuid_text(trim(s)); }

Uuid random_id128() {
    Uuid id{};
    size_t got = 0;
    while (got < id.size()) {
        ssize_t n = ::getrandom(id.data() + got, id.size() - got, 0);
        if (n > 0) got += static_cast<size_t>(n);
    }
    id[6] = static_cast<uint8_t>((id[6] & 0x0f) | 0x40);  // version 4
    id[8] = static_cast<uint8_t>((id[8] & 0x3f) | 0x80);  // variant
    return id;
}

Result<MachineId> decide_machine_id(const std::optional<std::string>& tree_content,
                                    const std::optional<Uuid>& cli, const Uuid& random) {
    std::optional<Uuid> tree;
    if (tree_content) {
        auto t = trim(*tree_content);
        if (!t.empty() && t != "uninitialized") {
            tree = parse_id128(t);
            if (!tree || *tree == Uuid{})
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

Result<MachineId> machine_id_for_tree(const std::string& root, const std::optional<Uuid>& cli) {
    UniqueFd root_fd = TRY(open_root(root));
    std::optional<std::string> content;
    auto r = read_in_root(root_fd.get(), "/etc/machine-id", 4096);
    if (r) {
        content = std::move(*r);
    } else if (r.error().code() != ENOENT) {
        return std::move(r).error().context(fmt::format("reading the machine id of {}", root));
    }
    return std::move(decide_machine_id(content, cli, random_id128())).context(root);
}

std::optional<Uuid> host_machine_id() {
    std::ifstream f("/etc/machine-id");
    std::stringstream ss;
    ss << f.rdbuf();
    if (!f) return std::nullopt;
    return parse_id128(ss.str());
}

}  // namespace spawn::boot
