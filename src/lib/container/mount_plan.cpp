#include "container/mount_plan.hpp"

#include <sched.h>

#include "util/strings.hpp"

#include "config/derived.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>

#include <fmt/format.h>

namespace spawn::container {
namespace {

constexpr unsigned long kNoSuidDevExec = MS_NOSUID | MS_NODEV | MS_NOEXEC;

MountStep fs(std::string fstype, std::string source, std::string target, unsigned long flags,
             std::string data) {
    MountStep s;
    s.kind = StepKind::Mount;
    s.fstype = std::move(fstype);
    s.source = std::move(source);
    s.target = std::move(target);
    s.flags = flags;
    s.data = std::move(data);
    s.no_symlinks = true;
    return s;
}

MountStep node(std::string target, unsigned maj, unsigned min) {
    MountStep s;
    s.kind = StepKind::MakeNode;
    s.target = std::move(target);
    s.mode = S_IFCHR | 0666;
    s.dev = makedev(maj, min);
    s.no_symlinks = true;
    return s;
}

MountStep dir(std::string target, mode_t mode) {
    MountStep s;
    s.kind = StepKind::MakeDir;
    s.target = std::move(target);
    s.mode = mode;
    s.no_symlinks = true;
    return s;
}

MountStep link(std::string target, std::string contents) {
    MountStep s;
    s.kind = StepKind::Symlink;
    s.target = std::move(target);
    s.source = std::move(contents);
    s.no_symlinks = true;
    return s;
}

// nspawn's caps on the container's tmpfs mounts (systemd's TMPFS_LIMITS_RUN
// and NESTED_TMPFS_LIMITS): without them each could fill the host's memory.
constexpr const char* kRunLimits = ",size=20%,nr_inodes=800k";
constexpr const char* kNestedLimits = ",size=10%,nr_inodes=400k";

void plan_dev(std::vector<MountStep>& out, const MountFacts& facts) {
    (void)facts;
    out.push_back(fs("tmpfs", "tmpfs", "/dev", MS_NOSUID | MS_STRICTATIME,
                     "mode=0755,size=4m,nr_inodes=64k"));
    struct Node {
        const char* path;
        unsigned maj, min;
    };
    for (Node n : {Node{"/dev/null", 1, 3}, Node{"/dev/zero", 1, 5}, Node{"/dev/full", 1, 7},
                   Node{"/dev/random", 1, 8}, Node{"/dev/urandom", 1, 9}, Node{"/dev/tty", 5, 0},
                   Node{"/dev/net/tun", 10, 200}}) {
        if (std::string_view(n.path) == "/dev/net/tun") out.push_back(dir("/dev/net", 0755));
        out.push_back(node(n.path, n.maj, n.min));
    }
    out.push_back(link("/dev/fd", "/proc/self/fd"));
    out.push_back(link("/dev/stdin", "/proc/self/fd/0"));
    out.push_back(link("/dev/stdout", "/proc/self/fd/1"));
    out.push_back(link("/dev/stderr", "/proc/self/fd/2"));
    out.push_back(link("/dev/ptmx", "pts/ptmx"));
    out.push_back(dir("/dev/pts", 0755));
    out.push_back(fs("devpts", "devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC,
                     facts.tty_group_mapped ? "newinstance,ptmxmode=0666,mode=620,gid=5"
                                            : "newinstance,ptmxmode=0666,mode=620"));
    out.push_back(dir("/dev/shm", 01777));
    out.push_back(fs("tmpfs", "tmpfs", "/dev/shm", MS_NOSUID | MS_NODEV | MS_STRICTATIME,
                     std::string("mode=1777") + kNestedLimits));
    out.push_back(dir("/dev/mqueue", 0755));
    out.push_back(fs("mqueue", "mqueue", "/dev/mqueue", kNoSuidDevExec, ""));
}

// PATH in the container bound read-only on itself (recursively), skipped
// when missing.
MountStep read_only_in_place(const std::string& path, bool no_symlinks) {
    MountStep s;
    s.kind = StepKind::Bind;
    s.source = path;
    s.target = path;
    s.source_in_root = true;
    s.flags = MS_BIND | MS_REC;
    s.read_only = true;
    s.no_symlinks = no_symlinks;
    s.optional = true;
    return s;
}

void plan_proc(std::vector<MountStep>& out, bool own_netns) {
    out.push_back(fs("proc", "proc", "/proc", kNoSuidDevExec, ""));
    for (const char* p : kReadOnlyProcDirs) out.push_back(read_only_in_place(p, true));
    if (own_netns) {
        // The container's own network stack: its sysctls are its business.
        MountStep s;
        s.kind = StepKind::Bind;
        s.source = "/proc/sys/net";
        s.target = "/proc/sys/net";
        s.source_in_root = true;
        s.flags = MS_BIND | MS_REC;
        s.read_write = true;
        s.no_symlinks = true;
        s.optional = true;
        out.push_back(std::move(s));
    }
    for (const char* p : kMaskedProcFiles) {
        MountStep s;
        s.kind = StepKind::Bind;
        s.source = "/dev/null";
        s.target = p;
        s.source_in_root = true;
        s.flags = MS_BIND;
        s.read_only = true;
        s.no_symlinks = true;
        s.optional = true;  // /proc/keys and /proc/kcore depend on the kernel config
        out.push_back(std::move(s));
    }
}

void plan_sys(std::vector<MountStep>& out, const MountFacts& facts, bool own_netns) {
    if (facts.userns && !own_netns) {
        MountStep s;
        s.kind = StepKind::Bind;
        s.source = "/sys";
        s.target = "/sys";
        s.flags = MS_BIND | MS_REC;
        s.read_only = true;
        s.no_symlinks = true;
        out.push_back(std::move(s));
        return;
    }
    out.push_back(fs("sysfs", "sysfs", "/sys", MS_RDONLY | kNoSuidDevExec, ""));
}

void plan_cgroup_mounts(std::vector<MountStep>& out, CgroupLayout layout) {
    size_t first = out.size();
    switch (layout) {
    case CgroupLayout::Unified:
        // The cgroup namespace makes the container's own cgroup the root; it
        // stays writable so the guest's init can create sub-cgroups.
        out.push_back(fs("cgroup2", "cgroup", "/sys/fs/cgroup", kNoSuidDevExec, ""));
        break;
    case CgroupLayout::Hybrid:
    case CgroupLayout::Legacy: {
        out.push_back(fs("tmpfs", "tmpfs", "/sys/fs/cgroup", kNoSuidDevExec, "mode=0755"));
        out.push_back(dir("/sys/fs/cgroup/systemd", 0755));
        out.push_back(fs("cgroup", "cgroup", "/sys/fs/cgroup/systemd", kNoSuidDevExec, "none,name=systemd"));
        if (layout == CgroupLayout::Hybrid) {
            out.push_back(dir("/sys/fs/cgroup/unified", 0755));
            out.push_back(fs("cgroup2", "cgroup", "/sys/fs/cgroup/unified", kNoSuidDevExec, ""));
        }
        MountStep ro;
        ro.kind = StepKind::RemountRo;
        ro.target = "/sys/fs/cgroup";
        ro.no_symlinks = true;
        out.push_back(std::move(ro));
        break;
    }
    }
    for (size_t i = first; i < out.size(); ++i) out[i].in_cgroupns = true;
}

std::vector<MountStep> plan_mounts_flat(const Config& cfg, const MountFacts& facts);

// The file systems of the container's own namespaces (user namespace:
// inner); JOINED namespaces' are not its own.
bool own_namespace_fs(const MountStep& s, int joined) {
    const bool own_pid = !(joined & CLONE_NEWPID);
    if (s.kind == StepKind::Mount)
        return (s.fstype == "proc" && own_pid) || s.fstype == "sysfs" || s.fstype == "devpts" ||
               (s.fstype == "mqueue" && !(joined & CLONE_NEWIPC)) || s.target == "/dev/shm";
    // proc's masks and read-only subtrees, and an OCI bundle's masked and
    // read-only paths in /proc and /sys
    bool api = (s.target.starts_with("/proc/") && own_pid) || s.target.starts_with("/sys/");
    return api && ((s.kind == StepKind::Bind && s.source_in_root) || s.kind == StepKind::Inaccessible);
}

}  // namespace

std::vector<MountStep> plan_mounts(const Config& cfg, const MountFacts& facts) {
    std::vector<MountStep> out = plan_mounts_flat(cfg, facts);
    if (facts.userns)
        for (auto& s : out) s.inner = own_namespace_fs(s, facts.joined) || s.in_cgroupns;
    return out;
}

std::vector<MountStep> userns_part(const std::vector<MountStep>& plan, bool inner) {
    std::vector<MountStep> out;
    for (const auto& s : plan)
        if (s.inner == inner && !s.in_cgroupns) out.push_back(s);
    return out;
}

namespace {

std::vector<MountStep> plan_mounts_flat(const Config& cfg, const MountFacts& facts) {
    std::vector<MountStep> out;
    plan_dev(out, facts);
    // An OCI bundle's linux.devices: its directories, then the node, owned as asked.
    for (const auto& d : cfg.device_nodes) {
        for (size_t at = d.path.find('/', 5); at != std::string::npos; at = d.path.find('/', at + 1))
            out.push_back(dir(d.path.substr(0, at), 0755));
        MountStep n = node(d.path, d.major, d.minor);
        n.mode = (d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR) | d.mode;
        n.uid = d.uid;
        n.gid = d.gid;
        out.push_back(std::move(n));
    }
    plan_proc(out, own_network(cfg.net));
    // A sysfs of its own needs a network namespace of its user namespace: a
    // joined one (--network-namespace-path) is the host's user namespace's.
    plan_sys(out, facts, net_namespace(cfg.net) == NetNamespace::Private);
    plan_cgroup_mounts(out, facts.cgroup);
    out.push_back(fs("tmpfs", "tmpfs", "/run", MS_NOSUID | MS_NODEV | MS_STRICTATIME, std::string("mode=0755") + kRunLimits));
    out.push_back(fs("tmpfs", "tmpfs", "/tmp", MS_NOSUID | MS_NODEV | MS_STRICTATIME, std::string("mode=1777") + kNestedLimits));
    if (!facts.apifs_label.empty())
        for (auto& st : out)
            if (st.kind == StepKind::Mount && (st.target == "/dev" || st.target == "/dev/shm" || st.target == "/dev/pts" ||
                                               st.target == "/dev/mqueue" || st.target == "/run" || st.target == "/tmp"))
                st.data += (st.data.empty() ? "" : ",") + fmt::format("context=\"{}\"", facts.apifs_label);

    // Custom mounts (--bind, --bind-ro, --tmpfs), parents before children as
    // nspawn sorts them; equal targets keep the command line order.
    std::vector<MountStep> custom;
    for (const auto& b : cfg.binds) {
        MountStep s;
        s.kind = StepKind::Bind;
        if (!b.source.empty() && b.source[0] == '+') {
            s.source = b.source.substr(1);
            if (s.source.empty() || s.source[0] != '/') s.source = "/" + s.source;
            s.source_in_root = true;
        } else {
            s.source = b.source;
        }
        s.target = b.target.empty() ? s.source : b.target;
        s.flags = MS_BIND | (b.recursive ? MS_REC : 0) | (b.flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC));
        s.read_only = b.read_only;
        s.no_symlinks = b.no_symlinks;
        s.idmap = b.idmap;
        s.host_prepared = facts.userns && !s.source_in_root;
        custom.push_back(std::move(s));
    }
    for (const auto& [home, target] : facts.user_homes) {
        MountStep s;
        s.kind = StepKind::Bind;
        s.source = home;
        s.target = target;
        s.flags = MS_BIND | MS_REC;
        s.host_prepared = facts.userns;
        custom.push_back(std::move(s));
    }
    for (const auto& t : cfg.tmpfs) {
        MountStep s = fs("tmpfs", "tmpfs", t.target, MS_NODEV | MS_STRICTATIME | (t.flags & (MS_NOSUID | MS_NOEXEC | MS_RDONLY)),
                         t.options.empty() ? "mode=0755" : t.options);
        s.no_symlinks = t.no_symlinks;
        custom.push_back(std::move(s));
    }
    for (const auto& o : cfg.overlays) {
        MountStep s;
        s.kind = StepKind::Overlay;
        s.lowers = o.lowers;
        s.upper = o.upper;
        s.target = o.target;
        s.read_only = o.read_only;
        custom.push_back(std::move(s));
    }
    for (const auto& path : cfg.inaccessible) {
        MountStep s;
        s.kind = StepKind::Inaccessible;
        s.target = path;
        custom.push_back(std::move(s));
    }
    std::stable_sort(custom.begin(), custom.end(),
                     [](const MountStep& a, const MountStep& b) { return a.target < b.target; });
    for (auto& s : custom) out.push_back(std::move(s));

