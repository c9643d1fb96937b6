// spawn --oci-bundle: bundles made by `runc spec` and edited here, run by
// runc and by spawn side by side (the same observable results), bundles
// that exercise mounts, sysctls and limits, and bad bundles (one line,
// nothing left on the host).
#include <gtest/gtest.h>

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core_util.hpp"
#include "machined/registry.hpp"
#include "harness.hpp"
#include "oci_fixture.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

bool have_runc() { return sh("command -v runc >/dev/null").status == 0; }

RunResult run_spawn_bundle(const Bundle& b, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--oci-bundle=" + b.str()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(spawn_cmd(args));
}

RunResult run_runc_bundle(const Bundle& b) {
    static int n = 0;
    std::string id = "spawn-test-" + std::to_string(getpid()) + "-" + std::to_string(n++);
    auto r = run({"runc", "run", "--bundle", b.str(), id});
    run({"runc", "delete", "--force", id});
    return r;
}

// Runs B with runc and with spawn; both must exit with STATUS and print the
// same. Returns spawn's run.
RunResult same_in_runc_and_spawn(const Bundle& b, int status) {
    auto theirs = run_runc_bundle(b);
    auto ours = run_spawn_bundle(b);
    EXPECT_EQ(theirs.status, status) << theirs.err;
    EXPECT_EQ(ours.status, status) << ours.err;
    EXPECT_EQ(ours.out, theirs.out);
    return ours;
}

// What the process sees of itself that runc and spawn must agree on.
const char* kProbe =
    "id; hostname; grep -E '^(Cap|NoNewPrivs)' /proc/self/status; ulimit -n; umask; pwd; echo HOME=$HOME; "
    "echo FOO=$FOO; echo kcore=$(cat /proc/kcore 2>/dev/null | wc -c); "
    "touch /written 2>/dev/null && echo root-writable || echo root-read-only; "
    "(echo x > /proc/sys/kernel/domainname) 2>/dev/null && echo sys-writable || echo sys-read-only; "
    "exit 7";

// The host range the user namespace tests map the container's 0.. to.
constexpr uint32_t kUsersBase = 0x7A000000;

// B's tree owned by the range's root, and the container in a user namespace
// of its own mapping 0.. to it.
void give_user_namespace(Bundle& b) {
    EXPECT_EQ(sh(fmt::format("chown -R {0}:{0} {1}", kUsersBase, b.tree().str())).status, 0);
    b.config["linux"]["namespaces"].push_back({{"type", "user"}});
    b.config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", kUsersBase}, {"size", 65536}}};
    b.config["linux"]["gidMappings"] = b.config["linux"]["uidMappings"];
}

// HOLDER runs "unshare ... --fork sleep": the sleep, once it is in a KIND
// namespace other than ours (0 if it never is).
pid_t sleeper_of(const Background& holder, const char* kind) {
    pid_t sleeper = 0;
    eventually([&] {
        auto kids = sh(fmt::format("cat /proc/{0}/task/{0}/children", holder.pid())).out;
        return (sleeper = static_cast<pid_t>(std::atoi(kids.c_str()))) > 0 &&
               fs::read_symlink(fmt::format("/proc/{}/ns/{}", sleeper, kind)) !=
                   fs::read_symlink(fmt::format("/proc/self/ns/{}", kind));
    }, std::chrono::seconds(10));
    return sleeper;
}

}  // namespace

