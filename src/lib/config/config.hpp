// Config: everything the command line says about one container. Produced by
// the pure parser in options.hpp, completed by finalize.hpp, and turned into
// a start plan (start/plan.hpp) together with the host's facts.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "oci/hook.hpp"
#include "util/uuid.hpp"

namespace spawn {

// Name the container manager announces in container= (the guest interface:
// man spawn, BOOTING).
inline constexpr const char* kContainerManager = "spawn";

// Where -M NAME (without -D) and mctl list-images look for trees, in order,
// as systemd-nspawn and machinectl do.
inline constexpr const char* kImageSearchPath[] = {
    "/var/lib/machines", "/var/lib/container", "/usr/local/lib/machines", "/usr/lib/machines"};

enum class ConsoleMode { Interactive, ReadOnly, Passive, Pipe, Autopipe };
enum class RegisterMode { Yes, No, Auto };
enum class LinkJournal { No, Host, TryHost, Guest, TryGuest, Auto };
// --resolv-conf: how the guest's /etc/resolv.conf is set up (nspawn 252).
// COPY writes the file unless the guest has a symlink there; REPLACE replaces
// whatever is there; BIND mounts the host's read-only over it.
enum class ResolvConfMode {
    Off, CopyHost, CopyStatic, CopyUplink, CopyStub, ReplaceHost, ReplaceStatic, ReplaceUplink, ReplaceStub,
    BindHost, BindStatic, BindUplink, BindStub, Delete, Auto,
};
// --timezone: how the guest's /etc/localtime follows the host's (nspawn 252).
enum class TimezoneMode { Off, Copy, Bind, Symlink, Delete, Auto };
// --set-credential=ID:VALUE / --load-credential=ID:PATH: a credential for
// the guest (container/credentials.hpp reads PATH at start).
struct CredentialSource {
    std::string id;
    std::string value;  // --set-credential (C escapes resolved)
    std::string path;   // --load-credential ("" for --set-credential)
    bool operator==(const CredentialSource&) const = default;
};

// --settings: whether a settings file is read (config/settings.hpp) and who
// wins where it and the command line both give a setting.
enum class SettingsMode {
    Yes,       // read it; the command line wins; a file beside the tree is untrusted
    No,        // do not read one
    Override,  // read it; the file wins (spawn@.service)
    Trusted,   // as yes, and a file beside the tree is trusted too
};

// --bind OPTIONS idmap / rootidmap (with a user namespace).
enum class BindIdmap {
    None,
    Idmap,      // host 0..65535 shown as the container's 0..65535: host files keep their owners inside
    RootIdmap,  // the source's owner shown as the container's root, every other owner as nobody
};

struct BindMount {
    std::string source;     // host path (absolute, or "+path" relative to the tree as in nspawn)
    std::string target;     // path inside the container (absolute)
    bool read_only = false;
    bool recursive = true;  // "norbind" clears it
    std::string options;    // the raw OPTIONS field, as given
    BindIdmap idmap = BindIdmap::None;
    unsigned long flags = 0;  // MS_NOSUID, MS_NODEV, MS_NOEXEC: an OCI bundle's mount options
    bool no_symlinks = false; // the target may not pass through a symlink (an OCI bundle's mounts)
};

// --overlay / --overlay-ro: an overlay file system of host (or "+/path" tree)
// directories mounted in the container.
struct OverlayMount {
    std::vector<std::string> lowers;  // bottom first
    std::string upper;                // the writable top; "" with --overlay: a tmpfs of its own
    std::string target;               // in the container (absolute)
    bool read_only = false;           // --overlay-ro: no upper, mounted read-only
    bool operator==(const OverlayMount&) const = default;
};

// --volatile: how much of the tree the container sees on a tmpfs instead.
enum class VolatileMode {
    No,       // the tree itself
    Yes,      // a tmpfs root with the tree's /usr bound read-only
    State,    // the tree read-only, /var a tmpfs
    Overlay,  // the tree under an overlay whose upper layer is a tmpfs
};

struct TmpfsMount {
    std::string target;   // absolute path inside the container
    std::string options;  // mount data, default "mode=0755"
    unsigned long flags = 0;  // MS_NOSUID, MS_NOEXEC, MS_RDONLY: an OCI bundle's mount options (MS_NODEV always)
    bool no_symlinks = false; // the target may not pass through a symlink (an OCI bundle's mounts)
};

enum class PortProtocol { Tcp, Udp };

struct PortForward {
    PortProtocol protocol = PortProtocol::Tcp;
    std::string host_address;  // empty: any address (and loopback, beyond nspawn)
    uint16_t host_port = 0;
    uint16_t container_port = 0;
};

struct NetworkAddress {
    std::string address;  // "10.0.0.2/24" or "fd00::2/64"
    std::string gateway;  // optional
};

// --private-users: whether the container gets a user namespace and which
// host UIDs/GIDs its 0.. map to (container/userns_plan.hpp). GIDs always
// get the same range as UIDs.
enum class UserNsMode {
    No,        // no user namespace (nspawn's default outside systemd-nspawn@.service)
    Fixed,     // BASE[:COUNT]
    FromTree,  // "yes": the owner of the tree's root directory is the base, 65536 IDs
    Pick,      // "pick" / -U: a free range, locked for the machine's life
    Identity,  // "identity": 0..65535 on 0..65535 (capability isolation only)
    Joined,    // an OCI bundle's user namespace path: its maps (one range from 0) are the range
};
// --private-users-ownership: how the tree's files come to be owned by the range.
enum class UserNsOwnership { Off, Chown, Map, Auto };

// One line of a user namespace's ID map: container IDs inner.. are host IDs outer..
struct IdMapExtent {
    uint32_t inner = 0, outer = 0, count = 0;
    bool operator==(const IdMapExtent&) const = default;
};

struct UserNamespace {
    UserNsMode mode = UserNsMode::No;
    uint32_t base = 0;          // Fixed
    uint32_t count = 65536;     // Fixed (others: 65536)
    // Fixed, from an OCI bundle's further uidMappings (the same gidMappings):
    // container IDs beyond count, each range mapped as given.
    std::vector<IdMapExtent> extra;
    std::string joined;         // Joined: the namespace file
    std::optional<UserNsOwnership> ownership;  // unset: auto with pick, else off (as nspawn)
    bool enabled() const { return mode != UserNsMode::No; }
    bool operator==(const UserNamespace&) const = default;
};

// --system-call-filter: system call names and @groups (systemd's, see
// config/syscall_groups.hpp) added to the default seccomp filter (allow)
// or taken out of it (deny, given with a leading '~'). Deny wins.
struct SyscallFilter {
    std::vector<std::string> allow;
    std::vector<std::string> deny;
    bool empty() const { return allow.empty() && deny.empty(); }
    bool operator==(const SyscallFilter&) const = default;
};

// --rlimit=: a soft and a hard limit as setrlimit(2) takes them
// (kRlimitInfinity: unlimited), for each of the kRlimitCount RLIMIT_* numbers.
inline constexpr uint64_t kRlimitInfinity = ~uint64_t{0};
inline constexpr int kRlimitCount = 16;  // RLIMIT_CPU (0) .. RLIMIT_RTTIME (15)
struct ResourceLimit {
    uint64_t soft = 0;
    uint64_t hard = 0;
    bool operator==(const ResourceLimit&) const = default;
};

struct NetworkConfig {
    bool private_network = false;          // --private-network (implied by every option below but netns path)
    bool veth = false;                     // -n/--network-veth
    std::vector<std::string> veth_extra;   // --network-veth-extra=HOSTIF[:CONTAINERIF]
    std::string bridge;                    // --network-bridge=BR
    std::string zone;                      // --network-zone=Z
    std::vector<std::string> interfaces;   // --network-interface=IF
    std::vector<std::string> macvlan;      // --network-macvlan=IF
    std::vector<std::string> ipvlan;       // --network-ipvlan=IF
    std::string netns_path;                // --network-namespace-path=PATH
    std::vector<PortForward> ports;        // -p/--port
    std::vector<NetworkAddress> addresses; // --network-address (beyond nspawn)
};

// process.user of an OCI bundle: numeric IDs, used as given (no lookup in
// the guest's /etc/passwd, unlike -u).
struct UserIds {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::vector<uint32_t> groups;   // the supplementary groups, exactly
    std::optional<uint32_t> umask;  // unset: 0022
    bool operator==(const UserIds&) const = default;
};

// An OCI bundle's linux.devices[]: a node the container gets in its /dev
// (and may use: the device policy allows it).
struct DeviceNodeSpec {
    std::string path;   // absolute, below /dev
    char type = 'c';    // 'c', 'b', 'p' (a FIFO: no device numbers)
    unsigned major = 0, minor = 0;
    mode_t mode = 0666; // permission bits
    uid_t uid = 0;
    gid_t gid = 0;
    bool operator==(const DeviceNodeSpec&) const = default;
};

struct JoinedNamespace {
    int type = 0;      // CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWPID, CLONE_NEWCGROUP or CLONE_NEWNS
    std::string path;  // absolute: /proc/PID/ns/ipc, a bind mount of one
    bool operator==(const JoinedNamespace&) const = default;
};

// process.capabilities of an OCI bundle: the payload's sets, exactly (bit
// masks, 1 << CAP_*), instead of nspawn's default bounding set.
struct CapabilitySets {
    uint64_t bounding = 0, effective = 0, permitted = 0, inheritable = 0, ambient = 0;
    bool operator==(const CapabilitySets&) const = default;
};

// linux.seccomp of an OCI bundle: a profile in the specification's terms
// (libseccomp's action, operator and architecture names), replacing
// nspawn's filter (container/seccomp.hpp compiles it).
struct SeccompArg {
    unsigned index = 0;       // 0..5
    uint64_t value = 0;
    uint64_t value_two = 0;   // SCMP_CMP_MASKED_EQ: the mask is value, the datum value_two
    std::string op;           // SCMP_CMP_EQ, _NE, _LT, _LE, _GE, _GT, _MASKED_EQ
    bool operator==(const SeccompArg&) const = default;
};
struct SeccompRule {
    std::vector<std::string> names;
    std::string action;       // SCMP_ACT_ALLOW, _ERRNO, _KILL, _KILL_PROCESS, _KILL_THREAD, _TRAP, _TRACE, _LOG
    std::optional<uint32_t> errno_ret;
    std::vector<SeccompArg> args;
    bool operator==(const SeccompRule&) const = default;
};
struct SeccompProfile {
    std::string default_action;
    std::optional<uint32_t> default_errno_ret;
    std::vector<std::string> architectures;  // SCMP_ARCH_X86_64, ... (the native one is always in)
    std::vector<std::string> flags;          // SECCOMP_FILTER_FLAG_LOG, _SPEC_ALLOW, _TSYNC
    std::vector<SeccompRule> syscalls;
    bool operator==(const SeccompProfile&) const = default;
};

struct Config {
    // What to run.
    std::string directory;              // -D; resolved from -M via the image search path if empty
    std::string image;                  // -i: a raw disk image instead of a tree (spawn/image_stage.hpp)
    std::string root_hash;              // --root-hash: the image's dm-verity root hash (hex)
    std::string root_hash_sig;          // --root-hash-sig: PATH or base64:DATA
    std::string verity_data;            // --verity-data: the hash tree's file
    std::string machine;                // -M; defaults to the tree's basename (sanitised)
    bool machine_from_path = false;     // machine was derived from the tree's path (-x adds a random suffix)
    std::string hostname;               // --hostname; defaults to the machine name
    std::vector<std::string> command;   // everything after the options
    bool boot = false;                  // -b
    bool as_pid2 = false;               // -a
    std::string user;                   // -u
    std::string chdir;                  // --chdir
    std::vector<std::string> setenv;    // -E NAME=VALUE (validated)
    bool exact_environment = false;     // the environment is setenv alone, and HOME (an OCI bundle's
                                        // process.env, as runc gives it: no container=, TERM, USER, ...)
    std::optional<Uuid> uuid;           // --uuid
    std::string oci_bundle;             // --oci-bundle: an OCI runtime bundle (oci/bundle.hpp) gives the
                                        // tree and the settings, as a settings file would
    std::optional<UserIds> user_ids;    // a bundle's process.user (instead of -u)
    bool detached = false;              // spawn-oci create: the container is an engine's (start/plan.hpp)
    // An OCI bundle's linux.namespaces paths for IPC, UTS, PID, cgroup and mount (a pod's shared
    // namespaces): the container joins them instead of making its own.
    std::vector<JoinedNamespace> joined_namespaces;
    std::vector<DeviceNodeSpec> device_nodes;  // an OCI bundle's linux.devices
    oci::Hooks oci_hooks;               // an OCI bundle's hooks (oci/hooks.hpp runs them)
    std::map<std::string, std::string> oci_annotations;  // its annotations: in its hooks' state

