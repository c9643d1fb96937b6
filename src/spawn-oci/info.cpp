// features and spec.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "config/capabilities.hpp"
#include "oci/runtime_state.hpp"
#include "spawn-oci/runtime.hpp"
#include "util/file.hpp"

namespace spawn::oci_runtime {

namespace {

using json = nlohmann::ordered_json;

json capability_list(uint64_t mask) {
    json a = json::array();
    for (int c = 0; c <= CAP_LAST_CAP; ++c)
        if (mask & cap_bit(c)) a.push_back(capability_name(c));
    return a;
}

// runc's default: the capabilities a container gets without asking.
constexpr uint64_t kDefaultCapabilities = cap_bit(CAP_AUDIT_WRITE) | cap_bit(CAP_KILL) | cap_bit(CAP_NET_BIND_SERVICE);

json mount(const char* dest, const char* type, const char* source, std::initializer_list<const char*> options) {
    json o = json::array();
    for (const char* x : options) o.push_back(x);
    return {{"destination", dest}, {"type", type}, {"source", source}, {"options", o}};
}

}  // namespace

// What this runtime implements (the runtime specification's features.md).
int cmd_features(const Globals&, const Args& args) {
    auto p = parse_args("features", args, {});
    if (!p.ok()) return exit_status(std::move(p).error());
    json f = {
        {"ociVersionMin", "1.0.0"},
        {"ociVersionMax", "1.1.0"},
        {"hooks", {"prestart", "createRuntime", "poststart", "poststop"}},
        {"mountOptions", {"bind", "rbind", "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec",
                          "private", "rprivate", "slave", "rslave", "shared", "rshared", "atime", "noatime",
                          "relatime", "strictatime"}},
        {"linux",
         {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "user", "uts"}},
          {"capabilities", capability_list(kAllCapabilities)},
          {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", true}, {"systemdUser", false}}},
          {"seccomp",
           {{"enabled", true},
            {"actions", {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                         "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"}},
            {"operators", {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                           "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"}},
            {"archs", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}}}},
          {"apparmor", {{"enabled", false}}},
          {"selinux", {{"enabled", false}}}}},
        {"annotations", {{"io.github.spawn.version", SPAWN_VERSION}}}};
    std::printf("%s\n", f.dump(4).c_str());
    return 0;
}

// A starting config.json in the current directory (or --bundle), as runc's:
// sh in ./rootfs, read-only, with runc's mounts, masked paths and capabilities.
int cmd_spec(const Globals&, const Args& args) {
    auto r = [&]() -> Result<void> {
        auto p = TRY(parse_args("spec", args, {{"bundle", 'b', true}, {"rootless", 0, false}}));
        if (p.has("rootless")) return Error::msg("spec: --rootless: rootless containers are not supported");
        if (!p.positional.empty()) return Error::msg("spec: takes no arguments");
        const std::string path = (p.get("bundle") ? *p.get("bundle") + "/" : std::string()) + "config.json";
        const json caps = capability_list(kDefaultCapabilities);
        json spec = {
            {"ociVersion", oci::kRuntimeSpecVersion},
            {"process",
             {{"terminal", true},
              {"user", {{"uid", 0}, {"gid", 0}}},
              {"args", {"sh"}},
              {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
              {"cwd", "/"},
              {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
              {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
              {"noNewPrivileges", true}}},
            {"root", {{"path", "rootfs"}, {"readonly", true}}},
            {"hostname", "spawn"},
            {"mounts",
             {mount("/proc", "proc", "proc", {}),
              mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
              mount("/dev/pts", "devpts", "devpts",
                    {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
              mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
              mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
              mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
              mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"})}},
            {"linux",
             {{"namespaces", {{{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}}, {{"type", "uts"}},
                              {{"type", "mount"}}, {{"type", "cgroup"}}}},
              {"maskedPaths", {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                               "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                               "/proc/scsi"}},
              {"readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}}}};
        if (access(path.c_str(), F_OK) == 0) return Error::msg("spec: {} already exists", path);
        return write_file(path, spec.dump(4) + "\n", O_CREAT | O_EXCL, 0644);
    }();
    return exit_status(r);
}

}  // namespace spawn::oci_runtime
