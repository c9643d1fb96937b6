// host_facts: what spawn's start needs to know about the host and its own
// invocation, probed once per run of spawn (a guest's reboot reuses them) and
// handed to the pure planner (plan.hpp), which tests feed with made-up facts.
#pragma once

#include "container/bind_user.hpp"
#include "container/credentials.hpp"

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "container/cgroup_hierarchies.hpp"
#include "container/device_policy.hpp"
#include "container/etc_plan.hpp"
#include "container/payload.hpp"
#include "util/result.hpp"

namespace spawn::start {

struct HostFacts {
    container::CgroupLayout cgroup_layout = container::CgroupLayout::Unified;
    std::vector<container::CgroupHierarchy> cgroup_hierarchies;  // spawn's own, each mounted
    std::string cgroup2_root_controllers;  // /sys/fs/cgroup/cgroup.controllers (unified hosts)
    std::string own_cgroup_text;           // /proc/self/cgroup (for --keep-unit)
    bool systemd_booted = false;           // systemd is PID 1
    bool selinux_enabled = false;          // selinuxfs is mounted (/sys/fs/selinux/enforce): -Z and -L can apply
    bool stdin_tty = false, stdout_tty = false;
    std::string term;                      // $TERM ("" when unset)
    pid_t pid = 0;                         // spawn's PID (LISTEN_PID is checked against it)
    std::optional<std::string> listen_fds, listen_pid;  // $LISTEN_FDS, $LISTEN_PID
    container::DeviceFacts devices;        // /proc/devices and stat() of host paths
    container::RlimitFacts rlimits;        // PID 1's limits and nr_open (nspawn's default limits)
    container::EtcFacts etc;               // the host's resolv.conf and localtime (--resolv-conf, --timezone)
    std::vector<container::BoundUser> bound_users;  // --bind-user (resolve_bound_users, by the start)
    std::vector<container::Credential> credentials;  // --set/--load-credential (load_credentials, by the start)
};

// Probes this host. Errors name what could not be read (a cgroup v1
// hierarchy spawn cannot place a container in is one).
Result<HostFacts> probe_host();

}  // namespace spawn::start
