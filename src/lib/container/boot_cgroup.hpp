// The guest's /sys/fs/cgroup for -b. The container's leader is placed in its
// own cgroup (machine-NAME.scope) and gets a cgroup namespace, so every
// cgroup mount made inside shows that cgroup as the root, which the guest's
// systemd manages (delegation). Layouts:
//   unified (pure cgroup2, ordinary systemd hosts): cgroup2 on /sys/fs/cgroup, rw
//   hybrid (this machine: v1 controllers + cgroup2 at unified/): a tmpfs with
//     each v1 controller hierarchy read-only, name=systemd and unified/ rw,
//     joint controllers ("cpu,cpuacct") get per-controller symlinks, then the
//     tmpfs is made read-only
//   legacy (v1 only): as hybrid without unified/
// Planning is pure (unit-tested for every layout); mount_guest_cgroups()
// executes a plan.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace spawn::boot {

enum class CgroupLayout { Unified, Hybrid, Legacy };

struct CgroupMountStep {
    enum class Kind { Tmpfs, Cgroup1, Cgroup2, Symlink, RemountReadOnly } kind;
    std::string target;  // absolute, inside the container (/sys/fs/cgroup/...)
    std::string data;    // mount data: v1 controllers ("cpu,cpuacct", "none,name=systemd"); symlink target
    bool read_only = false;
};

// Host facts: the layout and the v1 hierarchies from /proc/self/cgroup
// ("N:controllers:path" lines; "0::" and name=systemd excluded by the planner).
struct CgroupHost {
    CgroupLayout layout = CgroupLayout::Unified;
    std::vector<std::string> v1_hierarchies;  // e.g. {"cpu", "memory", "cpu,cpuacct", "name=systemd"}
};

// Pure.
std::vector<CgroupMountStep> plan_guest_cgroups(const CgroupHost& host);

// Parses /proc/self/cgroup text into v1 hierarchy names. Pure.
std::vector<std::string> parse_proc_cgroup_hierarchies(std::string_view text);

// Detects this host's layout (statfs of /sys/fs/cgroup and /sys/fs/cgroup/unified)
// and reads /proc/self/cgroup.
Result<CgroupHost> detect_cgroup_host();

// Executes the plan under `root` (the tree's path in the child's mount
// namespace, before pivot_root; the child must already be in its cgroup
// namespace).
Result<void> mount_guest_cgroups(const std::string& root, const std::vector<CgroupMountStep>& plan);

std::string_view cgroup_layout_name(CgroupLayout l);

}  // namespace spawn::boot
