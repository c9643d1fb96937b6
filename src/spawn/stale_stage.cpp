#include "spawn/stale_stage.hpp"

#include <unistd.h>

#include <filesystem>

#include "container/lock.hpp"
#include "container/userns_plan.hpp"
#include "machined/ghost.hpp"
#include "machined/machine_state.hpp"
#include "net/setup.hpp"
#include "util/log.hpp"

namespace spawn {

namespace {

// Machines whose spawn was killed after it claimed the name: the name lock
// file is there, no one holds it. Their scope cgroups and state file go,
// then the lock file (as the release of the lock). Their registration stays
// for mctl or the next start of the name (it needs the bus).
void clear_dead_names(const std::string& self) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(container::kNameLockDir, ec)) {
        const std::string file = e.path().filename().string();
        if (!file.ends_with(".lock")) continue;
        const std::string machine = file.substr(0, file.size() - 5);
        if (machine == self) continue;
        auto name = container::NameLock::acquire(machine);
        if (!name.ok()) continue;  // running, or starting
        if (auto r = machined::remove_scope_cgroups(machine); !r.ok()) log::warn("Leftovers of machine {}: {}", machine, r.error().message());
        ::unlink(machined::machine_state_path(machine).c_str());
    }
}

}  // namespace

void clear_dead_machines_leftovers(const std::string& self) {
    for (const auto& machine : net::NetworkSetup::machines_with_port_rules()) {
        if (machine == self) continue;
        auto name = container::NameLock::acquire(machine);
        if (!name.ok()) continue;  // running, or starting
        if (auto r = net::NetworkSetup::remove_port_rules_of_dead(machine); !r.ok() && r.error().code() != EBUSY)
            log::warn("Leftovers of machine {}: {}", machine, r.error().message());
    }
    clear_dead_names(self);
    // UID ranges whose machines died: their lock files, free now.
    container::remove_free_lock_files(container::kRangeLockDir);
}

}  // namespace spawn