TEST(OciBundle, RuncAndSpawnGiveTheSameContainerForRuncsDefaultSpec) {
    if (!have_runc()) GTEST_SKIP() << "runc is not installed (tools/packages.txt has it)";
    Bundle b;
    b.config["process"]["args"] = {"sh", "-c", kProbe};
    b.config["process"]["env"].push_back("FOO=bar");
    b.config["hostname"] = "oci-probe";
    b.save();
    auto ours = same_in_runc_and_spawn(b, 7);
    EXPECT_EQ(ours.err, "");
    // And what was compared is what the bundle says, not a shared mistake.
    auto lines = lines_of(ours.out);
    ASSERT_GE(lines.size(), 8u) << ours.out;
    EXPECT_EQ(lines[0], "uid=0(root) gid=0(root)");
    EXPECT_EQ(lines[1], "oci-probe");
    EXPECT_NE(ours.out.find("CapBnd:\t0000000020000420"), std::string::npos) << ours.out;
    EXPECT_NE(ours.out.find("NoNewPrivs:\t1"), std::string::npos) << ours.out;
    EXPECT_NE(ours.out.find("\n1024\n"), std::string::npos) << ours.out;
    EXPECT_NE(ours.out.find("FOO=bar"), std::string::npos) << ours.out;
    EXPECT_NE(ours.out.find("kcore=0\nroot-read-only\nsys-read-only"), std::string::npos) << ours.out;
    EXPECT_FALSE(fs::exists(b.tree().path() / "written"));
}

TEST(OciBundle, RuncAndSpawnAgreeOnAnotherUserItsGroupsCapabilitiesAndLimits) {
    if (!have_runc()) GTEST_SKIP() << "runc is not installed (tools/packages.txt has it)";
    Bundle b;
    b.config["process"]["args"] = {"sh", "-c", kProbe};
    b.config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}, {"additionalGids", {5, 20}}, {"umask", 077}};
    b.config["process"]["cwd"] = "/tmp";
    b.config["process"]["noNewPrivileges"] = false;
    b.config["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 333}, {"hard", 444}}};
    json caps = {"CAP_CHOWN", "CAP_KILL"};
    b.config["process"]["capabilities"] = {
        {"bounding", {"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"}}, {"effective", caps}, {"permitted", caps},
        {"inheritable", {"CAP_KILL"}}, {"ambient", {"CAP_KILL"}}};
    b.config["root"]["readonly"] = false;
    b.save();
    auto ours = same_in_runc_and_spawn(b, 7);
    auto lines = lines_of(ours.out);
    ASSERT_GE(lines.size(), 3u) << ours.out;
    EXPECT_EQ(lines[0].substr(0, 24), "uid=1000 gid=1000 groups") << lines[0];
    EXPECT_NE(ours.out.find("CapAmb:\t0000000000000020"), std::string::npos) << ours.out;  // CAP_KILL
    EXPECT_NE(ours.out.find("\n333\n0077\n/tmp\n"), std::string::npos) << ours.out;
}

TEST(OciBundle, MountsSysctlsAndMaskedPathsTakeEffect) {
    Bundle b;
    fs::create_directories(b.path() / "data");
    std::ofstream(b.path() / "data" / "marker") << "from the bundle\n";
    std::ofstream(b.tree().path() / "etc" / "secret") << "hidden\n";
    b.config["mounts"].push_back({{"destination", "/data"}, {"type", "bind"}, {"source", "data"},
                                  {"options", {"rbind", "ro", "noexec"}}});
    b.config["mounts"].push_back({{"destination", "/scratch"}, {"type", "tmpfs"}, {"source", "tmpfs"},
                                  {"options", {"nosuid", "size=1m", "mode=700"}}});
    b.config["linux"]["sysctl"] = {{"kernel.shmmni", "1234"}, {"net.ipv4.ip_forward", "1"}};
    b.config["domainname"] = "example.test";
    b.config["linux"]["maskedPaths"].push_back("/etc/secret");
    b.config["linux"]["maskedPaths"].push_back("/does/not/exist");
    b.config["process"]["args"] = {
        "sh", "-c",
        "cat /data/marker; (touch /data/x) 2>/dev/null || echo data-ro; grep -E ' /(data|scratch) ' /proc/self/mountinfo "
        "| grep -oE '(noexec|nosuid)' | sort -u | tr '\\n' ' '; echo; "
        "grep ' /scratch ' /proc/self/mounts | grep -o 'size=1024k'; cat /proc/sys/kernel/shmmni; "
        "cat /proc/sys/net/ipv4/ip_forward; domainname 2>/dev/null || cat /proc/sys/kernel/domainname; "
        "cat /etc/secret 2>/dev/null || echo secret-masked"};
    b.save();
    auto r = run_spawn_bundle(b);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(lines_of(r.out), (std::vector<std::string>{"from the bundle", "data-ro", "noexec nosuid ", "size=1024k",
                                                         "1234", "1", "example.test", "secret-masked"}));
    // The host's own values did not change.
    EXPECT_NE(read_file("/proc/sys/kernel/shmmni"), "1234\n");
    EXPECT_NE(read_file("/proc/sys/kernel/domainname"), "example.test\n");
}

