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

// The text of the tree's /etc/machine-id (resolved inside the tree under
// root_fd); nullopt when it has none. For decide_machine_id().
Result<std::optional<std::string>> read_tree_machine_id(int root_fd);

}  // namespace spawn::boot
