// oci/spec: an OCI runtime bundle's config.json (runtime-spec 1.0 and 1.1)
// -> oci::Spec, the part of the specification spawn runs. Pure: the text
// comes in as a string (config/oci_bundle.hpp reads the file).
//
// config.json is untrusted input (a fuzz target parses it). Every error is
// one line naming the field by its JSON path ("process.user.uid: expected an
// unsigned 32-bit integer"). As the specification asks, properties it does
// not define are ignored; properties it defines that spawn cannot honour yet
// (hooks, linux.devices, ...) are refused by name rather than
// silently dropped, because running a container with less confinement or
// fewer devices than its author wrote would be worse than not running it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "oci/hook.hpp"
#include "util/result.hpp"

namespace spawn::oci {

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additional_gids;
    bool operator==(const User&) const = default;
};

// Capability sets as bit masks (1 << CAP_*).
struct Capabilities {
    uint64_t bounding = 0, effective = 0, inheritable = 0, permitted = 0, ambient = 0;
    bool operator==(const Capabilities&) const = default;
};

struct Rlimit {
    int resource = 0;  // RLIMIT_*
    uint64_t soft = 0, hard = 0;
    bool operator==(const Rlimit&) const = default;
};

struct Process {
    bool terminal = false;
    User user;
    std::vector<std::string> args;
    std::vector<std::string> env;  // NAME=VALUE
    std::string cwd;               // absolute
    std::optional<Capabilities> capabilities;
    std::vector<Rlimit> rlimits;
    bool no_new_privileges = false;
    std::optional<int> oom_score_adj;
    std::string selinux_label;
    bool operator==(const Process&) const = default;
};

struct Mount {
    std::string destination;  // absolute
    std::string type;         // "" when not given
    std::string source;
    std::vector<std::string> options;
    bool operator==(const Mount&) const = default;
};

struct Namespace {
    std::string type;  // pid network mount ipc uts user cgroup time
    std::string path;  // join this namespace instead of making one
    bool operator==(const Namespace&) const = default;
};

struct IdMapping {
    uint32_t container_id = 0, host_id = 0, size = 0;
    bool operator==(const IdMapping&) const = default;
};

// linux.resources.devices[]: the device cgroup's rules, in order.
struct DeviceRule {
    bool allow = false;
    char type = 'a';               // 'a' (all), 'c', 'b'
    std::optional<int64_t> major;  // unset: any
    std::optional<int64_t> minor;
    std::string access;            // a subset of "rwm"; "" means "rwm"
    bool operator==(const DeviceRule&) const = default;
};

// linux.devices[]: a node to create in the container.
struct Device {
    std::string path;
    char type = 'c';          // 'c', 'u' (as 'c'), 'b', 'p'
    int64_t major = 0, minor = 0;
    std::optional<uint32_t> file_mode, uid, gid;
    bool operator==(const Device&) const = default;
};

struct Resources {
    std::optional<int64_t> memory_limit;        // bytes; -1: unlimited
    std::optional<int64_t> memory_reservation;  // bytes
    std::optional<int64_t> memory_swap;         // memory + swap, bytes; -1: unlimited
    std::optional<uint64_t> cpu_shares;
    std::optional<int64_t> cpu_quota;           // microseconds per period; -1: unlimited
    std::optional<uint64_t> cpu_period;         // microseconds
    std::string cpus;                           // "0-3,6"
    std::string mems;
    std::optional<int64_t> pids_limit;          // <= 0: unlimited
    std::vector<DeviceRule> devices;
    bool operator==(const Resources&) const = default;
};

struct Spec {
    std::string oci_version;
    std::string root_path;  // as written: relative to the bundle or absolute
    bool root_readonly = false;
    std::optional<Process> process;  // optional in the specification; spawn's bundle runs need it
    std::string hostname;
    std::string domainname;
    std::vector<Mount> mounts;
    std::vector<Namespace> namespaces;
    std::vector<IdMapping> uid_mappings, gid_mappings;
    std::vector<Device> devices;
    std::map<std::string, std::string> sysctl;
    Resources resources;
    std::string cgroups_path;
    std::vector<std::string> masked_paths, readonly_paths;
    std::string mount_label;
    std::string rootfs_propagation;
    std::optional<SeccompProfile> seccomp;
    std::optional<std::string> personality;  // "LINUX" or "LINUX32"
    std::map<std::string, std::string> annotations;
    Hooks hooks;
    bool operator==(const Spec&) const = default;
};

// Parses the text of config.json. Errors are one line: a JSON syntax error
// with its line and column, or "FIELD: PROBLEM" for a missing, mistyped,
// invalid or unsupported field.
Result<Spec> parse_spec(std::string_view json);
// A process object alone (spawn-oci exec --process), as config.json's
// "process": errors name "process.FIELD".
Result<Process> parse_process_json(std::string_view json);

// The names linux.seccomp may use (libseccomp's).
inline constexpr const char* kSeccompActions[] = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                                  "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",
                                                  "SCMP_ACT_ALLOW", "SCMP_ACT_LOG"};
inline constexpr const char* kSeccompOperators[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
                                                    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
inline constexpr const char* kSeccompFlags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                                "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};

// The namespace types the specification defines, in its order.
inline constexpr const char* kNamespaceTypes[] = {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"};

}  // namespace spawn::oci