TEST(OciBundle, TheCommandLineWinsAndTheBundleNamesTheMachine) {
    Bundle b;
    b.config["process"]["args"] = {"sh", "-c", "hostname; echo $FOO; exit 3"};
    b.config["process"]["env"].push_back("FOO=from-bundle");
    b.config["hostname"] = "from-bundle";
    b.save();
    auto r = run_spawn_bundle(b, {"--hostname=from-cli"});
    EXPECT_EQ(r.status, 3) << r.err;
    EXPECT_EQ(r.out, "from-cli\nfrom-bundle\n");
    // Another command on the command line replaces process.args.
    auto c = run_spawn_bundle(b, {"/bin/echo", "replaced"});
    EXPECT_EQ(c.status, 0) << c.err;
    EXPECT_EQ(c.out, "replaced\n");
}

TEST(OciBundle, BadBundlesFailInOneLineAndLeaveNothing) {
    auto before = host_mount_points();
    struct Case {
        const char* what;
        std::function<void(Bundle&)> edit;
        std::string message;  // a part of the one line
    };
    std::vector<Case> cases = {
        {"no config.json", [](Bundle& b) { fs::remove(b.path() / "config.json"); }, "has no config.json"},
        {"invalid JSON", [](Bundle& b) { std::ofstream(b.path() / "config.json") << "{\"ociVersion\": "; },
         "config.json is not valid JSON: line 1, column 16"},
        {"wrong ociVersion", [](Bundle& b) { b.config["ociVersion"] = "0.9"; b.save(); },
         "ociVersion: '0.9' is not a version 1.x of the OCI runtime specification"},
        {"a root that is not a directory",
         [](Bundle& b) {
             std::ofstream(b.path() / "file") << "x";
             b.config["root"]["path"] = "file";
             b.save();
         },
         "file"},
        {"a mount destination through a symlink out of the root",
         [](Bundle& b) {
             fs::create_symlink("../../../../../../../../tmp", b.tree().path() / "escape");
             b.config["mounts"].push_back({{"destination", "/escape/oci-escape"}, {"type", "tmpfs"}, {"source", "t"}});
             b.save();
         },
         "/escape/oci-escape in the container is (or passes through) a symlink, refusing to follow it"},
        {"an unknown namespace type",
         [](Bundle& b) {
             b.config["linux"]["namespaces"].push_back({{"type", "moon"}});
             b.save();
         },
         "linux.namespaces[5].type: unknown namespace type 'moon'"},
    };
    for (auto& c : cases) {
        Bundle b;
        b.config["process"]["args"] = {"true"};
        b.save();
        c.edit(b);
        auto r = run_spawn_bundle(b);
        EXPECT_EQ(r.status, 1) << c.what << ": " << r.err;
        EXPECT_EQ(lines_of(r.err).size(), 1u) << c.what << ": " << r.err;
        EXPECT_NE(r.err.find(c.message), std::string::npos) << c.what << ": " << r.err;
        EXPECT_EQ(leaked_mounts(before, b.tree().str()), std::vector<std::string>{}) << c.what;
        EXPECT_EQ(machine_cgroups(b.name()), std::vector<std::string>{}) << c.what;
        EXPECT_FALSE(fs::exists("/tmp/oci-escape")) << c.what;
    }
}