    // How to run it.
    std::optional<ConsoleMode> console; // --console / -P; unset: decided from the terminal
    bool read_only = false;             // --read-only
    bool ephemeral = false;             // -x: the container runs on a throwaway overlay of the tree
    bool on_snapshot = false;           // -x made by a btrfs snapshot (spawn/snapshot_stage.hpp): the
                                        // directory is that snapshot, no overlay over it
    VolatileMode volatile_mode = VolatileMode::No;  // --volatile
    std::string template_dir;           // --template: the tree is made from it when missing or empty
    std::vector<BindMount> binds;       // --bind / --bind-ro
    std::vector<OverlayMount> overlays; // --overlay / --overlay-ro
    std::vector<TmpfsMount> tmpfs;      // --tmpfs
    std::vector<std::string> inaccessible;  // --inaccessible=PATH (inside the container)
    std::vector<std::string> masked_paths;  // a bundle's linux.maskedPaths: as --inaccessible, missing ones skipped
    std::vector<std::string> read_only_paths;  // a bundle's linux.readonlyPaths: bound read-only on themselves
    std::string pivot_root_new;         // --pivot-root=NEW[:OLD]: the container's / is NEW of the tree
    std::string pivot_root_old;         //   and the tree's own root stays visible at OLD ("" = not at all)
    int kill_signal = 0;                // --kill-signal; 0 = default (SIGRTMIN+3 with -b, else SIGKILL)
    NetworkConfig net;

