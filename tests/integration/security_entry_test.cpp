// Attacks from container root on the processes of ours that enter or start a
// machine (the runc CVE-2019-5736 class): overwriting the host's mctl or
// spawn binary through /proc/self/exe, writing host libraries through
// /proc/PID/map_files, tracing the entry helper while it holds the host's
// privileges, reading the caller's descriptors. Each test performs the
// attack from inside and checks the host afterwards. The binaries attacked
// are copies, so a regression damages a copy, not the build.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "bus_fixture.hpp"
#include "container/caps.hpp"
#include "container/seccomp_cache.hpp"
#include "container/seccomp_plan.hpp"
#include "core_util.hpp"
#include "harness.hpp"
#include "probe_tree.hpp"
#include "machined/registry.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;

namespace {

const auto* const kBus = ::testing::AddGlobalTestEnvironment(new BusFixture);

std::string env_path(const char* name) {
    const char* v = std::getenv(name);
    if (!v) ADD_FAILURE() << name << " is not set (run through meson test)";
    return v ? v : "";
}

// A private copy of a binary under test, removed with the object.
struct BinaryCopy {
    ScratchDir scratch;
    fs::path path;
    explicit BinaryCopy(const std::string& from) : path(scratch.path() / fs::path(from).filename()) {
        fs::copy_file(from, path);
        fs::permissions(path, fs::perms(0755));
    }
    std::string contents() const { return read_file(path); }
};

// A busybox tree armed for the /proc/self/exe attack: /bin/true re-executes
// whatever binary execs it, and the loader of dynamic binaries is ours.
struct ArmedTree {
    TempTree tree{"busybox"};
    ArmedTree() {
        fs::remove(tree.path() / "usr/bin/true");
        std::ofstream(tree.path() / "usr/bin/true") << "#!/proc/self/exe\n";
        fs::permissions(tree.path() / "usr/bin/true", fs::perms(0755));
        fs::create_directories(tree.path() / "lib64");
        fs::copy_file(env_path("EXE_ATTACKER"), tree.path() / "lib64/ld-linux-x86-64.so.2");
        fs::permissions(tree.path() / "lib64/ld-linux-x86-64.so.2", fs::perms(0755));
    }
    bool marker(const char* name) const { return fs::exists(tree.path() / "var/tmp" / name); }
    // After the entering command returned: if the attacker ran, wait for it
    // to finish its attempt (it writes, or gives up after ~10 s).
    void settle() const {
        if (!marker("attack-started")) return;
        eventually([&] { return marker("attack-wrote") || marker("attack-gave-up"); }, std::chrono::seconds(20));
    }
};

std::map<std::string, std::string> parse(const std::string& out) {
    std::map<std::string, std::string> m;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
        auto sp = line.find(' ');
        if (sp == std::string::npos) continue;
        std::string key = line.substr(0, sp), value = line.substr(sp + 1);
        m[key] += m.count(key) ? "\n" + value : value;
    }
    return m;
}

// Every file mapped (the "mapped" lines of the probe) is the sealed helper.
bool only_sealed_mappings(const std::string& mapped) {
    std::istringstream in(mapped);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        if (line.rfind("/memfd:spawn-helper", 0) != 0) return false;
        ++n;
    }
    return n > 0;
}

uint64_t hex(const std::string& s) { return std::strtoull(s.c_str(), nullptr, 16); }

bool is_x86_64() {
#if defined(__x86_64__)
    return true;
#else
    return false;
#endif
}

// The capability bounding set of a registered machine's leader.
uint64_t machine_bounding_set(const std::string& name) {
    auto m = spawn::machined::Machined::connect();
    if (!m) return 0;
    auto info = m->get(name);
    if (!info) return 0;
    auto bnd = spawn::container::read_bounding_set(static_cast<pid_t>(info->leader));
    return bnd ? *bnd : 0;
}

class SecurityEntry : public ::testing::Test {
protected:
    void SetUp() override { BusFixture::ensure_machined(); }
};

}  // namespace

