// The processes of a machine, read from its cgroup: where the machine's unit
// cgroup is in each hierarchy, which processes it holds (for mctl status,
// terminate without systemd, exec joining the cgroup).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "util/result.hpp"

namespace spawn::machined {

// One hierarchy membership of a process: "/sys/fs/cgroup/systemd" +
// "/machine.slice/machine-x.scope/init.scope".
struct CgroupMembership {
    std::string mount;  // hierarchy mount point
    std::string path;   // path inside the hierarchy
    bool unified = false;
    bool named_systemd = false;
};

// Parses /proc/PID/cgroup into memberships (mount points under root).
Result<std::vector<CgroupMembership>> cgroups_of(pid_t pid, const std::string& root = "/sys/fs/cgroup");

// The machine's unit cgroup as a full path (name=systemd hierarchy if there
// is one, else the unified one): the leader's path cut after "/UNIT"; an
// error (ESRCH) when the leader is not in the unit's cgroup (gone, zombie, reused).
Result<std::string> machine_cgroup(pid_t leader, const std::string& unit);

// PIDs in a cgroup directory and all below it.
std::vector<pid_t> pids_below(const std::string& cgroup_dir);

// "├─123 /sbin/init" style tree of a cgroup, lines prefixed with `indent`.
std::string process_tree(const std::string& cgroup_dir, const std::string& indent);

// The command line of a process, arguments joined by spaces ("" if gone).
std::string cmdline_of(pid_t pid);

}  // namespace spawn::machined