TEST(OciBundle, ResourcesBecomeTheMachinesCgroupLimits) {
    if (!fs::exists("/sys/fs/cgroup/memory/cgroup.procs") || !fs::exists("/sys/fs/cgroup/pids/cgroup.procs"))
        GTEST_SKIP() << "no cgroup v1 memory and pids hierarchies to read the limits from";
    Bundle b;
    b.config["process"]["args"] = {"sleep", "600"};
    b.config["linux"]["resources"]["memory"] = {{"limit", 48 * 1024 * 1024}};
    b.config["linux"]["resources"]["pids"] = {{"limit", 33}};
    b.save();
    // The v1 controllers are not mounted inside: read them from the host while it runs.
    Background s(spawn_cmd({"--oci-bundle=" + b.str()}));
    // The bundle directory's name is the machine's.
    std::string dir = "machine.slice/" + spawn::machined::scope_unit_name(b.name());
    std::string pids_max = "/sys/fs/cgroup/pids/" + dir + "/pids.max";
    ASSERT_TRUE(eventually([&] { return read_file(pids_max) == "33\n"; }, std::chrono::seconds(20)))
        << read_file(pids_max) << s.err();
    EXPECT_EQ(read_file("/sys/fs/cgroup/memory/" + dir + "/memory.limit_in_bytes"), "50331648\n");
    kill(s.pid(), SIGTERM);
    EXPECT_NE(s.wait(std::chrono::seconds(20)), -1);
    EXPECT_EQ(machine_cgroups(b.name()), std::vector<std::string>{});
}