// CVE-2019-5736 against mctl: `mctl exec NAME /bin/true` where /bin/true is
// "#!/proc/self/exe" and the tree's loader is the attacker. A helper that
// still ran mctl's image would hand the attacker the host's mctl binary.
TEST_F(SecurityEntry, MctlExecCannotOverwriteTheHostBinary) {
    if (!is_x86_64()) GTEST_SKIP() << "the attacker is written for x86_64";
    ArmedTree t;
    BinaryCopy mctl(mctl_bin());
    const std::string before = mctl.contents();
    BackgroundSpawn s({"-q", "-D", t.tree.str(), "-M", "sec-exe-mctl", "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(s.wait_registered("sec-exe-mctl")) << s.output();
    auto ex = run({mctl.path.string(), "exec", "sec-exe-mctl", "/bin/true"});
    t.settle();
    EXPECT_FALSE(t.marker("attack-started")) << "the container's loader ran with mctl's image: " << ex.err;
    EXPECT_FALSE(t.marker("attack-wrote"));
    EXPECT_TRUE(mctl.contents() == before) << "the host's mctl binary was modified from inside the container";
    // The machine's own script interpreter chain ends in the sealed helper,
    // which refuses to be anything but a helper.
    EXPECT_EQ(ex.status, 127) << ex.out << ex.err;
    EXPECT_NE(ex.err.find("spawn-helper: "), std::string::npos) << ex.err;
    EXPECT_EQ(run_mctl({"kill", "sec-exe-mctl", "--signal=SIGKILL"}).status, 0);
    s.stop(0, 10000);
}

// The same against spawn: its container's first exec goes through the
// sealed helper, so the container never holds spawn's host binary.
TEST_F(SecurityEntry, SpawnNeverExecsTheContainerFromItsOwnImage) {
    if (!is_x86_64()) GTEST_SKIP() << "the attacker is written for x86_64";
    for (bool as_pid2 : {false, true}) {
        ArmedTree t;
        BinaryCopy spawn(spawn_bin());
        const std::string before = spawn.contents();
        std::vector<std::string> argv{spawn.path.string(), "-q", "--register=no", "-D", t.tree.str()};
        if (as_pid2) argv.push_back("--as-pid2");
        argv.push_back("/bin/true");
        auto r = run(argv);
        t.settle();
        EXPECT_FALSE(t.marker("attack-started")) << "as_pid2=" << as_pid2 << ": the container's loader ran with "
                                                 << "spawn's image: " << r.err;
        EXPECT_TRUE(spawn.contents() == before) << "as_pid2=" << as_pid2;
        EXPECT_EQ(r.status, 127) << "as_pid2=" << as_pid2 << " " << r.err;
    }
}

// While the entered process sets itself up inside the machine (held here on a
// FIFO /etc/passwd), container root inspects it: it must already be confined
// like the machine, run a sealed image, map no host file, hold only stdio.
TEST_F(SecurityEntry, EnteredProcessHasNothingOfTheHost) {
    ProbeTree t;
    BackgroundSpawn s({"-q", "-D", t.tree.str(), "-M", "sec-entered", "--register=yes", "/bin/sh", "-c",
                       "/probe watch > /var/tmp/watch.out 2>&1; exec sleep 600"});
    ASSERT_TRUE(s.wait_registered("sec-entered")) << s.output();
    const fs::path report = t.tree.path() / "var/tmp/watch.out";
    ASSERT_TRUE(eventually([&] { return read_file(report).find("ready 1") != std::string::npos; },
                           std::chrono::seconds(20)))
        << read_file(report);
    // A descriptor of the caller's that must not cross over.
    int canary = open("/etc/hostname", O_RDONLY);
    ASSERT_GE(canary, 0);
    ASSERT_GE(dup2(canary, 9), 0);
    auto ex = run_mctl({"exec", "sec-entered", "/bin/echo", "entered"});
    close(9);
    close(canary);
    EXPECT_EQ(ex.status, 0) << ex.err;
    EXPECT_EQ(ex.out, "entered\n");
    ASSERT_TRUE(eventually([&] { return read_file(report).find("done 1") != std::string::npos; },
                           std::chrono::seconds(20)))
        << read_file(report);
    auto m = parse(read_file(report));
    ASSERT_NE(m["entered"], "-1") << read_file(report);
    EXPECT_EQ(m["seccomp"], "2") << "visible inside before its seccomp filter";
    // No capability beyond the machine's bounding set.
    uint64_t machine_bnd = machine_bounding_set("sec-entered");
    ASSERT_NE(machine_bnd, 0u);
    EXPECT_EQ(hex(m["capeff"]) & ~machine_bnd, 0u) << "capabilities the machine does not have: " << m["capeff"];
    EXPECT_EQ(hex(m["capbnd"]) & ~machine_bnd, 0u) << m["capbnd"];
    // Its image is the sealed helper, not a host path; it maps no host file.
    EXPECT_EQ(m["exe"].rfind("/memfd:spawn-helper", 0), 0u) << m["exe"];
    EXPECT_NE(m["exe_write"], "ok");
    EXPECT_EQ(m["mapped_writable"], "") << "host files writable through /proc/PID/map_files:\n" << m["mapped_writable"];
    EXPECT_TRUE(only_sealed_mappings(m["mapped"])) << m["mapped"];
    // Stdio only (and the FIFO it is reading): the caller's fd 9, the bus
    // connection and the leader's pidfd stay outside.
    EXPECT_TRUE(m["fds"] == "0,1,2" || (m["fds"] == "0,1,2,3" && m["fd3"] == "/etc/passwd")) << read_file(report);
    EXPECT_EQ(run_mctl({"kill", "sec-entered", "--signal=SIGKILL"}).status, 0);
    s.stop(0, 10000);
}

// The caller's open files never reach the command: a host file on fd 9 and a
// host directory on fd 10 cannot be read or written through /proc/self/fd.
TEST_F(SecurityEntry, CallersDescriptorsStayOutside) {
    TempTree tree("busybox");
    ScratchDir scratch;  // removed on every way out
    const fs::path canary_dir = scratch.path();
    std::ofstream(canary_dir / "secret") << "HOST-SECRET\n";
    BackgroundSpawn s({"-q", "-D", tree.str(), "-M", "sec-fds", "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(s.wait_registered("sec-fds")) << s.output();
    for (const char* verb : {"exec", "shell"}) {
        std::string cmd = "exec 9<" + (canary_dir / "secret").string() + " 10<" + canary_dir.string() + "; exec " +
                          mctl_bin() + " -q " + verb + " sec-fds /bin/sh -c " +
                          "'ls /proc/self/fd; cat /proc/self/fd/9; echo x > /proc/self/fd/10/pwned; true'";
        auto r = run({"bash", "-c", cmd});  // bash: dash has no fds above 9
        EXPECT_EQ(r.out.find("HOST-SECRET"), std::string::npos) << verb << ": " << r.out;
        EXPECT_FALSE(fs::exists(canary_dir / "pwned")) << verb;
        std::istringstream fds(r.out);
        std::string fd;
        while (fds >> fd) EXPECT_TRUE(fd == "0" || fd == "1" || fd == "2" || fd == "3") << verb << ": fd " << fd << " " << r.out;
    }
    EXPECT_EQ(run_mctl({"kill", "sec-fds", "--signal=SIGKILL"}).status, 0);
    s.stop(0, 10000);
}

// --as-pid2: the stub init stays visible as PID 1 for the container's whole
// life. It must map nothing of the host (a host library opened for writing
// through /proc/1/map_files is host root).
TEST(SecurityStub, StubInitMapsNoHostFile) {
    ProbeTree t;
    auto r = run(spawn_cmd({"-D", t.tree.str(), "--as-pid2", "/probe", "inspect", "1"}));
    ASSERT_EQ(r.status, 0) << r.err;
    auto m = parse(r.out);
    EXPECT_EQ(m["exe"].rfind("/memfd:spawn-helper", 0), 0u) << r.out;
    EXPECT_EQ(m["mapped_writable"], "") << r.out;
    EXPECT_TRUE(only_sealed_mappings(m["mapped"])) << r.out;
    EXPECT_NE(m["exe_write"], "ok") << r.out;
    EXPECT_EQ(m["fds"], "0,1,2") << r.out;
    EXPECT_EQ(m["seccomp"], "2") << r.out;
}

namespace {
// The processes in the PID namespace of `leader`, other than the leader.
std::vector<pid_t> others_in_pidns_of(pid_t leader) {
    std::vector<pid_t> out;
    std::error_code ec;
    auto ns = fs::read_symlink(fmt::format("/proc/{}/ns/pid", leader), ec);
    if (ec) return out;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
        pid_t pid = std::atoi(e.path().filename().c_str());
        if (pid <= 0 || pid == leader) continue;
        std::error_code ec2;
        if (fs::read_symlink(e.path() / "ns/pid", ec2) == ns && !ec2) out.push_back(pid);
    }
    return out;
}
}  // namespace

// mctl exec right after the machine is registered, while its PID 1 has not
// dropped its capabilities yet (held here before that on a FIFO /etc/passwd):
// the entered command must still get the machine's bounding set, not the
// leader's momentary host set.
TEST_F(SecurityEntry, CommandEnteredBeforeTheLeaderIsConfinedGetsTheMachinesBoundingSet) {
    TempTree tree("busybox");
    const fs::path passwd = tree.path() / "etc/passwd", saved = tree.path() / "etc/passwd.real";
    fs::rename(passwd, saved);
    ASSERT_EQ(mkfifo(passwd.c_str(), 0644), 0);
    BackgroundSpawn s({"-q", "-D", tree.str(), "-M", "sec-early", "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(s.wait_registered("sec-early")) << s.output();
    auto m = spawn::machined::Machined::connect();
    ASSERT_TRUE(m.ok());
    auto info = m->get("sec-early");
    ASSERT_TRUE(info.ok());
    const pid_t leader = static_cast<pid_t>(info->leader);
    // The leader waits in open("/etc/passwd"): a writer may now open the FIFO.
    int w = -1;
    ASSERT_TRUE(eventually([&] { return (w = open(passwd.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) >= 0; },
                           std::chrono::seconds(20)));
    const uint64_t host_bnd = spawn::container::read_bounding_set(leader).value();
    Background ex({mctl_bin(), "exec", "sec-early", "/bin/grep", "CapBnd", "/proc/self/status"});
    // Once the command's process is in the machine, mctl has read what it
    // confines it with; then let both go.
    EXPECT_TRUE(eventually([&] { return !others_in_pidns_of(leader).empty(); }, std::chrono::seconds(20)));
    const std::string content = read_file(saved);
    EXPECT_EQ(write(w, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    close(w);
    fs::rename(saved, passwd);  // a later reader gets the real file
    ASSERT_EQ(ex.wait(std::chrono::seconds(30)), 0) << ex.err();
    uint64_t entered = hex(ex.out().substr(ex.out().find('\t') + 1));
    uint64_t machine = machine_bounding_set("sec-early");
    ASSERT_NE(machine, 0u);
    EXPECT_NE(machine, host_bnd) << "the leader was not caught before its capability drop";
    EXPECT_EQ(entered & ~machine, 0u) << fmt::format("entered with {:#x}, the machine has {:#x}", entered, machine);
    EXPECT_EQ(run_mctl({"kill", "sec-early", "--signal=SIGKILL"}).status, 0);
    s.stop(0, 10000);
}

// Container root plants a "compiled filter" that allows everything in its own
// /run/spawn/seccomp, under the exact name and key of the machine's filter.
// mctl reads the cache on the host's side only: the entered command still gets
// the machine's real filter (keyctl: EPERM, not reached).
TEST_F(SecurityEntry, FilterCachePlantedInTheMachineIsNeverLoaded) {
    ProbeTree t;
    BackgroundSpawn s({"-q", "-D", t.tree.str(), "-M", "sec-cache", "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(s.wait_registered("sec-cache")) << s.output();
    auto m = spawn::machined::Machined::connect();
    ASSERT_TRUE(m.ok());
    const pid_t leader = static_cast<pid_t>(m->get("sec-cache")->leader);
    // The machine registers before its mounts are done: plant into its /run
    // only once the payload runs (under load the gap is long enough to see).
    ASSERT_TRUE(eventually([&] { return read_file(fmt::format("/proc/{}/comm", leader)) == "sleep\n"; },
                           std::chrono::seconds(20)));
    const uint64_t bounding = machine_bounding_set("sec-cache");
    ASSERT_NE(bounding, 0u);
    const auto plan = spawn::container::plan_seccomp(bounding);
    spawn::container::CompiledSeccomp allow_all;
    allow_all.programs.push_back({sock_filter{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW}});
    const fs::path planted = fs::path(fmt::format("/proc/{}/root/run/spawn/seccomp", leader));
    fs::create_directories(planted);
    fs::permissions(planted, fs::perms(0700));
    const fs::path file = planted / spawn::container::seccomp_cache_file_name(plan);
    std::ofstream(file, std::ios::binary) << spawn::container::seccomp_cache_file_text(plan, allow_all);
    fs::permissions(file, fs::perms(0600));
    // The control: the host's own cache would be used if it held this (owned by root, 0600).
    auto ex = run_mctl({"exec", "sec-cache", "/probe", "denied"});
    ASSERT_EQ(ex.status, 0) << ex.err;
    auto r = parse(ex.out);
    EXPECT_EQ(r["keyctl"], "EPERM") << ex.out;
    EXPECT_EQ(r["bpf"], "EPERM") << ex.out;
    EXPECT_TRUE(fs::exists(file));  // still there, never read
    EXPECT_EQ(run_mctl({"kill", "sec-cache", "--signal=SIGKILL"}).status, 0);
    s.stop(0, 10000);
}
