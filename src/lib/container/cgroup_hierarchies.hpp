// cgroup_hierarchies: which cgroup hierarchies a process belongs to and where
// they are mounted (pure parsers of /proc/self/mountinfo and /proc/PID/cgroup,
// unit-tested on sample text).
//
// Why every hierarchy matters: a container without a user namespace can mount
// any existing cgroup v1 hierarchy inside its cgroup namespace, and it sees the
// namespace's root there. If the container sits in the hierarchy's root
// cgroup, that root holds release_agent, which the kernel runs as host root
// (CVE-2022-0492 class). So the machine gets a cgroup of its own in every v1
// hierarchy; a hierarchy spawn cannot reach (not mounted in its mount
// namespace) is refused rather than left at its root.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace spawn::container {

// How the host's cgroup hierarchies are laid out (container/cgroup.hpp
// detects it with statfs).
enum class CgroupLayout {
    Unified,  // cgroup2 at /sys/fs/cgroup
    Hybrid,   // tmpfs at /sys/fs/cgroup, name=systemd (v1) at .../systemd, cgroup2 at .../unified
    Legacy,   // v1 only, name=systemd at /sys/fs/cgroup/systemd
};

// One cgroup or cgroup2 mount from mountinfo.
struct CgroupMount {
    std::string mount_point;
    std::string root;                      // the mount's root inside the hierarchy ("/": all of it)
    bool v2 = false;
    std::vector<std::string> controllers;  // v1: sorted controllers and name=NAME (super options)
    bool operator==(const CgroupMount&) const = default;
};

// One line of /proc/PID/cgroup: "ID:CONTROLLERS:PATH".
struct ProcCgroupLine {
    int id = 0;                            // 0: cgroup2
    std::vector<std::string> controllers;  // sorted; name=NAME included; empty for cgroup2
    std::string path;
    bool operator==(const ProcCgroupLine&) const = default;
};

// A hierarchy the machine gets a cgroup in.
struct CgroupHierarchy {
    std::string mount;                     // where it is mounted, e.g. /sys/fs/cgroup/cpu,cpuacct
    bool v2 = false;
    std::vector<std::string> controllers;  // v1: {"cpu", "cpuacct"}, {"name=systemd"}; cgroup2: {}
    bool has(std::string_view controller) const;
    // "cpu,cpuacct", "name=systemd", or "cgroup2".
    std::string name() const;
    bool operator==(const CgroupHierarchy&) const = default;
};

std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo);
std::vector<ProcCgroupLine> parse_proc_cgroup(std::string_view text);

// The hierarchies of a process (its /proc/PID/cgroup lines) with a mount of
// the whole hierarchy each (mounts below /sys/fs/cgroup preferred): name=systemd
// first, then cgroup2 (if mounted), then the other v1 hierarchies. A v1
// hierarchy with no such mount is an error naming it.
Result<std::vector<CgroupHierarchy>> match_cgroup_hierarchies(const std::vector<CgroupMount>& mounts,
                                                             const std::vector<ProcCgroupLine>& lines);

// The v1 hierarchies ("pids", "cpu,cpuacct", ...) in which a process (its
// /proc/PID/cgroup text) sits in the root cgroup.
std::vector<std::string> v1_root_hierarchies(std::string_view proc_pid_cgroup);

// Reads /proc/self/mountinfo and /proc/self/cgroup and matches them.
Result<std::vector<CgroupHierarchy>> discover_cgroup_hierarchies();

}  // namespace spawn::container