// linux.seccomp as runc compiles it: errno answers with and without argument
// conditions, alternatives on one argument, a kill (of a child: busybox's sh
// itself calls uname, chroot is safe to take away), the default action.
TEST(OciBundle, RuncAndSpawnAgreeOnASeccompProfile) {
    if (!have_runc()) GTEST_SKIP() << "runc is not installed (tools/packages.txt has it)";
    Bundle b;
    b.config["root"]["readonly"] = false;
    b.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
        {"syscalls",
         {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 13}},  // EACCES
          {{"names", {"sethostname"}}, {"action", "SCMP_ACT_ERRNO"}},                          // EPERM by default
          {{"names", {"unshare"}},
           {"action", "SCMP_ACT_ERRNO"},
           {"errnoRet", 22},
           {"args", {{{"index", 0}, {"value", 0x20000}, {"op", "SCMP_CMP_EQ"}},  // CLONE_NEWNS
                     {{"index", 0}, {"value", 0x4000000}, {"op", "SCMP_CMP_EQ"}}}}},  // CLONE_NEWUTS
          {{"names", {"chroot"}}, {"action", "SCMP_ACT_KILL"}},
          {{"names", {"no_such_call_anywhere"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
    b.config["process"]["capabilities"]["bounding"].push_back("CAP_SYS_ADMIN");
    b.config["process"]["capabilities"]["effective"].push_back("CAP_SYS_ADMIN");
    b.config["process"]["capabilities"]["permitted"].push_back("CAP_SYS_ADMIN");
    b.config["process"]["args"] = {
        "sh", "-c",
        "mkdir /tmp/d 2>&1; hostname other 2>&1; unshare -m true 2>&1; unshare -u true 2>&1; "
        "unshare -i true && echo ipc-ok; touch /tmp/f && echo files-ok; chroot / /bin/true 2>/dev/null; "
        "echo chroot=$?; exit 3"};
    b.save();
    auto ours = same_in_runc_and_spawn(b, 3);
    EXPECT_EQ(lines_of(ours.out),
              (std::vector<std::string>{"mkdir: can't create directory '/tmp/d': Permission denied",
                                        "hostname: sethostname: Operation not permitted",
                                        "unshare: unshare(0x20000): Invalid argument",
                                        "unshare: unshare(0x4000000): Invalid argument", "ipc-ok", "files-ok",
                                        "chroot=159"}));
}

// linux.devices: the nodes (type, numbers, mode, owner, a directory made for
// one) and their use (the device policy allows them) as runc makes them; a
// node outside the policy that the bundle does not list stays unusable.
TEST(OciBundle, RuncAndSpawnMakeTheSameDeviceNodes) {
    if (!have_runc()) GTEST_SKIP() << "runc is not installed (tools/packages.txt has it)";
    Bundle b;
    b.config["process"]["args"] = {
        "sh", "-c",
        "stat -c '%n %F %t:%T %a %u:%g' /dev/mynull /dev/sub/myzero; echo x > /dev/sub/myzero && echo wrote; "
        "head -c 2 /dev/sub/myzero | od -An -tx1; exit 3"};
    b.config["linux"]["devices"] = {
        {{"path", "/dev/mynull"}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"fileMode", 0640}, {"uid", 1000}, {"gid", 1000}},
        {{"path", "/dev/sub/myzero"}, {"type", "c"}, {"major", 1}, {"minor", 5}}};
    b.save();
    auto ours = same_in_runc_and_spawn(b, 3);
    EXPECT_NE(ours.out.find("/dev/mynull character special file 1:3 640 1000:1000\n"), std::string::npos) << ours.out;
    EXPECT_NE(ours.out.find("/dev/sub/myzero character special file 1:5 666 0:0\nwrote\n 00 00\n"), std::string::npos)
        << ours.out;
}

// linux.devices with a user namespace of the container's own: the nodes are
// made in its /dev (by the outer child, host root), usable inside, owned by
// the container's IDs the bundle gives (shifted into its range on the host).
TEST(OciBundle, DeviceNodesInAUserNamespaceBelongToTheContainersIds) {
    Bundle b;
    give_user_namespace(b);
    b.config["root"]["readonly"] = false;
    b.config["process"]["args"] = {
        "sh", "-c", "stat -c '%n %t:%T %a %u:%g' /dev/mynull /dev/sub/myzero; echo x > /dev/sub/myzero && echo wrote; "
                    "head -c 2 /dev/sub/myzero | od -An -tx1; cat /proc/self/uid_map"};
    b.config["linux"]["devices"] = {
        {{"path", "/dev/mynull"}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"fileMode", 0640}, {"uid", 1000}, {"gid", 5}},
        {{"path", "/dev/sub/myzero"}, {"type", "c"}, {"major", 1}, {"minor", 5}}};
    b.save();
    auto r = run_spawn_bundle(b);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.substr(0, r.out.find("         0")),
              "/dev/mynull 1:3 640 1000:5\n/dev/sub/myzero 1:5 666 0:0\nwrote\n 00 00\n") << r.out;
    EXPECT_NE(r.out.find(fmt::format("         0 {:10}      65536", kUsersBase)), std::string::npos)
        << "not in its user namespace: " << r.out;
}

