#include "spawn/stale_stage.hpp"

#include "container/lock.hpp"
#include "net/setup.hpp"
#include "util/log.hpp"

namespace spawn {

void clear_dead_machines_leftovers(const std::string& self) {
    for (const auto& machine : net::NetworkSetup::machines_with_port_rules()) {
        if (machine == self) continue;
        auto name = container::NameLock::acquire(machine);
        if (!name.ok()) continue;  // running, or starting
        if (auto r = net::NetworkSetup::remove_port_rules_of_dead(machine); !r.ok() && r.error().code() != EBUSY)
            log::warn("Leftovers of machine {}: {}", machine, r.error().message());
    }
}

}  // namespace spawn
