// boot: the glue between the spawn runtime (parent.cpp / child.cpp) and the
// boot modules (src/lib/container/boot_*.hpp) for -b. The parent calls
// prepare_boot() before clone(): it checks the tree (os-release, init),
// decides the machine id, plans --link-journal and creates the notify relay.
// The child calls boot_child_setup() before pivot_root: the guest interface
// under /run/host, the notify socket, the journal link. The child's exec uses
// argv/env from here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "boot/journal.hpp"
#include "boot/machine_id.hpp"
#include "boot/notify.hpp"
#include "util/result.hpp"

namespace spawn {

struct BootLaunch {
    std::string init;                 // e.g. /usr/lib/systemd/systemd (container path)
    boot::MachineId machine_id;       // the guest's id (also container_uuid)
    std::string uuid;                 // dashed form for container_uuid=
    std::vector<std::string> argv;    // init + arguments after the directory
    std::vector<std::string> env;     // PID 1's environment
    std::optional<boot::NotifyRelay> relay;
    boot::JournalPlan journal;
};

// Parent, before clone(). term: TERM for the guest; pipe: --console=pipe;
// listen_fds: LISTEN_FDS passed through.
Result<BootLaunch> prepare_boot(const Config& cfg, const std::string& root, const std::string& term, bool pipe,
                                int listen_fds);

// Child, in the container's mount namespace after the mount plan (root = the
// tree's path there, /run already the container's tmpfs), before pivot_root.
Result<void> boot_child_setup(const BootLaunch& b, const std::string& root);

}  // namespace spawn