// Namespaces joined by path with a user namespace of the container's own:
// the outer child (host root) joins them, mounts the joined PID namespace's
// proc and IPC namespace's mqueue, and the container inherits them (born in
// the joined PID namespace, not its PID 1), as a pod's containers with user
// namespaces join their infrastructure container's. A cgroup namespace
// cannot be joined so (its file systems belong to its user namespace).
TEST(OciBundle, NamespacesAreJoinedByPathWithAUserNamespace) {
    // The pod's infrastructure: a sleep in new IPC, UTS, PID and cgroup namespaces.
    Background infra({"unshare", "--ipc", "--uts", "--pid", "--cgroup", "--fork", "sleep", "1000"});
    const pid_t sleeper = sleeper_of(infra, "pid");
    ASSERT_GT(sleeper, 0);
    Bundle b;
    give_user_namespace(b);
    const std::vector<std::string> kinds = {"ipc", "uts", "pid"};
    for (auto& n : b.config["linux"]["namespaces"])
        for (const auto& kind : kinds)
            if (n["type"] == kind) n["path"] = fmt::format("/proc/{}/ns/{}", sleeper, kind);
    b.config["process"]["args"] = {"sh", "-c", "for n in ipc uts pid user; do readlink /proc/self/ns/$n; done; "
                                               "echo $$; grep -c ' - mqueue ' /proc/self/mountinfo"};
    b.save();
    auto r = run_spawn_bundle(b);
    EXPECT_EQ(r.status, 0) << r.err;
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 6u) << r.out << r.err;
    for (size_t i = 0; i < kinds.size(); ++i)
        EXPECT_EQ(lines[i], fs::read_symlink(fmt::format("/proc/{}/ns/{}", sleeper, kinds[i])).string()) << kinds[i];
    EXPECT_NE(lines[3], fs::read_symlink("/proc/self/ns/user").string()) << "not in a user namespace of its own";
    EXPECT_NE(lines[4], "1") << "PID 1 of the joined PID namespace is the sleeper";
    EXPECT_EQ(lines[5], "1") << "its /dev/mqueue";

    auto& spaces = b.config["linux"]["namespaces"];
    spaces.erase(std::remove_if(spaces.begin(), spaces.end(), [](const auto& n) { return n["type"] == "cgroup"; }),
                 spaces.end());
    spaces.push_back({{"type", "cgroup"}, {"path", fmt::format("/proc/{}/ns/cgroup", sleeper)}});
    b.save();
    auto refused = run_spawn_bundle(b);
    EXPECT_EQ(refused.status, 1);
    EXPECT_EQ(refused.err, "spawn: linux.namespaces: joining a cgroup namespace with a user namespace of the "
                           "container's own is not supported by spawn (its cgroup file systems could not be mounted)\n");
    kill(infra.pid(), SIGKILL);
    kill(sleeper, SIGKILL);
}

// Several ID ranges (uidMappings with more than one entry, as runc takes
// them): every range is in the container's map, a process of the second
// range writes files its host ID owns, and a device node's owner is
// translated by the range it falls in. Overlapping ranges: one line.
TEST(OciBundle, SeveralIdRangesAreMappedAsGiven) {
    constexpr uint32_t kBase = kUsersBase, kSecond = 0x7B000000;
    Bundle b;
    ASSERT_EQ(sh(fmt::format("chown -R {0}:{0} {1} && mkdir {1}/w && chown {2}:{2} {1}/w", kBase, b.tree().str(),
                             kSecond + 500)).status, 0);
    b.config["root"]["readonly"] = false;
    b.config["linux"]["namespaces"].push_back({{"type", "user"}});
    b.config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", kBase}, {"size", 1000}},
                                        {{"containerID", 1000}, {"hostID", kSecond}, {"size", 1000}}};
    b.config["linux"]["gidMappings"] = b.config["linux"]["uidMappings"];
    b.config["linux"]["devices"] = {{{"path", "/dev/mine"}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"uid", 1500}, {"gid", 1500}}};
    b.config["process"]["user"] = {{"uid", 1500}, {"gid", 1500}};
    b.config["process"]["args"] = {"sh", "-c", "cat /proc/self/uid_map; stat -c '%u:%g' /dev/mine; touch /w/made && id -u"};
    b.save();
    auto r = run_spawn_bundle(b);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, fmt::format("         0 {:10}       1000\n      1000 {:10}       1000\n1500:1500\n1500\n", kBase, kSecond))
        << r.out;
    struct stat st {};
    ASSERT_EQ(stat((b.tree().path() / "w" / "made").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, kSecond + 500);

    b.config["linux"]["uidMappings"][1]["containerID"] = 500;  // within the first
    b.config["linux"]["gidMappings"] = b.config["linux"]["uidMappings"];
    b.save();
    auto bad = run_spawn_bundle(b);
    EXPECT_EQ(bad.status, 1);
    EXPECT_EQ(bad.err, "spawn: several ID ranges: container IDs 500..1499 overlap another range\n");
}

