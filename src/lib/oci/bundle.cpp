#include "oci/bundle.hpp"

#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>

#include <algorithm>
#include <set>

#include "config/options.hpp"
#include "config/payload_options.hpp"
#include "config/settings_mask.hpp"
#include "container/device_policy.hpp"
#include "container/unit_properties.hpp"

namespace spawn::oci {

namespace {

// Gives --NAME=VALUE to the bundle's settings; a bad value is an error
// naming the config.json field.
struct Options {
    Config& cfg;
    Result<void> operator()(std::string_view name, std::string_view value, std::string_view field) const {
        return apply_long_option(cfg, name, value).context(field);
    }
};

std::string under_bundle(const std::string& bundle_dir, const std::string& path) {
    return path_simplify(path.starts_with('/') ? path : bundle_dir + "/" + path);
}

std::string limit_text(uint64_t v) { return v == UINT64_MAX ? "infinity" : std::to_string(v); }

Result<void> give_process(const Process& p, Config& c, const Options& opt) {
    c.command = p.args;
    c.boot = false;
    c.as_pid2 = false;
    c.settings_mask |= setting::StartMode;
    for (size_t i = 0; i < p.env.size(); ++i) TRY(opt("setenv", p.env[i], fmt::format("process.env[{}]", i)));
    c.exact_environment = true;
    c.settings_mask |= setting::Environment;
    TRY(opt("chdir", p.cwd, "process.cwd"));
    c.user_ids = UserIds{p.user.uid, p.user.gid, p.user.additional_gids, p.user.umask};
    c.settings_mask |= setting::User;
    // No terminal: the process gets spawn's standard input and output as they
    // are; with one, the console mode follows spawn's terminal (a pty when
    // there is one), as without a bundle.
    if (!p.terminal) TRY(opt("console", "pipe", "process.terminal"));
    if (const auto& caps = p.capabilities) {
        c.capability_sets = CapabilitySets{caps->bounding, caps->effective, caps->permitted, caps->inheritable,
                                           caps->ambient};
        c.settings_mask |= setting::Capability;
    }
    for (const auto& r : p.rlimits)
        TRY(opt("rlimit", fmt::format("{}={}:{}", rlimit_name(r.resource), limit_text(r.soft), limit_text(r.hard)),
                fmt::format("process.rlimits (RLIMIT_{})", rlimit_name(r.resource))));
    if (p.no_new_privileges) TRY(opt("no-new-privileges", "yes", "process.noNewPrivileges"));
    if (p.oom_score_adj) TRY(opt("oom-score-adjust", std::to_string(*p.oom_score_adj), "process.oomScoreAdj"));
    if (!p.selinux_label.empty())
        return Error::msg("process.selinuxLabel: SELinux labels are not supported with --oci-bundle yet");
    return ok();
}

// A mount's options: the flags spawn applies, the rest as tmpfs data.
struct MountOptions {
    bool bind = false, recursive = false, read_only = false;
    unsigned long flags = 0;  // MS_NOSUID, MS_NODEV, MS_NOEXEC
    std::vector<std::string> data;
};

Result<MountOptions> mount_options(const Mount& m, const std::string& field) {
    MountOptions o;
    static const std::set<std::string, std::less<>> kIgnored = {
        // propagation (the container's mounts are its own either way) and
        // access times, which change nothing a container relies on
        "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable",
        "atime", "noatime", "relatime", "norelatime", "strictatime", "nostrictatime", "diratime", "nodiratime",
        "suid", "dev", "exec", "rw", "newinstance"};
    for (const auto& opt : m.options) {
        if (opt == "bind") o.bind = true;
        else if (opt == "rbind") o.bind = o.recursive = true;
        else if (opt == "ro") o.read_only = true;
        else if (opt == "nosuid") o.flags |= MS_NOSUID;
        else if (opt == "nodev") o.flags |= MS_NODEV;
        else if (opt == "noexec") o.flags |= MS_NOEXEC;
        else if (opt.find('=') != std::string::npos) o.data.push_back(opt);
        else if (!kIgnored.contains(opt)) return Error::msg("{}.options: '{}' is not supported by spawn", field, opt);
    }
    if (m.type == "bind") o.bind = true;
    return o;
}

Result<void> give_mounts(const Spec& s, const std::string& bundle_dir, Config& c) {
    for (size_t i = 0; i < s.mounts.size(); ++i) {
        const Mount& m = s.mounts[i];
        std::string field = fmt::format("mounts[{}]", i);
        std::string dest = path_simplify(m.destination);
        if (std::any_of(std::begin(kOwnMounts), std::end(kOwnMounts), [&](const char* p) { return dest == p; }))
            continue;  // spawn's own
        auto o = TRY(mount_options(m, field));
        if (o.bind) {
            if (m.source.empty()) return Error::msg("{}.source: a bind mount needs a source", field);
            if (!o.data.empty()) return Error::msg("{}.options: '{}' is not an option of a bind mount", field, o.data[0]);
            BindMount b;
            b.source = under_bundle(bundle_dir, m.source);
            b.target = dest;
            b.read_only = o.read_only;
            b.recursive = o.recursive;
            b.flags = o.flags;
            b.no_symlinks = true;  // runc resolves them in the root; spawn refuses them
            b.options = fmt::format("{}", fmt::join(m.options, ","));
            c.binds.push_back(std::move(b));
        } else if (m.type == "tmpfs") {
            TmpfsMount t;
            t.target = dest;
            t.options = o.data.empty() ? "mode=0755" : fmt::format("{}", fmt::join(o.data, ","));
            t.flags = o.flags | (o.read_only ? MS_RDONLY : 0);
            t.no_symlinks = true;
            c.tmpfs.push_back(std::move(t));
        } else {
            return Error::msg("{}: a {} mount on {} is not supported by spawn (it mounts bind and tmpfs mounts from "
                              "a bundle, and its own /proc, /dev and /sys)",
                              field, m.type.empty() ? "typeless" : m.type, dest);
        }
    }
    c.settings_mask |= setting::CustomMounts;
    return ok();
}

const Namespace* find_namespace(const Spec& s, std::string_view type) {
    auto it = std::find_if(s.namespaces.begin(), s.namespaces.end(), [&](const Namespace& n) { return n.type == type; });
    return it == s.namespaces.end() ? nullptr : &*it;
}

Result<void> give_namespaces(const Spec& s, const Options& opt) {
    for (const char* own : {"pid", "mount", "ipc", "uts"})
        if (!find_namespace(s, own))
            return Error::msg("linux.namespaces: no {} namespace: spawn always gives a container its own mount, PID, "
                              "IPC and UTS namespaces", own);
    for (size_t i = 0; i < s.namespaces.size(); ++i) {
        const Namespace& n = s.namespaces[i];
        std::string field = fmt::format("linux.namespaces[{}]", i);
        if (n.type == "time") return Error::msg("{}: time namespaces are not supported by spawn yet", field);
        if (n.path.empty() || n.type == "network" || n.type == "user") continue;
        const int type = joinable_namespace_type(n.type);
        if (!type) return Error::msg("{}.path: joining an existing {} namespace is not supported by spawn yet", field, n.type);
        if (!n.path.starts_with('/')) return Error::msg("{}.path: '{}' is not an absolute path", field, n.path);
        opt.cfg.joined_namespaces.push_back({type, n.path});
        opt.cfg.settings_mask |= setting::JoinedNamespaces;
    }
    if (const Namespace* net = find_namespace(s, "network")) {
        if (net->path.empty())
            TRY(opt("private-network", "", "linux.namespaces (network)"));
        else
            TRY(opt("network-namespace-path", net->path, "linux.namespaces (network)"));
    }
    const Namespace* userns = find_namespace(s, "user");
    if (userns && !userns->path.empty()) {
        // A pod's user namespace: its maps are the container's.
        if (!s.uid_mappings.empty() || !s.gid_mappings.empty())
            return Error::msg("linux.uidMappings: not with a user namespace joined by path (its maps are its own)");
        if (!userns->path.starts_with('/'))
            return Error::msg("linux.namespaces (user).path: '{}' is not an absolute path", userns->path);
        opt.cfg.userns.mode = UserNsMode::Joined;
        opt.cfg.userns.joined = userns->path;
        opt.cfg.settings_mask |= setting::UserNamespace;
        return ok();
    }
    if (!userns) {
        if (!s.uid_mappings.empty() || !s.gid_mappings.empty())
            return Error::msg("linux.uidMappings: ID mappings without a user namespace in linux.namespaces");
        return ok();
    }
    if (s.uid_mappings.empty() || s.gid_mappings.empty())
        return Error::msg("linux.namespaces: a user namespace needs linux.uidMappings and linux.gidMappings");
    // The range from the container's ID 0 is --private-users=; the others
    // are further map lines (plan_userns checks them).
    auto first = std::find_if(s.uid_mappings.begin(), s.uid_mappings.end(),
                              [](const IdMapping& m) { return m.container_id == 0; });
    if (s.gid_mappings != s.uid_mappings || first == s.uid_mappings.end())
        return Error::msg("linux.uidMappings: spawn maps the same ranges for users and groups (equal uid and gid "
                          "mappings), one of them from the container's ID 0");
    for (const IdMapping& m : s.uid_mappings)
        if (&m != &*first)
            opt.cfg.userns.extra.push_back({m.container_id, m.host_id, m.size});
    return opt("private-users", fmt::format("{}:{}", first->host_id, first->size), "linux.uidMappings");
}

Result<void> give_sysctls(const Spec& s, Config& c) {
    bool own_network = find_namespace(s, "network") != nullptr;
    for (const auto& [name, value] : s.sysctl) {
        if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.-") != std::string::npos ||
            name.find("..") != std::string::npos || name.front() == '.' || name.back() == '.')
            return Error::msg("linux.sysctl: '{}' is not a sysctl name", name);
        if (!sysctl_is_namespaced(name, own_network))
            return Error::msg("linux.sysctl: {} is not a sysctl of the container's own namespaces{}", name,
                              name.starts_with("net.") ? " (it has no network namespace of its own)" : "");
        if (value.find('\n') != std::string::npos) return Error::msg("linux.sysctl: the value of {} has a newline", name);
        c.sysctls.emplace_back(name, value);
    }
    if (!s.domainname.empty()) {
        if (s.domainname.size() > 64) return Error::msg("domainname: longer than 64 characters");
        c.sysctls.emplace_back("kernel.domainname", s.domainname);
    }
    if (!c.sysctls.empty()) c.settings_mask |= setting::Sysctl;
    return ok();
}

// The devices spawn's policy allows (container/device_policy.hpp): its
// closed set, /dev/net/tun and the pts (char-pts, major 136 on Linux), and
// /dev/console, which in a container is a pts. A rule of a bundle that
// allows one of them asks for nothing more. (The closed set's inaccessible
// nodes, 0:0, are spawn's own, not devices a bundle asks for.)
bool covered_by_default_policy(const DeviceRule& r) {
    if (!r.major) return false;
    auto covers = [&](char type, int64_t major, int64_t minor) {  // minor -1: any
        return type == r.type && major == *r.major && (minor == -1 || (r.minor && *r.minor == minor));
    };
    for (const auto& k : container::closed_set_rules())
        if (k.major != 0 && covers(k.type, k.major, k.minor)) return true;
    return covers('c', 10, 200) || covers('c', 136, -1) || covers('c', 5, 1);
}

// A rule that names one of linux.devices (which the policy allows: plan.cpp).
bool covered_by_device_nodes(const DeviceRule& r, const std::vector<Device>& nodes) {
    return std::any_of(nodes.begin(), nodes.end(), [&](const Device& d) {
        char type = d.type == 'u' ? 'c' : d.type;
        return type == r.type && r.major && *r.major == d.major && r.minor && *r.minor == d.minor;
    });
}

Result<void> give_devices(const Resources& res, const std::vector<Device>& nodes, std::vector<std::string>& warnings) {
    if (res.devices.empty()) return ok();
    const DeviceRule& first = res.devices[0];
    if (first.allow || first.type != 'a' || first.major || first.minor)
        return Error::msg("linux.resources.devices[0]: spawn starts from its own closed device policy; the rules must "
                          "begin with one that denies every device ({{\"allow\": false, \"access\": \"rwm\"}})");
    for (size_t i = 1; i < res.devices.size(); ++i) {
        const DeviceRule& r = res.devices[i];
        std::string field = fmt::format("linux.resources.devices[{}]", i);
        std::string what = fmt::format("{} {}:{} {}", r.type, r.major ? std::to_string(*r.major) : "*",
                                       r.minor ? std::to_string(*r.minor) : "*", r.access.empty() ? "rwm" : r.access);
        if (!r.allow) {
            if (!covered_by_default_policy(r))  // denying what is denied anyway
                continue;
            return Error::msg("{}: denying {} is not supported by spawn (its default policy allows it)", field, what);
        }
        if (covered_by_default_policy(r) || covered_by_device_nodes(r, nodes)) continue;
        if (r.access == "m") {  // mknod only: the node made cannot be opened
            warnings.push_back(fmt::format("{}: allowing mknod of {} is ignored: spawn's device policy allows only "
                                           "its own devices",
                                           field, what));
            continue;
        }
        return Error::msg("{}: allowing {} is not supported by spawn yet (its device policy allows /dev/null, zero, "
                          "full, random, urandom, tty, ptmx, the pts, /dev/net/tun, and the nodes of linux.devices)",
                          field, what);
    }
    return ok();
}

Result<void> give_resources(const Resources& r, const std::vector<Device>& nodes, Config& c,
                            std::vector<std::string>& warnings) {
    std::vector<std::pair<std::string, std::string>> props;
    auto size = [](int64_t v) { return v < 0 ? std::string("infinity") : std::to_string(v); };
    if (r.memory_limit) props.emplace_back("memory.limit", "MemoryMax=" + size(*r.memory_limit));
    if (r.memory_reservation && *r.memory_reservation > 0)
        props.emplace_back("memory.reservation", "MemoryLow=" + size(*r.memory_reservation));
    if (r.memory_swap) {
        // The specification's swap is memory and swap together; systemd's is swap alone.
        if (*r.memory_swap < 0 || !r.memory_limit || *r.memory_limit < 0)
            props.emplace_back("memory.swap", "MemorySwapMax=infinity");
        else if (*r.memory_swap < *r.memory_limit)
            return Error::msg("linux.resources.memory.swap: {} is below memory.limit {} (swap counts memory and swap "
                              "together)", *r.memory_swap, *r.memory_limit);
        else
            props.emplace_back("memory.swap", "MemorySwapMax=" + std::to_string(*r.memory_swap - *r.memory_limit));
    }
    if (r.cpu_shares && *r.cpu_shares > 0) props.emplace_back("cpu.shares", "CPUShares=" + std::to_string(*r.cpu_shares));
    if (r.cpu_quota && *r.cpu_quota > 0) {
        uint64_t period = r.cpu_period && *r.cpu_period > 0 ? *r.cpu_period : 100000;
        uint64_t percent = (static_cast<uint64_t>(*r.cpu_quota) * 100 + period - 1) / period;
        props.emplace_back("cpu.quota", fmt::format("CPUQuota={}%", percent));
    }
    if (!r.cpus.empty()) props.emplace_back("cpu.cpus", "AllowedCPUs=" + r.cpus);
    if (!r.mems.empty()) props.emplace_back("cpu.mems", "AllowedMemoryNodes=" + r.mems);
    if (r.pids_limit)
        props.emplace_back("pids.limit", "TasksMax=" + (*r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "infinity"));
    for (const auto& [field, assignment] : props) {
        if (auto p = container::parse_property(assignment); !p.ok())
            return Error::msg("linux.resources.{}: {}", field, p.error().message());
        c.properties.push_back(assignment);
    }
    if (!props.empty()) c.settings_mask |= setting::Properties;
    return give_devices(r, nodes, warnings);
}

// linux.devices: made in the container's /dev (with a user namespace, by
// the outer child), allowed by its device policy.
void give_device_nodes(const Spec& s, Config& c) {
    if (s.devices.empty()) return;
    for (const auto& d : s.devices) {
        DeviceNodeSpec n;
        n.path = d.path;
        n.type = d.type == 'u' ? 'c' : d.type;
        n.major = static_cast<unsigned>(d.major);
        n.minor = static_cast<unsigned>(d.minor);
        n.mode = d.file_mode ? static_cast<mode_t>(*d.file_mode & 07777) : 0666;
        n.uid = d.uid.value_or(0);
        n.gid = d.gid.value_or(0);
        c.device_nodes.push_back(std::move(n));
    }
    c.settings_mask |= setting::DeviceNodes;
}

constexpr std::pair<std::string_view, int> kJoinable[] = {
    {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"pid", CLONE_NEWPID}, {"cgroup", CLONE_NEWCGROUP},
    {"mount", CLONE_NEWNS}};

}  // namespace

