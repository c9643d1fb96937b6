// OCI bundles: config.json -> oci::Spec (oci/spec.hpp) -> spawn's settings
// (oci/bundle.hpp), and how they meet the command line (merge_settings).
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "config/capabilities.hpp"
#include "config/settings_mask.hpp"
#include "container/mount_plan.hpp"
#include "oci/bundle.hpp"
#include "oci/spec.hpp"
#include "spawn_args.hpp"

namespace spawn {
namespace {

std::string corpus(const char* name) {
    const char* root = std::getenv("SPAWN_SOURCE_ROOT");
    std::ifstream in(std::string(root ? root : ".") + "/tests/fuzz/corpus/oci_config/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

SettingsFile settings_of(const std::string& json, const std::string& bundle = "/srv/b") {
    auto spec = oci::parse_spec(json);
    EXPECT_TRUE(spec.ok()) << spec.error().message();
    auto f = oci::bundle_settings(*spec, bundle);
    EXPECT_TRUE(f.ok()) << f.error().message();
    return *f;
}

// The error of parsing and mapping JSON.
std::string error_of(const std::string& json) {
    auto spec = oci::parse_spec(json);
    if (!spec.ok()) return spec.error().message();
    auto f = oci::bundle_settings(*spec, "/srv/b");
    return f.ok() ? "(no error)" : f.error().message();
}

// A minimal valid config.json with FIELDS (",\"key\": value" text) added at the top level.
std::string minimal(const std::string& process_extra = "", const std::string& linux_extra = "",
                    const std::string& top_extra = "") {
    return R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"},
               "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/")" + process_extra + R"(},
               "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}])" +
           linux_extra + "}" + top_extra + "}";
}

TEST(OciBundle, RuncsDefaultSpecBecomesSpawnsSettings) {
    SettingsFile f = settings_of(corpus("runc-spec.json"));
    const Config& c = f.values;
    EXPECT_EQ(c.directory, "/srv/b/rootfs");
    EXPECT_TRUE(c.read_only);
    EXPECT_EQ(c.command, std::vector<std::string>{"sh"});
    EXPECT_FALSE(c.boot);
    EXPECT_EQ(c.setenv, (std::vector<std::string>{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                                   "TERM=xterm"}));
    EXPECT_TRUE(c.exact_environment);
    EXPECT_EQ(c.chdir, "/");
    ASSERT_TRUE(c.user_ids);
    EXPECT_EQ(c.user_ids->uid, 0u);
    EXPECT_TRUE(c.user_ids->groups.empty());
    EXPECT_FALSE(c.console) << "terminal: true follows spawn's own terminal";
    ASSERT_TRUE(c.capability_sets);
    uint64_t three = cap_bit(CAP_AUDIT_WRITE) | cap_bit(CAP_KILL) | cap_bit(CAP_NET_BIND_SERVICE);
    EXPECT_EQ(c.capability_sets->bounding, three);
    EXPECT_EQ(c.capability_sets->effective, three);
    EXPECT_EQ(c.capability_sets->inheritable, 0u);
    ASSERT_TRUE(c.rlimits[RLIMIT_NOFILE]);
    EXPECT_EQ(c.rlimits[RLIMIT_NOFILE]->soft, 1024u);
    EXPECT_TRUE(c.no_new_privileges);
    EXPECT_EQ(c.hostname, "runc");
    EXPECT_TRUE(c.net.private_network);
    EXPECT_FALSE(c.userns.enabled());
    EXPECT_TRUE(c.binds.empty()) << "runc's /proc, /dev, /sys, cgroup mounts are spawn's own";
    EXPECT_TRUE(c.tmpfs.empty());
    EXPECT_EQ(c.masked_paths.size(), 10u);
    EXPECT_EQ(c.masked_paths.front(), "/proc/acpi");
    EXPECT_EQ(c.read_only_paths.back(), "/proc/sysrq-trigger");
    EXPECT_EQ(c.resolv_conf, ResolvConfMode::Off);
    EXPECT_EQ(c.timezone, TimezoneMode::Off);
    EXPECT_EQ(c.link_journal, LinkJournal::No);
    EXPECT_TRUE(f.warnings.empty());
}

// linux.devices: nodes in /dev, and the resources rules that allow them.
TEST(OciBundle, DeviceNodesAreMadeAndAllowed) {
    SettingsFile f = settings_of(minimal("", R"(, "devices": [
        {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 432, "uid": 5, "gid": 6},
        {"path": "/dev/sub/blk", "type": "b", "major": 7, "minor": 0}],
        "resources": {"devices": [{"allow": false, "access": "rwm"},
                                  {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwm"}]})"));
    ASSERT_EQ(f.values.device_nodes.size(), 2u);
    EXPECT_EQ(f.values.device_nodes[0], (DeviceNodeSpec{"/dev/fuse", 'c', 10, 229, 0660, 5, 6}));
    EXPECT_EQ(f.values.device_nodes[1], (DeviceNodeSpec{"/dev/sub/blk", 'b', 7, 0, 0666, 0, 0}));
    Config cfg;
    merge_settings(cfg, f, false);
    auto steps = container::plan_mounts(cfg, container::MountFacts{});
    auto at = [&](const std::string& target) {
        return std::find_if(steps.begin(), steps.end(), [&](const container::MountStep& s) { return s.target == target; });
    };
    ASSERT_NE(at("/dev/fuse"), steps.end());
    EXPECT_EQ(at("/dev/fuse")->mode, static_cast<mode_t>(S_IFCHR | 0660));
    EXPECT_EQ(at("/dev/fuse")->dev, makedev(10, 229));
    EXPECT_EQ(at("/dev/fuse")->uid, 5u);
    ASSERT_NE(at("/dev/sub"), steps.end());
    EXPECT_EQ(at("/dev/sub")->kind, container::StepKind::MakeDir);
    EXPECT_LT(at("/dev/sub"), at("/dev/sub/blk"));
    EXPECT_GT(at("/dev/fuse"), at("/dev"));
}

// A pod's shared namespaces: IPC, UTS, PID and cgroup joined by path, as
// the command line cannot say.
TEST(OciBundle, PodNamespacesAreJoinedByPath) {
    SettingsFile f = settings_of(minimal("", R"(, "namespaces": [{"type": "pid", "path": "/proc/7/ns/pid"},
        {"type": "mount"}, {"type": "ipc", "path": "/proc/7/ns/ipc"}, {"type": "uts", "path": "/run/pod/uts"},
        {"type": "cgroup", "path": "/proc/7/ns/cgroup"}])"));
    EXPECT_EQ(f.values.joined_namespaces,
              (std::vector<JoinedNamespace>{{CLONE_NEWPID, "/proc/7/ns/pid"},
                                            {CLONE_NEWIPC, "/proc/7/ns/ipc"},
                                            {CLONE_NEWUTS, "/run/pod/uts"},
                                            {CLONE_NEWCGROUP, "/proc/7/ns/cgroup"}}));
    Config cfg;
    merge_settings(cfg, f, false);
    EXPECT_EQ(cfg.joined_namespaces, f.values.joined_namespaces);
}

TEST(OciBundle, EveryFieldSpawnTakesLandsInItsOption) {
    SettingsFile f = settings_of(corpus("full.json"));
    const Config& c = f.values;
    EXPECT_EQ(c.directory, "/srv/rootfs");
    EXPECT_EQ(c.user_ids, (UserIds{1000, 1000, {5, 10}, 022}));
    EXPECT_EQ(c.console, ConsoleMode::Pipe);
    EXPECT_EQ(c.chdir, "/tmp");
    EXPECT_EQ(c.capability_sets->ambient, cap_bit(CAP_KILL));
    EXPECT_EQ(c.rlimits[RLIMIT_NOFILE], (ResourceLimit{100, 200}));
    EXPECT_EQ(c.oom_score_adjust, 100);
    ASSERT_EQ(c.binds.size(), 1u);
    EXPECT_EQ(c.binds[0].source, "/srv/b/data");
    EXPECT_EQ(c.binds[0].target, "/data");
    EXPECT_TRUE(c.binds[0].read_only);
    EXPECT_TRUE(c.binds[0].recursive);
    EXPECT_EQ(c.binds[0].flags, static_cast<unsigned long>(MS_NOSUID));
    ASSERT_EQ(c.tmpfs.size(), 1u);
    EXPECT_EQ(c.tmpfs[0].options, "size=1m,mode=700");
    EXPECT_EQ(c.tmpfs[0].flags, static_cast<unsigned long>(MS_NOSUID));
    EXPECT_EQ(c.userns.mode, UserNsMode::Fixed);
    EXPECT_EQ(c.userns.base, 100000u);
    EXPECT_EQ(c.userns.count, 65536u);
    EXPECT_EQ(c.sysctls, (std::vector<std::pair<std::string, std::string>>{
                             {"kernel.shmmax", "1000000"}, {"net.ipv4.ip_forward", "1"}, {"kernel.domainname", "d"}}));
    EXPECT_EQ(c.properties, (std::vector<std::string>{"MemoryMax=100000000", "MemorySwapMax=100000000",
                                                      "CPUShares=512", "CPUQuota=50%", "AllowedCPUs=0",
                                                      "TasksMax=100"}));
    EXPECT_EQ(c.slice, "machine.slice");
    ASSERT_TRUE(c.seccomp_profile);
    EXPECT_EQ(c.seccomp_profile->default_action, "SCMP_ACT_ERRNO");
    EXPECT_EQ(c.seccomp_profile->default_errno_ret, 38u);
    ASSERT_EQ(c.seccomp_profile->syscalls.size(), 2u);
    EXPECT_EQ(c.seccomp_profile->syscalls[1].args,
              (std::vector<SeccompArg>{{0, 0xffffffff, 0, "SCMP_CMP_NE"}, {0, 8, 0, "SCMP_CMP_EQ"}}));
    ASSERT_EQ(f.warnings.size(), 1u);
    EXPECT_EQ(f.warnings[0], "linux.resources.devices[2]: allowing mknod of c *:* m is ignored: spawn's device "
                             "policy allows only its own devices");
}

TEST(OciBundle, BadBundlesAreOneLineNamingTheField) {
    for (auto [json, message] : std::vector<std::pair<std::string, std::string>>{
             {"{", "config.json is not valid JSON: line 1, column 2: syntax error while parsing object key - "
                   "unexpected end of input; expected string literal"},
             {"[]", "config.json: expected a JSON object"},
             {"[1e999999]", "config.json is not valid JSON: number overflow parsing '1e999999'"},  // found by the fuzzer
             {R"({"root": {"path": "r"}})", "ociVersion: missing"},
             {R"({"ociVersion": "2.0.0", "root": {"path": "r"}})",
              "ociVersion: '2.0.0' is not a version 1.x of the OCI runtime specification"},
             {R"({"ociVersion": "1.0.0"})", "root: missing"},
             {R"({"ociVersion": "1.0.0", "root": {"path": 5}})", "root.path: expected a string"},
             {R"({"ociVersion": "1.0.0", "root": {"path": "r"}})", "process: missing (spawn runs a bundle's process)"},
             {minimal(R"(, "user": {"uid": -1, "gid": 0})"), "process.user.uid: expected an unsigned 32-bit integer"},
             {minimal(R"(, "args": [])"), "process.args: is empty: there is nothing to run"},
             {minimal(R"(, "cwd": "tmp")"), "process.cwd: 'tmp' is not an absolute path"},
             {minimal(R"(, "env": ["NOEQUALS"])"), "process.env[0]: 'NOEQUALS' is not NAME=VALUE"},
             {minimal(R"(, "capabilities": {"bounding": ["CAP_FLY"]})"),
              "process.capabilities.bounding: unknown capability 'CAP_FLY'"},
             {minimal(R"(, "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 5}])"),
              "process.rlimits[0]: soft limit 10 is above the hard limit 5"},
             {minimal(R"(, "oomScoreAdj": 2000)"), "process.oomScoreAdj: 2000 is out of range (-1000..1000)"},
             {minimal(R"(, "apparmorProfile": "x")"), "process.apparmorProfile: AppArmor is not supported by spawn"},
             {minimal("", R"(, "namespaces": [{"type": "pid"}, {"type": "moon"}])"),
              "linux.namespaces[1].type: unknown namespace type 'moon'"},
             {minimal("", R"(, "namespaces": [{"type": "mount"}, {"type": "ipc"}, {"type": "uts"}])"),
              "linux.namespaces: no pid namespace: spawn always gives a container its own mount, PID, IPC and UTS "
              "namespaces"},
             {minimal("", R"(, "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"},
                                {"type": "user", "path": "/proc/1/ns/user"}],
                                "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 10}],
                                "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 10}])"),
              "linux.uidMappings: not with a user namespace joined by path (its maps are its own)"},
             {minimal("", R"(, "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc", "path": "ns/ipc"},
                                {"type": "uts"}])"),
              "linux.namespaces[2].path: 'ns/ipc' is not an absolute path"},
             {minimal("", R"(, "seccomp": {"defaultAction": "SCMP_ACT_NOTIFY"})"),
              "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY (a seccomp agent) is not supported by spawn"},
             {minimal("", R"(, "seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
                                             "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_FROWN"}]})"),
              "linux.seccomp.syscalls[0].action: unknown action 'SCMP_ACT_FROWN'"},
             {minimal("", R"(, "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"],
                             "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})"),
              "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0..5)"},
             {minimal("", R"(, "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["VAX"]})"),
              "linux.seccomp.architectures[0]: unknown architecture 'VAX'"},
             {minimal("", R"(, "sysctl": {"kernel.panic": "1"})"),
              "linux.sysctl: kernel.panic is not a sysctl of the container's own namespaces"},
             {minimal("", R"(, "sysctl": {"net.ipv4.ip_forward": "1"})"),
              "linux.sysctl: net.ipv4.ip_forward is not a sysctl of the container's own namespaces (it has no network "
              "namespace of its own)"},
             {minimal("", R"(, "sysctl": {"../../x": "1"})"), "linux.sysctl: '../../x' is not a sysctl name"},
             {minimal("", R"(, "uidMappings": [{"containerID": 0, "hostID": 1, "size": 5}])"),
              "linux.uidMappings: ID mappings without a user namespace in linux.namespaces"},
             {minimal("", R"(, "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"},
                                {"type": "user"}], "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 10}],
                                "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 10}])"),
              "linux.uidMappings: spawn maps the same ranges for users and groups (equal uid and gid mappings), one "
              "of them from the container's ID 0"},
             {minimal("", R"(, "resources": {"devices": [{"allow": true, "access": "rwm"}]})"),
              "linux.resources.devices[0]: spawn starts from its own closed device policy; the rules must begin with "
              "one that denies every device ({\"allow\": false, \"access\": \"rwm\"})"},
             {minimal("", R"(, "resources": {"devices": [{"allow": false, "access": "rwm"},
                             {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwm"}]})"),
              "linux.resources.devices[1]: allowing c 10:229 rwm is not supported by spawn yet (its device policy "
              "allows /dev/null, zero, full, random, urandom, tty, ptmx, the pts, /dev/net/tun, and the nodes of "
              "linux.devices)"},
             {minimal("", R"(, "devices": [{"path": "/etc/x", "type": "c", "major": 1, "minor": 3}])"),
              "linux.devices[0].path: '/etc/x' is not a path below /dev"},
             {minimal("", R"(, "devices": [{"path": "/dev/x", "type": "q", "major": 1, "minor": 3}])"),
              "linux.devices[0].type: 'q' is not a device type (c, u, b or p)"},
             {minimal("", R"(, "devices": [{"path": "/dev/x", "type": "c"}])"),
              "linux.devices[0]: needs major and minor"},
             {minimal("", R"(, "resources": {"cpu": {"cpus": "x"}})"),
              "linux.resources.cpu.cpus: --property=AllowedCPUs=x: expected a list like 0-3,6"},
             {minimal("", "", R"(, "mounts": [{"destination": "/x", "type": "sysfs", "source": "sysfs"}])"),
              "mounts[0]: a sysfs mount on /x is not supported by spawn (it mounts bind and tmpfs mounts from a "
              "bundle, and its own /proc, /dev and /sys)"},
             {minimal("", "", R"(, "mounts": [{"destination": "/x", "type": "bind", "source": "/y",
                                              "options": ["rbind", "wobbly"]}])"),
              "mounts[0].options: 'wobbly' is not supported by spawn"},
             {minimal("", "", R"(, "mounts": [{"destination": "x", "type": "tmpfs"}])"),
              "mounts[0].destination: 'x' is not an absolute path"},
             {minimal("", "", R"(, "hooks": {"startContainer": [{"path": "/bin/true", "args": "x"}]})"),
              "hooks.startContainer[0].args: expected an array"},
             {minimal("", "", R"(, "hooks": {"poststart": [{"path": "true"}]})"),
              "hooks.poststart[0].path: 'true' is not an absolute path"},
             {minimal("", "", R"(, "hooks": {"poststop": [{"path": "/bin/true", "timeout": 0}]})"),
              "hooks.poststop[0].timeout: 0 is out of range (1..2147483647)"},
             {minimal("", "", R"(, "hostname": "not a name")"),
              "hostname: Invalid --hostname: 'not a name' (expected 1-64 characters of letters, digits, '-' and '.', in "
              "dot-separated labels that neither begin nor end with '-')"},
         }) {
        EXPECT_EQ(error_of(json), message) << json;
    }
}

