// Machine-id handling for -b, as systemd-nspawn does it: keep the tree's
// /etc/machine-id; when it is missing, empty or "uninitialized", the guest's
// systemd initialises it from container_uuid, which is --uuid or a random id.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn::boot {

struct MachineId {
    Uuid id{};                // the guest's machine id (also container_uuid=)
    bool from_tree = false;   // the tree had a valid /etc/machine-id
};

// Pure decision. tree_content: the tree's /etc/machine-id text (nullopt if
// missing). cli: --uuid. Refuses a --uuid that contradicts the tree's id.
Result<MachineId> decide_machine_id(const std::optional<std::string>& tree_content,
                                    const std::optional<Uuid>& cli, const Uuid& random);

// Reads root's /etc/machine-id (inside the tree) and decides (a random id
// from util/uuid when neither the tree nor --uuid gives one).
Result<MachineId> machine_id_for_tree(const std::string& root, const std::optional<Uuid>& cli);

}  // namespace spawn::boot