    // An OCI bundle's linux.maskedPaths and linux.readonlyPaths, over
    // everything else (as runc applies them last); a path that does not exist
    // is skipped, as runc does.
    for (const auto& path : cfg.masked_paths) {
        MountStep s;
        s.kind = StepKind::Inaccessible;
        s.target = path;
        s.optional = true;
        out.push_back(std::move(s));
    }
    for (const auto& path : cfg.read_only_paths) out.push_back(read_only_in_place(path, false));

    if (cfg.read_only) {
        MountStep ro;
        ro.kind = StepKind::RemountRo;
        ro.target = "/";
        out.push_back(std::move(ro));
    }
    return out;
}

}  // namespace

std::vector<MountStep> prepared_binds(const std::vector<MountStep>& plan) {
    std::vector<MountStep> out;
    for (const auto& s : plan)
        if (s.kind == StepKind::Bind && s.host_prepared) out.push_back(s);
    return out;
}

std::vector<MountStep> plan_part(const std::vector<MountStep>& plan, bool cgroupns) {
    std::vector<MountStep> out;
    for (const auto& s : plan)
        if (s.in_cgroupns == cgroupns) out.push_back(s);
    return out;
}

std::string describe(const MountStep& s) {
    switch (s.kind) {
    case StepKind::Mount:
        return fmt::format("mount {} ({}) on {} flags={:#x} data={}{}", s.source, s.fstype, s.target,
                           s.flags, s.data, s.read_only ? " ro" : "");
    case StepKind::Bind:
        return fmt::format("bind {}{} on {}{}{}{}", s.source_in_root ? "(in root) " : "", s.source,
                           s.target, (s.flags & MS_REC) ? " rec" : "",
                           s.read_only ? " ro" : (s.read_write ? " rw" : ""),
                           s.idmap == BindIdmap::Idmap       ? " idmap"
                           : s.idmap == BindIdmap::RootIdmap ? " rootidmap"
                           : s.host_prepared                 ? " prepared"
                                                             : "");
    case StepKind::MakeDir:
        return fmt::format("mkdir {} {:o}", s.target, s.mode);
    case StepKind::MakeNode:
        return fmt::format("mknod {} {}:{}", s.target, major(s.dev), minor(s.dev));
    case StepKind::Symlink:
        return fmt::format("symlink {} -> {}", s.target, s.source);
    case StepKind::RemountRo:
        return fmt::format("remount {} read-only", s.target);
    case StepKind::Inaccessible:
        return fmt::format("inaccessible {}", s.target);
    case StepKind::Overlay:
        return fmt::format("overlay {}{}{} on {}{}", str::join(s.lowers, ":"), s.read_only ? "" : " upper ",
                           s.read_only ? "" : (s.upper.empty() ? "(tmpfs)" : s.upper), s.target, s.read_only ? " ro" : "");
    }
    return "?";
}

}  // namespace spawn::container
