// Where a stand-in leader (bus_fixture.hpp FakeLeader) must sit for
// systemd-machined to read its unit from /proc/PID/cgroup: the hierarchies
// systemd names units in. Pure cgroup2 (/sys/fs/cgroup is cgroup2): that one;
// hybrid: the name=systemd v1 hierarchy and the cgroup2 one at unified/;
// legacy: name=systemd only. The choice is a pure function of what is mounted
// where (unit-tested in tests/unit/cgroup_layout_test.cpp for every layout);
// probe_cgroup_mounts() reads those facts from this host with statfs().
#pragma once

#include <sys/vfs.h>

#include <string>
#include <vector>

namespace spawn::test {

struct CgroupMounts {
    bool root_is_cgroup2 = false;   // BASE itself is a cgroup2 mount
    bool systemd_is_v1 = false;     // BASE/systemd is a cgroup v1 mount (name=systemd)
    bool unified_is_cgroup2 = false;  // BASE/unified is a cgroup2 mount
};

inline std::vector<std::string> leader_hierarchies(const CgroupMounts& m,
                                                   const std::string& base = "/sys/fs/cgroup") {
    if (m.root_is_cgroup2) return {base};
    std::vector<std::string> out;
    if (m.systemd_is_v1) out.push_back(base + "/systemd");
    if (m.unified_is_cgroup2) out.push_back(base + "/unified");
    return out;
}

inline CgroupMounts probe_cgroup_mounts(const std::string& base = "/sys/fs/cgroup") {
    constexpr long kCgroup2Magic = 0x63677270, kCgroupMagic = 0x27e0eb;  // linux/magic.h
    auto magic = [](const std::string& p) -> long {
        struct statfs s;
        return statfs(p.c_str(), &s) == 0 ? static_cast<long>(s.f_type) : 0;
    };
    CgroupMounts m;
    m.root_is_cgroup2 = magic(base) == kCgroup2Magic;
    m.systemd_is_v1 = !m.root_is_cgroup2 && magic(base + "/systemd") == kCgroupMagic;
    m.unified_is_cgroup2 = !m.root_is_cgroup2 && magic(base + "/unified") == kCgroup2Magic;
    return m;
}

// This host's leader hierarchies.
inline std::vector<std::string> host_leader_hierarchies() { return leader_hierarchies(probe_cgroup_mounts()); }

}  // namespace spawn::test
