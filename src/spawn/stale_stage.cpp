#include "spawn/stale_stage.hpp"

#include <filesystem>
#include <set>

#include "container/lock.hpp"
#include "container/userns_plan.hpp"
#include "machined/ghost.hpp"
#include "net/setup.hpp"
#include "util/log.hpp"

namespace spawn {

namespace {

// The machines that may have died without tearing down: those with port
// rules, and those with a name lock file (a start's, running or dead).
std::set<std::string> machines_with_traces() {
    const auto ported = net::NetworkSetup::machines_with_port_rules();
    std::set<std::string> names(ported.begin(), ported.end());
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(container::kNameLockDir, ec)) {
        const std::string file = e.path().filename().string();
        if (file.ends_with(".lock")) names.insert(file.substr(0, file.size() - 5));
    }
    return names;
}

}  // namespace

void clear_dead_machines_leftovers(const std::string& self) {
    for (const auto& machine : machines_with_traces()) {
        if (machine == self) continue;
        // Each machine's leftovers under one hold of its name lock: its
        // release removes the lock file, the trace this start found.
        auto name = container::NameLock::acquire(machine);
        if (!name.ok()) continue;  // running, or starting
        if (auto r = machined::remove_dead_machines_leftovers(machine); !r.ok()) {
            // A container still dying (its cgroup not empty yet): the lock
            // file stays, and the next start or mctl verb clears the rest.
            name->keep_file();
            if (r.error().code() != EBUSY) log::warn("Leftovers of machine {}: {}", machine, r.error().message());
        }
    }
    // UID ranges whose machines died: their lock files, free now.
    container::remove_free_lock_files(container::kRangeLockDir);
}

}  // namespace spawn