    // Security (container/caps.hpp, container/seccomp.hpp).
    uint64_t capability_add = 0;        // --capability=CAP,... (bit mask, 1 << CAP_*)
    uint64_t capability_drop = 0;       // --drop-capability=CAP,...
    SyscallFilter syscall_filter;       // --system-call-filter=[~]NAME|@GROUP ...
    bool suppress_sync = false;         // --suppress-sync: sync calls are no-ops (container/seccomp_plan.hpp)
    std::optional<SeccompProfile> seccomp_profile;  // a bundle's linux.seccomp: this filter instead of nspawn's
    UserNamespace userns;               // -U, --private-users, --private-users-ownership
    std::string selinux_context;        // -Z: the payload's SELinux label (needs SELinux on the host)
    std::string selinux_apifs_context;  // -L: the label of the API file systems (needs SELinux)
    std::vector<std::string> bind_users;// --bind-user=USER (host users, needs a user namespace)
    std::optional<CapabilitySets> capability_sets;  // a bundle's process.capabilities (then
                                        // --capability/--drop-capability change its bounding set)
    std::vector<std::pair<std::string, std::string>> sysctls;  // a bundle's linux.sysctl (and
                                        // domainname as kernel.domainname), written in the container

    // The payload process (container/payload.hpp).
    bool no_new_privileges = false;     // --no-new-privileges=BOOL
    uint64_t ambient_capabilities = 0;  // --ambient-capability=CAP,... (bit mask; repeated options add up)
    std::array<std::optional<ResourceLimit>, kRlimitCount> rlimits;  // --rlimit=NAME=SOFT[:HARD], by RLIMIT_*
    std::optional<int> oom_score_adjust;       // --oom-score-adjust=N (-1000..1000)
    std::vector<unsigned> cpu_affinity;        // --cpu-affinity=LIST: CPU numbers, sorted; empty: inherited
    std::optional<unsigned long> personality;  // --personality=: PER_LINUX or PER_LINUX32

    // Registration and units.
    RegisterMode register_mode = RegisterMode::Auto;  // --register
    bool keep_unit = false;             // --keep-unit
    std::string slice;                  // -S/--slice
    std::vector<std::string> properties;// --property=NAME=VALUE
    LinkJournal link_journal = LinkJournal::Auto;  // --link-journal / -j
    std::vector<CredentialSource> credentials;          // --set-credential, --load-credential
    bool notify_ready = false;          // --notify-ready: READY=1 when the guest's init says so (else at start)
    ResolvConfMode resolv_conf = ResolvConfMode::Auto;  // --resolv-conf
    TimezoneMode timezone = TimezoneMode::Auto;         // --timezone

    // Settings files (config/settings.hpp).
    SettingsMode settings = SettingsMode::Yes;  // --settings
    uint64_t settings_mask = 0;         // the settings (config/settings_mask.hpp) the command line gave

    // Program behaviour.
    bool quiet = false;                 // -q
    bool show_help = false;             // -h
    bool show_version = false;          // --version
};

}  // namespace spawn
