// boot: the glue between the spawn runtime (parent.cpp / child.cpp) and the
// boot modules (src/lib/boot/) for -b. The parent calls prepare_boot() before
// clone(): it checks the tree (os-release, init), plans --link-journal and
// makes its host half (links in the host's /var/log/journal, as host root),
// and creates the notify relay; the machine id is the start plan's.
// The child calls boot_child_setup() before pivot_root: the guest interface
// under /run/host, the notify socket, the journal link. The child's exec uses
// argv/env from here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "container/userns_plan.hpp"
#include "start/plan.hpp"
#include "boot/journal.hpp"
#include "boot/notify.hpp"
#include "util/result.hpp"

namespace spawn {

struct BootLaunch {
    std::string init;                 // e.g. /usr/lib/systemd/systemd (container path)
    std::string uuid;                 // the guest's machine id, dashed, for container_uuid=
    std::vector<std::string> argv;    // init + arguments after the directory
    std::vector<std::string> env;     // PID 1's environment
    std::optional<boot::NotifyRelay> relay;
    boot::JournalPlan journal;
};

// Parent, before clone(). users: the container's user namespace range, if any.
Result<BootLaunch> prepare_boot(const Config& cfg, const start::StartPlan& plan, const container::IdRange* users);

// Child, in the container's mount namespace after the mount plan (root = the
// tree's path there, /run already the container's tmpfs), before pivot_root.
Result<void> boot_child_setup(const BootLaunch& b, const std::string& root, int root_fd);
// Its guest interface half only (/run/host, the notify socket): with a user
// namespace the outer child binds the journal (apply_journal_guest) as host root.
Result<void> boot_guest_interface(const BootLaunch& b, const std::string& root);

}  // namespace spawn