int joinable_namespace_type(std::string_view type) {
    for (const auto& [name, flag] : kJoinable)
        if (name == type) return flag;
    return 0;
}

std::string_view joinable_namespace_name(int clone_type) {
    for (const auto& [name, flag] : kJoinable)
        if (flag == clone_type) return name;
    return "?";
}

bool sysctl_is_namespaced(const std::string& name, bool own_network) {
    static const std::set<std::string, std::less<>> kIpc = {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
        "kernel.shmmni", "kernel.shm_rmid_forced"};
    if (kIpc.contains(name) || name.starts_with("fs.mqueue.")) return true;
    if (name == "kernel.hostname" || name == "kernel.domainname") return true;
    return own_network && name.starts_with("net.");
}

Result<SettingsFile> bundle_settings(const Spec& s, const std::string& bundle_dir) {
    SettingsFile f;
    f.path = bundle_dir + "/config.json";
    f.trusted = true;  // given on spawn's command line, by whoever runs spawn
    Config& c = f.values;
    Options opt{c};
    c.directory = under_bundle(bundle_dir, s.root_path);
    if (s.root_readonly) TRY(opt("read-only", "", "root.readonly"));
    if (!s.process) return Error::msg("process: missing (spawn runs a bundle's process)");
    TRY(give_process(*s.process, c, opt));
    if (!s.hostname.empty()) TRY(opt("hostname", s.hostname, "hostname"));
    TRY(give_mounts(s, bundle_dir, c));
    TRY(give_namespaces(s, opt));
    c.masked_paths = s.masked_paths;
    c.read_only_paths = s.readonly_paths;
    TRY(give_sysctls(s, c));
    TRY(give_resources(s.resources, s.devices, c, f.warnings));
    give_device_nodes(s, c);
    if (!s.cgroups_path.empty()) {
        // systemd's form SLICE:PREFIX:NAME gives the slice; a cgroupfs path
        // has no place under systemd-machined's machine.slice.
        auto first = s.cgroups_path.find(':');
        if (s.cgroups_path.front() != '/' && first != std::string::npos &&
            s.cgroups_path.find(':', first + 1) != std::string::npos) {
            std::string slice = s.cgroups_path.substr(0, first);
            if (!slice.empty()) TRY(opt("slice", slice, "linux.cgroupsPath"));
        } else {
            f.warnings.push_back(fmt::format("{}: linux.cgroupsPath {} is ignored: spawn places the machine under a "
                                             "slice (give SLICE:PREFIX:NAME to choose it)",
                                             f.path, s.cgroups_path));
        }
    }
    if (!s.mount_label.empty())
        return Error::msg("linux.mountLabel: SELinux labels are not supported with --oci-bundle yet");
    if (s.rootfs_propagation == "shared" || s.rootfs_propagation == "rshared" ||
        s.rootfs_propagation == "unbindable" || s.rootfs_propagation == "runbindable")
        return Error::msg("linux.rootfsPropagation: {} is not supported by spawn (a container's root is a slave of "
                          "the host's mounts)", s.rootfs_propagation);
    if (s.seccomp) {
        c.seccomp_profile = s.seccomp;
        c.settings_mask |= setting::SyscallFilter;
    }
    if (s.personality == "LINUX32") {
        c.personality = PER_LINUX32;
        c.settings_mask |= setting::Personality;
    }
    // As systemd-nspawn with a bundle: the tree's /etc is the bundle's
    // business, and its journal is not linked.
    TRY(opt("resolv-conf", "off", "(default)"));
    TRY(opt("timezone", "off", "(default)"));
    TRY(opt("link-journal", "no", "(default)"));
    return f;
}

}  // namespace spawn::oci
