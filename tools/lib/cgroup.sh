# tools/lib/cgroup.sh: source it. The cgroup hierarchies systemd names units
# in, where a process must sit for systemd-machined to see its unit
# (machine.slice/machine-NAME.scope), following the host's layout as
# tests/integration/cgroup_layout.hpp does for the tests:
#   pure cgroup2 (/sys/fs/cgroup is cgroup2)   /sys/fs/cgroup
#   hybrid                                     /sys/fs/cgroup/systemd /sys/fs/cgroup/unified
#   legacy                                     /sys/fs/cgroup/systemd
#
# cgroup_leader_roots_for ROOT_FS SYSTEMD_FS UNIFIED_FS [BASE]: the pure
#   choice from the filesystem types (as `stat -f -c %T` names them:
#   cgroup2fs, cgroupfs, tmpfs, ...), one directory a line.
# cgroup_leader_roots [BASE]: the same for this host (BASE: /sys/fs/cgroup).

cgroup_leader_roots_for() {
    local root_fs=$1 systemd_fs=$2 unified_fs=$3 base=${4:-/sys/fs/cgroup}
    if [ "$root_fs" = cgroup2fs ]; then
        echo "$base"
        return 0
    fi
    [ "$systemd_fs" = cgroupfs ] && echo "$base/systemd"
    [ "$unified_fs" = cgroup2fs ] && echo "$base/unified"
    return 0
}

_cgroup_fstype() { stat -f -c %T "$1" 2>/dev/null || echo none; }

cgroup_leader_roots() {
    local base=${1:-/sys/fs/cgroup}
    cgroup_leader_roots_for "$(_cgroup_fstype "$base")" "$(_cgroup_fstype "$base/systemd")" \
        "$(_cgroup_fstype "$base/unified")" "$base"
}