TEST(OciBundle, UnknownPropertiesAreIgnoredAsTheSpecificationAsks) {
    SettingsFile f = settings_of(minimal(R"(, "futureField": {"x": 1})", R"(, "alsoNew": [1, 2])",
                                         R"(, "org.example/ext": true, "hooks": {}, "annotations": {"a": "b"})"));
    EXPECT_EQ(f.values.command, std::vector<std::string>{"sh"});
}

TEST(OciBundle, SeveralIdRangesBecomeTheRangeFromZeroAndFurtherLines) {
    const std::string maps = R"([{"containerID": 1000, "hostID": 300000, "size": 10},
                                  {"containerID": 0, "hostID": 200000, "size": 1000}])";
    SettingsFile f = settings_of(minimal("", R"(, "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"},
        {"type": "uts"}, {"type": "user"}], "uidMappings": )" + maps + R"(, "gidMappings": )" + maps));
    EXPECT_EQ(f.values.userns.mode, UserNsMode::Fixed);
    EXPECT_EQ(f.values.userns.base, 200000u);
    EXPECT_EQ(f.values.userns.count, 1000u);
    EXPECT_EQ(f.values.userns.extra, (std::vector<IdMapExtent>{{1000, 300000, 10}}));
}

TEST(OciBundle, EveryHookListIsReadWithItsFields) {
    auto spec = oci::parse_spec(minimal("", "", R"(, "hooks": {
        "prestart": [{"path": "/p"}], "createRuntime": [{"path": "/cr"}],
        "createContainer": [{"path": "/cc", "args": ["cc", "-x"], "env": ["A=1"], "timeout": 5}],
        "startContainer": [{"path": "/sc"}, {"path": "/sc2"}],
        "poststart": [{"path": "/ps"}], "poststop": [{"path": "/pst"}]})"));
    ASSERT_TRUE(spec.ok()) << spec.error().message();
    const oci::Hooks& h = spec->hooks;
    EXPECT_EQ(h.prestart.at(0).path, "/p");
    EXPECT_EQ(h.create_runtime.at(0).path, "/cr");
    EXPECT_EQ(h.create_container.at(0), (oci::Hook{"/cc", {"cc", "-x"}, {"A=1"}, 5}));
    ASSERT_EQ(h.start_container.size(), 2u);
    EXPECT_EQ(h.start_container[1].path, "/sc2");
    EXPECT_EQ(h.poststart.at(0).path, "/ps");
    EXPECT_EQ(h.poststop.at(0).path, "/pst");
}

