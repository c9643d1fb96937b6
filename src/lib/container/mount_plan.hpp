// mount_plan: the pure half of the container's file system set-up. From a
// Config and a few facts about the host (cgroup layout, whether a console pty
// will exist), plan_mounts() returns the ordered list of steps that turn a
// directory tree into the container's root. The executor (mount.hpp) walks the
// list inside the child's mount namespace; nothing here touches the kernel, so
// the plan is unit-tested without root.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "container/cgroup_hierarchies.hpp"

namespace spawn::container {

enum class StepKind {
    Mount,      // mount a file system (fstype, source, flags, data) on target
    Bind,       // bind-mount source (host path, or in-root path if source_in_root) on target
    MakeDir,    // mkdir -p target (mode)
    MakeNode,   // mknod target (mode incl. S_IFCHR, dev)
    Symlink,    // symlink target -> source
    RemountRo,  // make the mount at target read-only (flags of the mount kept)
    Inaccessible,  // --inaccessible: an empty, mode 000, read-only node of target's type over it
    Overlay,    // --overlay(-ro): an overlay of lowers (and upper) on target
};

struct MountStep {
    StepKind kind = StepKind::Mount;
    std::string source;            // fs source name, bind source, or symlink contents
    std::string target;            // absolute path inside the new root
    std::string fstype;            // Mount
    unsigned long flags = 0;       // MS_* for Mount / Bind (MS_REC for recursive binds)
    std::string data;              // mount data (Mount)
    bool read_only = false;        // Mount / Bind: made read-only right after mounting
    bool read_write = false;       // Bind: made writable (a writable hole in a read-only tree)
    bool source_in_root = false;   // Bind: source resolved inside the new root, not on the host
    bool no_symlinks = false;      // resolve target without following any symlink (proc, sys, dev)
    bool optional = false;         // a missing source/target is skipped, not an error
    bool create_file = false;      // Bind: create the target as a file (not a directory) if missing
    std::vector<std::string> lowers;  // Overlay: bottom first; host paths, or "+/path" in the root
    std::string upper;             // Overlay (not read_only): the writable layer; "" a tmpfs of its own
    mode_t mode = 0;               // MakeDir / MakeNode
    dev_t dev = 0;                 // MakeNode
    uid_t uid = 0;                 // MakeNode: its owner
    gid_t gid = 0;
    bool host_prepared = false;    // Bind (user namespace): the outer child clones the source's
                                   // mount as host root first, idmapped and read-only as asked
                                   // (prepared_binds() lists them, in order)
    BindIdmap idmap = BindIdmap::None;  // host_prepared: idmapped so
    bool inner = false;            // user namespace: a file system of the container's own
                                   // namespaces (proc, sysfs, devpts, mqueue, /dev/shm),
                                   // mounted by the container itself; the rest is mounted
                                   // by the outer child as host root, and locked
    bool in_cgroupns = false;      // needs the container's cgroup namespace: applied after the
                                   // child joined its cgroup and unshared (the cgroup mounts)

    bool operator==(const MountStep&) const = default;
};

struct MountFacts {
    CgroupLayout cgroup = CgroupLayout::Unified;
    bool console_pty = false;  // /dev/console will be the pty (created by the child, bound later)
    // The container has its own user namespace: the steps of its own
    // namespaces' file systems are inner, the rest outer (see MountStep);
    // without a private network namespace /sys is the host's, bound
    // read-only (a sysfs mount needs a network namespace of its own).
    bool userns = false;
    // With it, an OCI bundle's joined namespaces (CLONE_NEWIPC, CLONE_NEWPID):
    // theirs are the host's user namespace's, so their file systems (mqueue;
    // proc and its masks) are outer too, mounted by the outer child in them.
    int joined = 0;
    bool tty_group_mapped = true;  // GID 5 exists in the container (devpts gid=5)
    // --bind-user: host home -> /run/host/home/USER, bound like a --bind.
    std::vector<std::pair<std::string, std::string>> user_homes;
    // -L: the SELinux label of the API file systems (/dev, /dev/shm,
    // /dev/pts, /dev/mqueue, /run, /tmp): context="LABEL" in their options.
    std::string apifs_label;
};

// Paths masked inside /proc (bind-mounted over with /dev/null, read-only).
inline constexpr const char* kMaskedProcFiles[] = {
    "/proc/kallsyms", "/proc/kcore", "/proc/keys", "/proc/sysrq-trigger", "/proc/timer_list",
};
// Subtrees of /proc made read-only (as nspawn does).
inline constexpr const char* kReadOnlyProcDirs[] = {
    "/proc/sys", "/proc/acpi", "/proc/bus", "/proc/fs", "/proc/irq",
};

std::vector<MountStep> plan_mounts(const Config& cfg, const MountFacts& facts);

// The Bind steps whose source the host prepares, in plan order.
std::vector<MountStep> prepared_binds(const std::vector<MountStep>& plan);

// User namespace: the steps with inner == inner and !in_cgroupns, in order.
std::vector<MountStep> userns_part(const std::vector<MountStep>& plan, bool inner);

// The steps of plan with in_cgroupns == cgroupns, in order.
std::vector<MountStep> plan_part(const std::vector<MountStep>& plan, bool cgroupns);

// Human-readable one-line form of a step (debug output, test failure messages).
std::string describe(const MountStep& step);

}  // namespace spawn::container
