// plan: spawn's start as data. From the Config, the host's facts and the
// tree's, plan_start() derives everything a start does, each fact once and
// here: the machine's identity, console, environment facts, namespaces,
// capabilities and system call filter, mounts, network, cgroups (who owns
// them, where, limits, device policy), registration. Pure: no kernel, no
// file system (unit-tested without root for every mode). The executor
// (src/spawn) walks it as a list of stages, each undone in reverse.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "boot/cgroup.hpp"
#include "config/config.hpp"
#include "config/derived.hpp"
#include "container/root_layer.hpp"
#include "container/cgroup_limits.hpp"
#include "container/cgroup_plan.hpp"
#include "container/credentials.hpp"
#include "container/device_policy.hpp"
#include "container/etc_plan.hpp"
#include "container/mount_plan.hpp"
#include "container/payload.hpp"
#include "container/seccomp_plan.hpp"
#include "container/userns_plan.hpp"
#include "machined/registration.hpp"
#include "machined/scope.hpp"
#include "net/plan.hpp"
#include "start/host_facts.hpp"
#include "util/result.hpp"
#include "util/uuid.hpp"

namespace spawn::start {

// What the tree stage found (container/tree.hpp checked it).
struct TreeFacts {
    std::string root;                        // the tree's resolved path
    std::optional<std::string> machine_id;   // its /etc/machine-id text, when it has one
    uid_t owner_uid = 0;                     // the owner of its root directory
    gid_t owner_gid = 0;                     //   (--private-users=yes and pick read it)
};

// Who makes and owns the container's cgroup.
enum class CgroupOwner {
    Spawn,     // no systemd as PID 1: machine.slice/machine-NAME.scope in every hierarchy, made by spawn
    Systemd,   // systemd as PID 1: the scope is asked of systemd after clone (StartTransientUnit)
    KeepUnit,  // --keep-unit under systemd: <unit>/payload, spawn itself in <unit>/supervisor
};

struct StartPlan {
    // Identity.
    std::string machine;
    std::string hostname;
    std::string root;               // the tree
    Uuid uuid{};                    // container_uuid= (with --boot: the guest's machine id)
    bool uuid_from_tree = false;    // --boot: the tree had a valid machine id

    // The payload's side.
    ConsoleMode console = ConsoleMode::Pipe;
    std::string term;               // TERM of the payload (the host's on a terminal, else vt220)
    int listen_fds = 0;             // LISTEN_FDS passed through (fds 3..)
    std::string selinux_label;      // -Z: the payload's SELinux label (the helper sets it for its exec)
    std::vector<container::Credential> credentials;  // at /run/host/credentials, $CREDENTIALS_DIRECTORY for PID 1
    container::ResolvConfPlan resolv_conf;  // --resolv-conf: the guest's /etc/resolv.conf
    container::TimezonePlan timezone;       // --timezone: the guest's /etc/localtime
    std::vector<std::string> warnings;      // printed by the start (one line each)
    int kill_signal = 0;            // sent to PID 1 on SIGTERM/SIGINT/SIGHUP/SIGQUIT
    NetNamespace netns = NetNamespace::Host;
    uint64_t clone_flags = 0;       // CLONE_NEW* of the container's first process
    // An engine's container (spawn-oci create): every process spawn clones is
    // its parent's child (CLONE_PARENT), so the engine's subreaper reaps the
    // container's init once spawn-oci create exits; it does not die with
    // spawn (no parent-death signal), and the payload waits for Go (sent at
    // spawn-oci start) whatever the console.
    bool detached = false;
    std::vector<JoinedNamespace> joined_namespaces;  // joined by the child (not in clone_flags)
    container::UsernsPlan userns;   // its user namespace (CLONE_NEWUSER), if any
    std::vector<container::BoundUser> bound_users;  // --bind-user: mapped, homes bound, userdb records
    uint64_t capabilities = 0;      // the bounding set
    container::SeccompPlan seccomp;
    container::PayloadPlan payload;  // rlimits, CPU affinity, personality, OOM score, no_new_privs, ambient caps
    container::RootLayer root_layer = container::RootLayer::Tree;  // -x, --volatile: what the root is made of
    bool writes_tree = true;        // the tree itself is written (no -x, --volatile, --read-only): locked exclusively
    std::vector<container::MountStep> mounts;
    net::NetPlan network;
    bool follow_guest_address = false;  // --port without --network-address: rules follow the guest's address

    // Cgroups.
    CgroupOwner cgroup_owner = CgroupOwner::Spawn;
    container::CgroupPlan cgroup;                    // Spawn, KeepUnit (the payload cgroup)
    std::optional<boot::KeepUnitCgroup> keep_unit;   // KeepUnit
    std::optional<machined::TransientScope> transient;  // Systemd (PIDs filled in after clone)
    container::CgroupLimits limits;                  // Spawn, KeepUnit
    container::DevicePolicy devices;

    // Registration with systemd-machined (leader and links filled in by the start).
    machined::RegistrationParams registration;
};

// random: the id the machine gets when neither --uuid nor the tree gives one.
Result<StartPlan> plan_start(const Config& cfg, const HostFacts& host, const TreeFacts& tree, const Uuid& random);

// LISTEN_FDS meant for this process (LISTEN_PID is spawn's PID, at most 1024
// descriptors), else 0. Pure.
int listen_fds_for(const HostFacts& host);

// How spawn ends once the container's PID 1 ended: how and status are the
// si_code (CLD_EXITED, CLD_KILLED, ...) and si_status of its death.
struct ExitDecision {
    int code = 0;            // spawn's exit status
    bool boot_again = false; // the guest rebooted (--boot without --keep-unit): start it again
    enum class Level { None, Info, Error } level = Level::None;
    std::string message;     // the line to print at that level
};
ExitDecision decide_exit(const Config& cfg, const StartPlan& plan, int how, int status);

}  // namespace spawn::start