// A mount namespace joined by path: the container's tree is set up and
// pivoted into in that namespace, as runc does (its other processes whose
// root was its root see the container's root afterwards); spawn's own mount
// namespace is not touched.
TEST(OciBundle, AMountNamespaceIsJoinedByPath) {
    Background holder({"unshare", "--mount", "--propagation", "private", "--fork", "sleep", "1000"});
    const pid_t sleeper = sleeper_of(holder, "mnt");
    ASSERT_GT(sleeper, 0);
    const std::string joined = fs::read_symlink(fmt::format("/proc/{}/ns/mnt", sleeper)).string();
    const auto mounts_before = read_file("/proc/self/mountinfo");
    Bundle b;
    for (auto& n : b.config["linux"]["namespaces"])
        if (n["type"] == "mount") n["path"] = fmt::format("/proc/{}/ns/mnt", sleeper);
    b.config["process"]["args"] = {"sh", "-c", "readlink /proc/self/ns/mnt; test -e /bin/busybox && echo tree"};
    b.save();
    auto r = run_spawn_bundle(b);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, joined + "\ntree\n");
    EXPECT_TRUE(fs::exists(fmt::format("/proc/{}/root/bin/busybox", sleeper))) << "the joined namespace's root";
    EXPECT_EQ(read_file("/proc/self/mountinfo"), mounts_before);
    kill(sleeper, SIGKILL);
}

// A user namespace joined by path (a pod's, made by its infrastructure): the
// container runs in it, its maps are the container's, and what the
// container's root makes in the tree is owned by that range's root.
TEST(OciBundle, AUserNamespaceIsJoinedByPath) {
    constexpr uint32_t kBase = kUsersBase;
    // A process in a new user namespace with MAP as both maps ("": none).
    auto holder_of = [](const std::string& map) {
        int ready[2];
        if (pipe(ready) < 0) return pid_t(-1);
        pid_t pid = fork();
        if (pid == 0) {
            char c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
            (void)!write(ready[1], &c, 1);
            pause();
            _exit(0);
        }
        close(ready[1]);
        char c = 0;
        bool up = read(ready[0], &c, 1) == 1 && c == 'y';
        close(ready[0]);
        if (up && !map.empty())
            for (const char* file : {"uid_map", "gid_map"}) std::ofstream(fmt::format("/proc/{}/{}", pid, file)) << map;
        return up ? pid : pid_t(-1);
    };
    const pid_t holder = holder_of(fmt::format("0 {} 65536\n", kBase));
    ASSERT_GT(holder, 0);
    Bundle b;
    ASSERT_EQ(sh(fmt::format("chown -R {0}:{0} {1}", kBase, b.tree().str())).status, 0);
    b.config["root"]["readonly"] = false;
    b.config["linux"]["namespaces"].push_back({{"type", "user"}, {"path", fmt::format("/proc/{}/ns/user", holder)}});
    b.config["process"]["args"] = {"sh", "-c", "readlink /proc/self/ns/user; cat /proc/self/uid_map; touch /made"};
    b.save();
    auto r = run_spawn_bundle(b);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, fmt::format("{}\n         0 {:10}      65536\n",
                                 fs::read_symlink(fmt::format("/proc/{}/ns/user", holder)).string(), kBase));
    struct stat st {};
    EXPECT_EQ(stat((b.tree().path() / "made").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, kBase);

    // A user namespace with no maps: one line, nothing run.
    const pid_t unmapped = holder_of("");
    ASSERT_GT(unmapped, 0);
    b.config["linux"]["namespaces"].back()["path"] = fmt::format("/proc/{}/ns/user", unmapped);
    b.save();
    auto bad = run_spawn_bundle(b);
    EXPECT_EQ(bad.status, 1);
    EXPECT_EQ(bad.err, fmt::format("spawn: user namespace /proc/{}/ns/user: spawn joins a user namespace that maps "
                                   "one range from ID 0, not ''\n", unmapped));
    for (pid_t pid : {holder, unmapped}) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }
}