TEST(OciBundle, TheCommandLineWinsOverTheBundle) {
    Config cli = *test::parse_spawn_args({"--hostname=mine", "-E", "X=1", "--console=read-only", "-M", "m"});
    SettingsFile f = settings_of(corpus("full.json"));
    merge_settings(cli, f, false);
    EXPECT_EQ(cli.hostname, "mine");
    EXPECT_EQ(cli.setenv, std::vector<std::string>{"X=1"});
    EXPECT_EQ(cli.console, ConsoleMode::ReadOnly);
    // What the command line did not give comes from the bundle.
    EXPECT_EQ(cli.user_ids, (UserIds{1000, 1000, {5, 10}, 022}));
    EXPECT_EQ(cli.sysctls.size(), 3u);
    EXPECT_EQ(cli.properties.size(), 6u);
    EXPECT_EQ(cli.masked_paths, std::vector<std::string>{"/proc/kcore"});
    EXPECT_EQ(cli.command, (std::vector<std::string>{"/bin/sh", "-c", "true"}));
}

TEST(OciBundle, OnlyTheContainersOwnNamespacesSysctlsAreAllowed) {
    EXPECT_TRUE(oci::sysctl_is_namespaced("kernel.shmmax", false));
    EXPECT_TRUE(oci::sysctl_is_namespaced("fs.mqueue.msg_max", false));
    EXPECT_TRUE(oci::sysctl_is_namespaced("net.core.somaxconn", true));
    EXPECT_FALSE(oci::sysctl_is_namespaced("net.core.somaxconn", false));
    EXPECT_FALSE(oci::sysctl_is_namespaced("kernel.panic", true));
    EXPECT_FALSE(oci::sysctl_is_namespaced("vm.overcommit_memory", true));
}

}  // namespace
}  // namespace spawn
