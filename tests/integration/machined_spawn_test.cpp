// spawn's registration with the real systemd-machined, and mctl against
// containers spawn runs (busybox guests: the namespace fallbacks).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "bus_fixture.hpp"
#include "container/caps.hpp"
#include "core_util.hpp"
#include "harness.hpp"
#include "machined/machine_state.hpp"
#include "machined/registry.hpp"

using namespace spawn;
using namespace spawn::test;
namespace fs = std::filesystem;

namespace {

RunResult spawn_run(const std::vector<std::string>& args, std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {spawn_bin()};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o;
    o.env = std::move(env);
    return run(argv, o);
}

bool cgroup_exists(const std::string& name) {
    std::string unit = machined::scope_unit_name(name);
    // Hybrid (v1 controllers, name=systemd, unified) or pure cgroup2 (the root).
    for (const char* h : {"/systemd", "/unified", "/memory", "/pids", ""})
        if (fs::exists(std::string("/sys/fs/cgroup") + h + "/machine.slice/" + unit)) return true;
    return false;
}

class SpawnRegistration : public ::testing::Test {
protected:
    void SetUp() override { BusFixture::ensure_machined(); }
};

}  // namespace

TEST_F(SpawnRegistration, RegisteredWhileRunningUnregisteredAfter) {
    TempTree tree("busybox");
    {
        BackgroundSpawn s({"-q", "-D", tree.str(), "-M", "spawn-s-reg", "--register=yes", "/bin/sleep", "600"});
        ASSERT_TRUE(s.wait_registered("spawn-s-reg")) << s.output();
        auto m = machined::Machined::connect();
        auto info = m->get("spawn-s-reg");
        ASSERT_TRUE(info.ok());
        EXPECT_EQ(info->service, "spawn");
        EXPECT_EQ(info->cls, "container");
        EXPECT_EQ(info->root_directory, fs::canonical(tree.path()).string());
        EXPECT_EQ(info->unit, "machine-spawn\\x2ds\\x2dreg.scope");
        // The leader is the container's PID 1.
        std::string status = read_file("/proc/" + std::to_string(info->leader) + "/status");
        EXPECT_NE(status.find("NSpid:\t" + std::to_string(info->leader) + "\t1\n"), std::string::npos) << status;
        s.stop(SIGTERM);
    }
    EXPECT_FALSE(machine_listed("spawn-s-reg"));
    EXPECT_TRUE(mounts_under(tree.path()).empty());
}

TEST_F(SpawnRegistration, ExitStatusAndRegistrationOfAShortCommand) {
    TempTree tree("busybox");
    auto r = spawn_run({"-q", "-D", tree.str(), "-M", "spawn-s-short", "--register=yes", "/bin/sh", "-c", "exit 3"});
    EXPECT_EQ(r.status, 3) << r.err;
    EXPECT_FALSE(machine_listed("spawn-s-short"));
}

TEST_F(SpawnRegistration, SigkillOfSpawnThenANewStartOfTheSameNameSucceeds) {
    TempTree tree("busybox");
    {
        BackgroundSpawn s({"-q", "-D", tree.str(), "-M", "spawn-s-crash", "--register=yes", "/bin/sleep", "600"});
        ASSERT_TRUE(s.wait_registered("spawn-s-crash")) << s.output();
        s.stop(SIGKILL);
    }
    // machined keeps the stale entry; the next start clears it.
    EXPECT_TRUE(machine_listed("spawn-s-crash"));
    auto r = spawn_run({"-q", "-D", tree.str(), "-M", "spawn-s-crash", "--register=yes", "/bin/echo", "again"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "again\n");
    EXPECT_FALSE(machine_listed("spawn-s-crash"));
}

TEST_F(SpawnRegistration, AMachineWhoseSpawnWasKilledIsClearedByTheNextMctlVerb) {
    TempTree tree("busybox");
    const std::string n = "spawn-s-ghost";
    const std::string state = machined::machine_state_path(n), lock = "/run/spawn/names/" + n + ".lock";
    pid_t leader = 0;
    {
        BackgroundSpawn s({"-q", "-D", tree.str(), "-M", n, "--register=yes", "--kill-signal=SIGTERM", "/bin/sleep", "600"});
        ASSERT_TRUE(s.wait_registered(n)) << s.output();
        leader = static_cast<pid_t>(machined::Machined::connect()->get(n)->leader);
        EXPECT_TRUE(fs::exists(state));
        EXPECT_TRUE(fs::exists(lock));
        s.stop(SIGKILL);
    }
    ASSERT_TRUE(eventually([&] { return ::kill(leader, 0) != 0; }, std::chrono::seconds(5))) << "the container outlived spawn";
    // What the dead spawn left: all of it, until a verb finds it.
    EXPECT_TRUE(machine_listed(n));
    EXPECT_TRUE(cgroup_exists(n));
    EXPECT_TRUE(fs::exists(state));
    auto list = run({mctl_bin(), "list", "--no-legend"});
    EXPECT_EQ(list.status, 0) << list.err;
    EXPECT_EQ(list.err, "");
    EXPECT_EQ(list.out.find(n), std::string::npos) << list.out;
    EXPECT_FALSE(machine_listed(n));
    EXPECT_FALSE(cgroup_exists(n));
    EXPECT_FALSE(fs::exists(state));
    EXPECT_FALSE(fs::exists(lock));
    auto again = spawn_run({"-q", "-D", tree.str(), "-M", n, "--register=yes", "/bin/echo", "again"});
    EXPECT_EQ(again.out, "again\n") << again.err;
}

TEST_F(SpawnRegistration, AMachineOutlivesARestartOfMachinedAndIsStillManaged) {
    TempTree tree("busybox");
    const std::string n = "spawn-s-mrestart";
    BackgroundSpawn s({"-q", "-D", tree.str(), "-M", n, "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(s.wait_registered(n)) << s.output();
    if (!BusFixture::restart_machined()) GTEST_SKIP() << "machined was not started by the test fixture: not ours to restart";
    // machined reads its machines back from /run/systemd/machines.
    EXPECT_TRUE(eventually([&] { return machine_listed(n); }, std::chrono::seconds(10)));
    auto list = run({mctl_bin(), "list", "--no-legend"});
    EXPECT_NE(machine_row(list.out, n).find(n + " container spawn"), std::string::npos) << list.out << list.err;
    auto status = run({mctl_bin(), "status", n});
    EXPECT_EQ(status.status, 0) << status.err;
    EXPECT_EQ(::kill(s.pid(), 0), 0) << "spawn stopped with machined";
    // Stopped, it unregisters from the new machined.
    const int ws = s.stop(SIGTERM);
    EXPECT_TRUE(WIFEXITED(ws)) << ws;
    EXPECT_FALSE(machine_listed(n));
}

TEST_F(SpawnRegistration, AMachineOutlivesARestartOfTheBusAndUnregistersAfter) {
    TempTree tree("busybox");
    const std::string n = "spawn-s-brestart";
    BackgroundSpawn s({"-q", "-D", tree.str(), "-M", n, "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(s.wait_registered(n)) << s.output();
    if (!BusFixture::restart_bus()) GTEST_SKIP() << "the bus and machined were not started by the test fixture: not ours to restart";
    EXPECT_TRUE(eventually([&] { return machine_listed(n); }, std::chrono::seconds(10)));
    EXPECT_EQ(::kill(s.pid(), 0), 0) << "spawn stopped with the bus";
    // Its connection died with the old bus: it connects again to unregister.
    const int ws = s.stop(SIGTERM);
    EXPECT_TRUE(WIFEXITED(ws)) << ws << s.output();
    EXPECT_FALSE(machine_listed(n)) << s.output();
    EXPECT_EQ(s.output().find("warning"), std::string::npos) << s.output();
}

TEST_F(SpawnRegistration, TwoLiveMachinesWithOneNameAreRefused) {
    TempTree a("busybox"), b("busybox");
    BackgroundSpawn s({"-q", "-D", a.str(), "-M", "spawn-s-dup", "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(s.wait_registered("spawn-s-dup")) << s.output();
    auto m = machined::Machined::connect();
    uint32_t leader = m->get("spawn-s-dup")->leader;
    auto r = spawn_run({"-q", "-D", b.str(), "-M", "spawn-s-dup", "--register=yes", "/bin/true"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "spawn: Machine 'spawn-s-dup' already exists (leader PID " + std::to_string(leader) + " is running)\n");
    EXPECT_TRUE(mounts_under(b.path()).empty());
    EXPECT_EQ(m->get("spawn-s-dup")->leader, leader);  // the first one is untouched
}

TEST_F(SpawnRegistration, RegisterYesWithoutMachinedFailsAndLeavesNothing) {
    TempTree tree("busybox");
    auto r = spawn_run({"-q", "-D", tree.str(), "-M", "spawn-s-nobus", "--register=yes", "/bin/true"},
                       {"DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/spawn-test-no-such-bus"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("--register=yes"), std::string::npos) << r.err;
    EXPECT_FALSE(cgroup_exists("spawn-s-nobus"));
    EXPECT_TRUE(mounts_under(tree.path()).empty());
    auto a = spawn_run({"-q", "-D", tree.str(), "-M", "spawn-s-nobus", "/bin/echo", "ran"},
                       {"DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/spawn-test-no-such-bus"});
    EXPECT_EQ(a.status, 0) << a.err;
    EXPECT_EQ(a.out, "ran\n");
    EXPECT_NE(a.err.find("warning: not registering with systemd-machined"), std::string::npos) << a.err;
    auto no = spawn_run({"-q", "-D", tree.str(), "-M", "spawn-s-nobus", "--register=no", "/bin/true"},
                        {"DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/spawn-test-no-such-bus"});
    EXPECT_EQ(no.status, 0);
    EXPECT_EQ(no.err, "");
}

TEST_F(SpawnRegistration, PropertyLimitsReachTheScopeAndBadOnesAreRefused) {
    TempTree tree("busybox");
    auto r = spawn_run({"-q", "-D", tree.str(), "-M", "spawn-s-prop", "--property=MemoryMax=48M", "--property=TasksMax=33",
                        "/bin/echo", "limited"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "limited\n");
    if (fs::exists("/sys/fs/cgroup/memory/cgroup.procs")) {
        // The v1 controllers are not mounted inside: check from the host while it runs.
        BackgroundSpawn s({"-q", "-D", tree.str(), "-M", "spawn-s-prop", "--property=MemoryMax=48M", "--property=TasksMax=33",
                           "/bin/sleep", "600"});
        ASSERT_TRUE(s.wait_registered("spawn-s-prop")) << s.output();
        std::string dir = "/machine.slice/" + machined::scope_unit_name("spawn-s-prop");
        EXPECT_EQ(read_file("/sys/fs/cgroup/memory" + dir + "/memory.limit_in_bytes"), "50331648\n");
        EXPECT_EQ(read_file("/sys/fs/cgroup/pids" + dir + "/pids.max"), "33\n");
        s.stop(SIGTERM);
        EXPECT_FALSE(fs::exists("/sys/fs/cgroup/memory" + dir));
    }
    auto bad = spawn_run({"-q", "-D", tree.str(), "-M", "spawn-s-prop", "--property=DeviceAllow=/dev/sda", "/bin/true"});
    EXPECT_EQ(bad.status, 1);
    EXPECT_NE(bad.err.find("--property=DeviceAllow=/dev/sda rwm: /dev/sda: No such file or directory"), std::string::npos)
        << bad.err;
    auto unknown = spawn_run({"-q", "-D", tree.str(), "-M", "spawn-s-prop", "--property=IPAddressDeny=any", "/bin/true"});
    EXPECT_EQ(unknown.status, 1);
    EXPECT_NE(unknown.err.find("unsupported property \"IPAddressDeny\""), std::string::npos) << unknown.err;
    EXPECT_FALSE(cgroup_exists("spawn-s-prop"));
}

// --- mctl against spawn's containers ----------------------------------------

TEST_F(SpawnRegistration, MctlVerbsOnABusyboxGuest) {
    TempTree tree("busybox");
    BackgroundSpawn s({"-q", "-D", tree.str(), "-M", "spawn-s-bb", "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(s.wait_registered("spawn-s-bb")) << s.output();

    auto list = run_mctl({"list", "--no-legend"});
    EXPECT_EQ(machine_row(list.out, "spawn-s-bb").rfind("spawn-s-bb container spawn busybox 1 ", 0), 0u) << list.out;
    auto st = run_mctl({"status", "spawn-s-bb"});
    EXPECT_NE(st.out.find("Root: " + fs::canonical(tree.path()).string()), std::string::npos) << st.out;
    EXPECT_NE(st.out.find("/bin/sleep 600"), std::string::npos) << st.out;

    auto ex = run_mctl({"exec", "spawn-s-bb", "sh", "-c", "echo $(hostname) $(cat /proc/1/cmdline | tr '\\0' ' '); cat; exit 9"},
                   "piped\n");
    EXPECT_EQ(ex.status, 9) << ex.err;
    EXPECT_EQ(ex.out, "spawn-s-bb /bin/sleep 600\npiped\n");

    auto sh = run_mctl({"shell", "spawn-s-bb"}, "echo shell=$(id -un); exit 6\n");
    EXPECT_EQ(sh.status, 6) << sh.err;
    EXPECT_NE(sh.out.find("shell=root"), std::string::npos);

    auto login = run_mctl({"login", "spawn-s-bb"}, "root\n");
    EXPECT_NE(login.out.find("spawn-s-bb login:"), std::string::npos) << login.out << login.err;
    EXPECT_NE(login.err.find("starting the guest's login on a new pty"), std::string::npos);

    auto j = run_mctl({"journal", "spawn-s-bb"});
    EXPECT_EQ(j.status, 0) << j.err;

    auto k = run_mctl({"kill", "spawn-s-bb", "--kill-whom=leader", "--signal=SIGKILL"});
    EXPECT_EQ(k.status, 0) << k.err;
    int ws = s.stop(0, 10000);  // spawn sees its container die and exits
    EXPECT_TRUE(WIFEXITED(ws));
    EXPECT_FALSE(machine_listed("spawn-s-bb"));
}

TEST_F(SpawnRegistration, PoweroffSendsTheKillSignalTheMachineWasStartedWith) {
    TempTree tree("busybox");
    BackgroundSpawn s({"-q", "-D", tree.str(), "-M", "spawn-s-sysv", "--register=yes", "--kill-signal=SIGUSR2", "/bin/sh",
                       "-c", "trap 'exit 7' USR2; echo trap-set; while :; do sleep 0.1; done"});
    ASSERT_TRUE(s.wait_registered("spawn-s-sysv")) << s.output();
    // The explicit --kill-signal, and the bounding set mctl confines entered commands to.
    EXPECT_EQ(read_file("/run/spawn/machines/spawn-s-sysv"),
              fmt::format("PoweroffSignal={}\nCapabilityBoundingSet={:#x}\n", SIGUSR2,
                          container::plan_capabilities(Config{})));
    ASSERT_TRUE(eventually([&] { return s.output().find("trap-set\n") != std::string::npos; }, std::chrono::seconds(30)))
        << s.output();
    auto r = run_mctl({"poweroff", "spawn-s-sysv"});
    EXPECT_EQ(r.status, 0) << r.err;
    int st = s.stop(0, 10000);
    ASSERT_NE(st, -1) << "spawn still runs after poweroff";
    EXPECT_EQ(WEXITSTATUS(st), 7) << s.output();
    EXPECT_FALSE(fs::exists("/run/spawn/machines/spawn-s-sysv"));
}

// mctl confines what it enters into a machine with the machine's own filter:
// spawn leaves the --system-call-filter lists in the state file for it, and a
// file an earlier (SIGKILLed) instance left cannot lend its lists to the next.
TEST_F(SpawnRegistration, StateFileCarriesTheSystemCallFilterForMctl) {
    TempTree tree("busybox");
    const std::string file = "/run/spawn/machines/spawn-s-scf";
    {
        BackgroundSpawn s({"-q", "-D", tree.str(), "-M", "spawn-s-scf", "--register=yes", "--system-call-filter=@clock",
                           "--system-call-filter=~@mount keyctl", "/bin/sleep", "600"});
        ASSERT_TRUE(s.wait_registered("spawn-s-scf")) << s.output();
        // (Also CapabilityBoundingSet=; no PoweroffSignal= without --kill-signal.)
        EXPECT_NE(read_file(file).find("\nSystemCallFilter=@clock\nSystemCallFilter=~@mount keyctl\n"),
                  std::string::npos)
            << read_file(file);
        auto st = machined::read_machine_state("spawn-s-scf");
        ASSERT_TRUE(st.ok()) << st.error().message();
        EXPECT_EQ(st->syscall_filter.allow, std::vector<std::string>{"@clock"});
        EXPECT_EQ(st->syscall_filter.deny, (std::vector<std::string>{"@mount", "keyctl"}));
        EXPECT_NE(s.stop(SIGTERM), -1);
    }
    EXPECT_FALSE(fs::exists(file));
    // A stale file (as a SIGKILLed spawn leaves it) is replaced when the name is registered again.
    fs::create_directories("/run/spawn/machines");
    { std::ofstream(file) << "SystemCallFilter=@debug\n"; }
    BackgroundSpawn s({"-q", "-D", tree.str(), "-M", "spawn-s-scf", "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(s.wait_registered("spawn-s-scf")) << s.output();
    auto st = machined::read_machine_state("spawn-s-scf");
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_TRUE(st->syscall_filter.empty()) << read_file(file);
    EXPECT_NE(s.stop(SIGTERM), -1);
}

TEST_F(SpawnRegistration, StatsShowsTasksCpuAndMemoryFromTheCgroup) {
    TempTree tree("busybox");
    BackgroundSpawn s({"-q", "-D", tree.str(), "-M", "spawn-s-stats", "--register=yes", "--property=MemoryMax=64M",
                       "/bin/sh", "-c", "sleep 600 & sleep 600 & echo forked; wait"});
    ASSERT_TRUE(s.wait_registered("spawn-s-stats")) << s.output();
    // Both sleeps forked: the machine has its three tasks.
    ASSERT_TRUE(eventually([&] { return s.output().find("forked\n") != std::string::npos; }, std::chrono::seconds(30)))
        << s.output();
    auto r = run_mctl({"stats", "spawn-s-stats", "--no-legend"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.rfind("spawn-s-stats 3 ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("s "), std::string::npos) << r.out;  // CPU seconds
    auto j = run_mctl({"stats", "spawn-s-stats", "-o", "json"});
    EXPECT_EQ(j.out.rfind("[{\"machine\":\"spawn-s-stats\",\"tasks\":3,\"cpu_usec\":", 0), 0u) << j.out;
    EXPECT_EQ(j.out.find("\"memory_bytes\":null"), std::string::npos) << j.out;
    auto none = run_mctl({"stats", "spawn-s-none"});
    EXPECT_EQ(none.status, 1);
    EXPECT_EQ(none.err, "mctl: No machine 'spawn-s-none' known\n");
}

namespace {

// The number KEY of machine NAME's object in mctl's JSON (null: nullopt).
std::optional<double> json_number(const std::string& json, const std::string& name, const std::string& key) {
    const auto obj = json.find("{\"machine\":\"" + name + "\"");
    if (obj == std::string::npos) return std::nullopt;
    const auto end = json.find('}', obj);
    const auto at = json.find("\"" + key + "\":", obj);
    if (at == std::string::npos || at > end) return std::nullopt;
    const std::string v = json.substr(at + key.size() + 3, end - at - key.size() - 3);
    if (v.rfind("null", 0) == 0) return std::nullopt;
    return std::stod(v);
}

// A counter file of the machine's cgroup in the first hierarchy that has it
// ("HIERARCHY|FILE"; CPU time in usec).
std::optional<double> cgroup_counter(const std::string& name, const std::vector<std::string>& files) {
    const std::string dir = "/machine.slice/" + machined::scope_unit_name(name) + "/";
    for (const auto& f : files) {
        std::string text = read_file("/sys/fs/cgroup" + f.substr(0, f.find('|')) + dir + f.substr(f.find('|') + 1));
        if (text.empty()) continue;
        if (f.ends_with("cpu.stat")) text = text.substr(text.find("usage_usec ") + 11);
        return f.ends_with("cpuacct.usage") ? std::stod(text) / 1000 : std::stod(text);  // (ns: as usec)
    }
    return std::nullopt;
}

}  // namespace

// mctl stats and top against the kernel's own counters of a machine that
// burns a CPU and holds 40 MB, and one that sleeps.
TEST_F(SpawnRegistration, StatsAndTopShowWhatTheCgroupsCount) {
    TempTree tree("busybox");
    BackgroundSpawn busy({"-q", "-D", tree.str(), "--read-only", "-M", "spawn-s-busy", "--register=yes", "--network-veth",
                          "/bin/sh", "-c", "x=$(head -c 40000000 /dev/zero | tr '\\0' a); echo held; while :; do :; done"});
    BackgroundSpawn idle({"-q", "-D", tree.str(), "--read-only", "-M", "spawn-s-idle", "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(busy.wait_registered("spawn-s-busy")) << busy.output();
    ASSERT_TRUE(idle.wait_registered("spawn-s-idle")) << idle.output();
    ASSERT_TRUE(eventually([&] { return busy.output().find("held\n") != std::string::npos; }, std::chrono::seconds(60)))
        << busy.output();

    auto j = run_mctl({"stats", "spawn-s-busy", "spawn-s-idle", "-o", "json"});
    ASSERT_EQ(j.status, 0) << j.err;
    const auto cpu = cgroup_counter("spawn-s-busy", {"/cpu,cpuacct|cpuacct.usage", "/cpuacct|cpuacct.usage", "/unified|cpu.stat", "|cpu.stat"});
    const auto mem = cgroup_counter("spawn-s-busy", {"/memory|memory.usage_in_bytes", "/unified|memory.current", "|memory.current"});
    ASSERT_TRUE(cpu && mem) << "no cpu or memory counters for the machine's cgroup";
    const double cpu_usec = *cpu;
    const auto m_cpu = json_number(j.out, "spawn-s-busy", "cpu_usec");
    const auto m_mem = json_number(j.out, "spawn-s-busy", "memory_bytes");
    ASSERT_TRUE(m_cpu && m_mem) << j.out;
    // mctl read first: its figures are a little below the later reading.
    EXPECT_LE(*m_cpu, cpu_usec * 1.0 + 1) << j.out;
    EXPECT_GE(*m_cpu, cpu_usec * 0.5) << j.out;
    EXPECT_GE(*m_mem, 40e6) << j.out;
    EXPECT_NEAR(*m_mem, *mem, *mem * 0.2) << j.out;
    EXPECT_TRUE(json_number(j.out, "spawn-s-busy", "net_rx_bytes")) << "a veth: its host side is counted\n" << j.out;
    EXPECT_TRUE(json_number(j.out, "spawn-s-busy", "io_read_bytes")) << j.out;

    // top: CPU % over the interval, the busiest first.
    auto t = run_mctl({"top", "spawn-s-idle", "spawn-s-busy", "--iterations=1", "--delay=0.5", "-o", "json"});
    ASSERT_EQ(t.status, 0) << t.err;
    EXPECT_EQ(t.out.rfind("[{\"machine\":\"spawn-s-busy\"", 0), 0u) << t.out;
    const auto busy_pct = json_number(t.out, "spawn-s-busy", "cpu_percent");
    const auto idle_pct = json_number(t.out, "spawn-s-idle", "cpu_percent");
    ASSERT_TRUE(busy_pct && idle_pct) << t.out;
    EXPECT_GT(*busy_pct, 20) << t.out;  // one CPU spinning (shared with the suite's load)
    EXPECT_LT(*idle_pct, 5) << t.out;
    auto by_name = run_mctl({"top", "spawn-s-idle", "spawn-s-busy", "--iterations=2", "--delay=0.2", "--order=name", "--no-legend"});
    ASSERT_EQ(by_name.status, 0) << by_name.err;
    const auto lines = lines_of(by_name.out);
    ASSERT_EQ(lines.size(), 4u) << by_name.out;  // two frames of two rows
    EXPECT_EQ(lines[0].rfind("spawn-s-busy ", 0), 0u) << by_name.out;
    EXPECT_EQ(lines[3].rfind("spawn-s-idle ", 0), 0u) << by_name.out;
}

TEST_F(SpawnRegistration, TerminateStopsASpawnContainer) {
    TempTree tree("busybox");
    BackgroundSpawn s({"-q", "-D", tree.str(), "-M", "spawn-s-term", "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(s.wait_registered("spawn-s-term")) << s.output();
    auto r = run_mctl({"terminate", "spawn-s-term"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(s.stop(0, 10000), -1) << "spawn did not exit after terminate";
    EXPECT_FALSE(machine_listed("spawn-s-term"));
    EXPECT_FALSE(cgroup_exists("spawn-s-term"));
}

TEST_F(SpawnRegistration, RealMachinectlSeesASpawnContainer) {
    TempTree tree("busybox");
    BackgroundSpawn s({"-q", "-D", tree.str(), "-M", "spawn-s-real", "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(s.wait_registered("spawn-s-real")) << s.output();
    auto list = run(real_machinectl({"list", "--no-legend"}));
    EXPECT_EQ(machine_row(list.out, "spawn-s-real").rfind("spawn-s-real container spawn busybox 1 ", 0), 0u)
        << list.out << list.err;
    auto st = run(real_machinectl({"status", "spawn-s-real"}));
    EXPECT_NE(st.out.find("Root: " + fs::canonical(tree.path()).string()), std::string::npos) << st.out;
    auto show = run(real_machinectl({"show", "spawn-s-real", "-p", "Service", "--value"}));
    EXPECT_EQ(show.out, "spawn\n");
}

TEST_F(SpawnRegistration, ExecIsConfinedLikeTheMachine) {
    // A command entered with mctl exec must not keep the host's capabilities
    // or run without the machine's seccomp filter.
    TempTree tree("busybox");
    BackgroundSpawn s({"-q", "-D", tree.str(), "-M", "spawn-s-conf", "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(s.wait_registered("spawn-s-conf")) << s.output();
    auto ex = run_mctl({"exec", "spawn-s-conf", "sh", "-c",
                    "grep -E '^(CapBnd|CapEff|Seccomp):' /proc/1/status; echo --; "
                    "grep -E '^(CapBnd|CapEff|Seccomp):' /proc/self/status"});
    ASSERT_EQ(ex.status, 0) << ex.err;
    auto sep = ex.out.find("--\n");
    ASSERT_NE(sep, std::string::npos) << ex.out;
    std::string leader = ex.out.substr(0, sep), joined = ex.out.substr(sep + 3);
    EXPECT_NE(leader.find("Seccomp:\t2"), std::string::npos) << leader;
    EXPECT_EQ(leader, joined);
    // The host's full set would include CAP_SYS_MODULE (bit 16); the machine's does not.
    auto capbnd = joined.substr(joined.find("CapBnd:\t") + 8, 16);
    EXPECT_EQ(std::stoull(capbnd, nullptr, 16) & (1ULL << 16), 0u) << joined;
    EXPECT_EQ(run_mctl({"kill", "spawn-s-conf", "--signal=SIGKILL"}).status, 0);
    s.stop(0, 10000);
}

TEST_F(SpawnRegistration, WithSystemdAsPid1TheScopeIsAskedOfSystemd) {
    // A host whose /run/systemd/system exists runs systemd as PID 1: spawn must
    // ask it for machine-NAME.scope (StartTransientUnit) instead of creating
    // cgroups itself. Here no systemd answers on the bus, so the start fails
    // with systemd's error and leaves nothing behind, which shows the path.
    TempTree tree("busybox");
    std::string script = "mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && exec " + spawn_bin() +
                         " -q --register=no -D " + tree.str() + " -M spawn-s-sd /bin/true";
    auto r = run({"unshare", "-m", "sh", "-c", script});
    EXPECT_NE(r.status, 0) << r.out;
    EXPECT_NE(r.err.find("allocating the container's scope: creating machine-spawn\\x2ds\\x2dsd.scope through systemd"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(cgroup_exists("spawn-s-sd"));
    EXPECT_TRUE(mounts_under(tree.path()).empty());
    EXPECT_EQ(run({"pgrep", "-f", tree.str()}).status, 1) << "a container process survived";
}

namespace {
char proc_state(pid_t pid) {
    std::string st = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto p = st.rfind(')');
    return p == std::string::npos || p + 2 >= st.size() ? '?' : st[p + 2];
}
}  // namespace

TEST_F(SpawnRegistration, KillAndStatusNeverReachBeyondTheMachineWhenItsLeaderIsGone) {
    // Regression: with the leader a zombie (spawn stopped, so nobody reaps it),
    // /proc/LEADER/cgroup says "/" and the cgroup fallback of `mctl kill`
    // signalled every process on the host. A stopped host process stands
    // guard: SIGCONT from mctl would wake it.
    TempTree tree("busybox");
    BackgroundSpawn s({"-q", "-D", tree.str(), "-M", "spawn-s-zomb", "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(s.wait_registered("spawn-s-zomb")) << s.output();
    auto leader_s = run_mctl({"show", "spawn-s-zomb", "-p", "Leader", "--value"});
    ASSERT_EQ(leader_s.status, 0) << leader_s.err;
    pid_t leader = std::stoi(leader_s.out);

    pid_t guard = fork();
    if (guard == 0) {
        for (;;) pause();
    }
    ASSERT_EQ(::kill(guard, SIGSTOP), 0);
    ASSERT_EQ(::kill(s.pid(), SIGSTOP), 0);
    ASSERT_EQ(::kill(leader, SIGKILL), 0);
    eventually([&] { return proc_state(leader) == 'Z'; }, std::chrono::seconds(30));
    ASSERT_EQ(proc_state(leader), 'Z');
    eventually([&] { return proc_state(guard) == 'T'; }, std::chrono::seconds(30));
    ASSERT_EQ(proc_state(guard), 'T');

    auto k = run_mctl({"kill", "spawn-s-zomb", "--signal=SIGCONT"});
    EXPECT_NE(k.status, 0) << k.out;
    EXPECT_NE(k.err.find("Machine 'spawn-s-zomb' is not running: its leader (PID " + std::to_string(leader) + ") is gone\n"),
              std::string::npos)
        << k.err;
    EXPECT_TRUE(machine_listed("spawn-s-zomb")) << "cleared while its spawn (stopped) still holds it";
    EXPECT_EQ(proc_state(guard), 'T') << "mctl kill signalled a host process";
    auto st = run_mctl({"status", "spawn-s-zomb"});
    EXPECT_EQ(st.out.find(std::to_string(guard)), std::string::npos) << st.out;
    EXPECT_EQ(st.out.find("process_api"), std::string::npos) << st.out;

    ::kill(guard, SIGKILL);
    waitpid(guard, nullptr, 0);
    ::kill(s.pid(), SIGCONT);
    int ws = s.stop(0, 10000);  // spawn reaps its container and unregisters
    EXPECT_TRUE(WIFEXITED(ws));
    EXPECT_FALSE(machine_listed("spawn-s-zomb"));
}
