// spawn's networking end to end (issue 5): the real binary runs busybox
// containers. Every test first moves this process into a fresh network
// namespace (unshare), builds br0 / veth "NICs" there, and traffic stays there.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core_util.hpp"
#include "harness.hpp"
#include "netns_fixture.hpp"
#include "net/netns.hpp"

using namespace spawn;
using namespace spawn::test;
using namespace std::chrono_literals;

namespace {

std::string nft_tables() { return sh("nft list tables").out; }

// Waits until pred() holds (polling), at most `limit`.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 10s) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(50ms);
    }
    return pred();
}

std::vector<std::string> spawn_argv(const TempTree& t, const std::string& machine, std::vector<std::string> opts,
                                    const std::string& script) {
    std::vector<std::string> a = {spawn_bin(), "-q", "--register=no", "-D", t.str(), "-M", machine};
    a.insert(a.end(), opts.begin(), opts.end());
    a.insert(a.end(), {"/bin/sh", "-c", script});
    return a;
}

// spawn running in the background (a thread around run()), killed after the
// timeout (a deadline for the whole test: its container runs until released).
class BackgroundRun {
public:
    explicit BackgroundRun(std::vector<std::string> argv, std::chrono::milliseconds timeout = 120s)
        : thread_([this, argv = std::move(argv), timeout] {
              RunOptions o;
              o.timeout = timeout;
              result_ = run(argv, o);
          }) {}
    ~BackgroundRun() {
        if (thread_.joinable()) thread_.join();
    }
    const RunResult& wait() {
        if (thread_.joinable()) thread_.join();
        return result_;
    }

private:
    RunResult result_;
    std::thread thread_;
};

class NetSpawn : public PrivateNetnsTest {};

// A container script that runs until the test releases it, instead of for a
// fixed time the test would have to finish in: it waits for /release in its
// tree, which Release creates when the test is done with the container (or
// leaves early). Declare the Release after the BackgroundRun it ends.
const std::string kUntilReleased = "while [ ! -e /release ]; do sleep 0.05; done";
struct Release {
    const TempTree& tree;
    void now() const { std::ofstream(tree.path() / "release").close(); }
    ~Release() { now(); }
};

// Starts spawn (ARGV) in the background, waits for its nftables table TABLE,
// then SIGKILLs it (what a crash leaves behind); false if the table never came.
bool start_and_sigkill(const std::vector<std::string>& argv, const std::string& table) {
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        exec_argv(argv);
    }
    bool up = eventually([&] { return nft_tables().find(table) != std::string::npos; });
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return up;
}

std::string failed(const RunResult& r) { return "status " + std::to_string(r.status) + "\nout: " + r.out + "\nerr: " + r.err; }

}  // namespace

TEST_F(NetSpawn, BridgeReachesBridgeAddress) {
    ASSERT_EQ(sh("ip link add br0 type bridge && ip addr add 10.8.0.1/24 dev br0 && ip link set br0 up").status, 0);
    TempTree t("busybox");
    auto before = links();
    auto r = run(spawn_argv(t, "nsbr", {"--network-bridge=br0", "--network-address=10.8.0.2/24"},
                            "ip -o link show host0 && ping -c1 -W3 10.8.0.1 >/dev/null && echo PING-OK"));
    EXPECT_EQ(r.status, 0) << failed(r);
    EXPECT_NE(r.out.find("PING-OK"), std::string::npos) << failed(r);
    EXPECT_EQ(links(), before);  // vb-nsbr gone, br0 kept
}

TEST_F(NetSpawn, VethBothDirections) {
    TempTree t("busybox");
    BackgroundRun bg(spawn_argv(t, "nsveth", {"--network-veth", "--network-address=10.8.1.2/24"},
                             "for i in $(seq 50); do ping -c1 -W1 10.8.1.1 >/dev/null && echo C2H-OK && break; sleep 0.1; done; " +
                                 kUntilReleased));
    Release release{t};
    ASSERT_TRUE(eventually([] { return host_has_link("ve-nsveth"); }));
    ASSERT_EQ(sh("ip addr add 10.8.1.1/24 dev ve-nsveth").status, 0);
    EXPECT_TRUE(eventually([] { return sh("busybox ping -c1 -W1 10.8.1.2 >/dev/null").status == 0; }));
    release.now();
    auto& r = bg.wait();
    EXPECT_EQ(r.status, 0) << failed(r);
    EXPECT_NE(r.out.find("C2H-OK"), std::string::npos) << failed(r);
    EXPECT_FALSE(host_has_link("ve-nsveth"));
}

TEST_F(NetSpawn, ZoneSharedByTwoContainers) {
    TempTree ta("busybox"), tb("busybox");
    BackgroundRun a(spawn_argv(ta, "nsza", {"--network-zone=tz", "--network-address=10.8.2.2/24"}, kUntilReleased));
    Release release_a{ta};
    ASSERT_TRUE(eventually([] { return host_has_link("vb-nsza"); }));
    auto r = run(spawn_argv(tb, "nszb", {"--network-zone=tz", "--network-address=10.8.2.3/24"},
                            "for i in $(seq 30); do ping -c1 -W1 10.8.2.2 >/dev/null && echo ZONE-OK && exit 0; sleep 0.1; done; exit 1"));
    EXPECT_EQ(r.status, 0) << failed(r);
    EXPECT_NE(r.out.find("ZONE-OK"), std::string::npos);
    EXPECT_TRUE(host_has_link("vz-tz"));  // a is still in the zone
    release_a.now();
    EXPECT_EQ(a.wait().status, 0) << failed(a.wait());
    EXPECT_FALSE(host_has_link("vz-tz"));
    EXPECT_FALSE(host_has_link("vb-nsza"));
    EXPECT_FALSE(host_has_link("vb-nszb"));
}

TEST_F(NetSpawn, PortForwardingBridgeLoopbackIpv6) {
    ASSERT_EQ(sh("ip link add br0 type bridge && ip addr add 10.8.3.1/24 dev br0 && "
                 "ip addr add fd00:8:3::1/64 dev br0 nodad && ip link set br0 up").status, 0);
    TempTree t("busybox");
    BackgroundRun bg(spawn_argv(t, "nsport",
                             {"--network-bridge=br0", "--network-address=10.8.3.2/24,10.8.3.1",
                              "--network-address=fd00:8:3::2/64", "-p", "8080:80"},
                             "nc -ll -p 80 -e /bin/echo hello-from-container & " + kUntilReleased));
    Release release{t};
    auto fetch = [](const std::string& addr) {
        return sh("busybox nc -w2 " + addr + " 8080 </dev/null").out;
    };
    EXPECT_TRUE(eventually([&] { return fetch("10.8.3.1") == "hello-from-container\n"; }));
    EXPECT_EQ(fetch("127.0.0.1"), "hello-from-container\n");
    EXPECT_EQ(fetch("fd00:8:3::1"), "hello-from-container\n");
    EXPECT_NE(nft_tables().find("table inet spawn-nsport"), std::string::npos);
    release.now();
    EXPECT_EQ(bg.wait().status, 0) << failed(bg.wait());
    EXPECT_EQ(nft_tables(), "");
}

TEST_F(NetSpawn, PortFollowsGuestConfiguredAddress) {
    TempTree t("busybox");
    BackgroundRun bg(spawn_argv(t, "nsport2", {"--network-veth", "-p", "8081:80"},
                             "ip addr add 10.8.4.2/24 dev host0 && ip link set host0 up && "
                             "nc -ll -p 80 -e /bin/echo late-address & " + kUntilReleased));
    Release release{t};
    ASSERT_TRUE(eventually([] { return host_has_link("ve-nsport2"); }));
    ASSERT_EQ(sh("ip addr add 10.8.4.1/24 dev ve-nsport2 && ip link set ve-nsport2 up").status, 0);
    EXPECT_TRUE(eventually([] { return sh("busybox nc -w1 127.0.0.1 8081 </dev/null").out == "late-address\n"; }));
    release.now();
    EXPECT_EQ(bg.wait().status, 0);
    EXPECT_EQ(nft_tables(), "");
}

TEST_F(NetSpawn, MacvlanOverHostInterface) {
    ASSERT_EQ(sh("ip link add name ext0 type veth peer name ext0p && ip link set ext0 up").status, 0);
    TempTree t("busybox");
    auto before = links();
    // busybox ip has no -d: the link's name and its parent (@ifN) show it.
    auto r = run(spawn_argv(t, "nsmv", {"--network-macvlan=ext0"}, "ip -o link show mv-ext0"));
    EXPECT_EQ(r.status, 0) << failed(r);
    EXPECT_NE(r.out.find("mv-ext0@"), std::string::npos) << r.out;
    EXPECT_EQ(links(), before);
}

TEST_F(NetSpawn, IpvlanOverHostInterface) {
    ASSERT_EQ(sh("ip link add name ext0 type veth peer name ext0p").status, 0);
    if (sh("ip link add name probe link ext0 type ipvlan && ip link del probe").status != 0)
        GTEST_SKIP() << "this kernel has no ipvlan driver (CONFIG_IPVLAN)";
    TempTree t("busybox");
    auto r = run(spawn_argv(t, "nsiv", {"--network-ipvlan=ext0"}, "ip -o link show iv-ext0"));
    EXPECT_EQ(r.status, 0) << failed(r);
    EXPECT_NE(r.out.find("iv-ext0@"), std::string::npos) << r.out;
}

TEST_F(NetSpawn, InterfaceMovedInAndBack) {
    ASSERT_EQ(sh("ip link add name ext1 type veth peer name ext1p").status, 0);
    TempTree t("busybox");
    auto before = links();
    auto r = run(spawn_argv(t, "nsif", {"--network-interface=ext1"}, "ip link show ext1 >/dev/null && echo INSIDE"));
    EXPECT_EQ(r.status, 0) << failed(r);
    EXPECT_NE(r.out.find("INSIDE"), std::string::npos);
    EXPECT_TRUE(host_has_link("ext1"));
    EXPECT_EQ(links(), before);
}

TEST_F(NetSpawn, NetworkNamespacePath) {
    ASSERT_EQ(sh("ip netns add nsp-test && ip -n nsp-test link add name marker0 type veth peer name marker1").status, 0);
    TempTree t("busybox");
    auto r = run(spawn_argv(t, "nsnp", {"--network-namespace-path=/run/netns/nsp-test"}, "ip -o link"));
    EXPECT_EQ(r.status, 0) << failed(r);
    EXPECT_NE(r.out.find("marker0"), std::string::npos) << r.out;
    // With a user namespace the container is born in it (it cannot join it from its own).
    auto u = run(spawn_argv(t, "nsnp", {"-U", "--network-namespace-path=/run/netns/nsp-test"},
                            "cat /proc/self/uid_map; ip -o link"));
    EXPECT_EQ(u.status, 0) << failed(u);
    EXPECT_NE(u.out.find("marker0"), std::string::npos) << u.out;
    EXPECT_EQ(u.out.find("         0          0 4294967295"), std::string::npos) << u.out;
    sh("ip netns del nsp-test");
    auto bad = run(spawn_argv(t, "nsnp", {"--network-namespace-path=/run/netns/nonexistent"}, "true"));
    EXPECT_NE(bad.status, 0);
    EXPECT_NE(bad.err.find("/run/netns/nonexistent"), std::string::npos) << bad.err;
}

// Every network mode from a user namespace (-U): the container owns its
// network namespace, configures it, and its links, rules and addresses are
// the host's to set up and take down as without one.
TEST_F(NetSpawn, EveryModeWorksInAUserNamespace) {
    ASSERT_EQ(sh("ip link add br0 type bridge && ip addr add 10.8.6.1/24 dev br0 && ip link set br0 up && "
                 "ip link add name ext0 type veth peer name ext0p && ip link set ext0 up && "
                 "ip link add name ext1 type veth peer name ext1p").status, 0);
    TempTree t("busybox");
    auto before = links();
    BackgroundRun bg(spawn_argv(t, "nsuns",
                             {"-U", "--network-bridge=br0", "--network-address=10.8.6.2/24,10.8.6.1", "-p", "8086:80",
                              "--network-macvlan=ext0", "--network-interface=ext1"},
                             "cat /proc/self/uid_map; ip -o link show mv-ext0 && ip link show ext1 >/dev/null && "
                             "ip addr add 10.8.7.2/24 dev mv-ext0 && echo OWN-CONFIG-OK; "
                             "ping -c1 -W3 10.8.6.1 >/dev/null && echo PING-OK; "
                             "nc -ll -p 80 -e /bin/echo hello-from-userns & " + kUntilReleased));
    Release release{t};
    EXPECT_TRUE(eventually([] { return sh("busybox nc -w2 10.8.6.1 8086 </dev/null").out == "hello-from-userns\n"; }));
    EXPECT_EQ(sh("busybox nc -w2 127.0.0.1 8086 </dev/null").out, "hello-from-userns\n");
    release.now();
    auto& r = bg.wait();
    EXPECT_EQ(r.status, 0) << failed(r);
    EXPECT_EQ(r.out.rfind("         0 ", 0), 0u) << "not in a user namespace: " << r.out;
    EXPECT_EQ(r.out.find("         0          0 4294967295"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("OWN-CONFIG-OK"), std::string::npos) << failed(r);
    EXPECT_NE(r.out.find("PING-OK"), std::string::npos) << failed(r);
    EXPECT_EQ(links(), before);
    EXPECT_TRUE(host_has_link("ext1")) << "the interface did not come back";
    EXPECT_EQ(nft_tables(), "");
}

TEST_F(NetSpawn, NothingLeftAfterSigkillOfSpawn) {
    ASSERT_EQ(sh("ip link add br0 type bridge && ip link set br0 up").status, 0);
    TempTree t("busybox");
    auto before = links();
    std::vector<std::string> opts = {"--network-bridge=br0", "--network-address=10.8.5.2/24", "-p", "8082:80"};
    ASSERT_TRUE(start_and_sigkill(spawn_argv(t, "nskill", opts, "sleep 30"), "spawn-nskill"));
    // The rules outlive spawn; the container dies with it (and its veth).
    EXPECT_NE(nft_tables().find("spawn-nskill"), std::string::npos);
    // The next start of the machine cleans up instead of failing.
    auto r = run(spawn_argv(t, "nskill", opts, "echo SECOND"));
    EXPECT_EQ(r.status, 0) << failed(r);
    EXPECT_NE(r.out.find("SECOND"), std::string::npos);
    EXPECT_EQ(r.err.find("File exists"), std::string::npos) << r.err;
    EXPECT_EQ(nft_tables(), "");
    EXPECT_EQ(links(), before);
    EXPECT_FALSE(std::filesystem::exists("/run/spawn/network/nskill.lock"));
    EXPECT_FALSE(std::filesystem::exists("/run/spawn/network/nskill.ports"));
}

// Port rules of a machine whose spawn was SIGKILLed would keep sending the
// host port to the dead guest: any start (here another machine's, without a
// network) removes them, and leaves a running machine's alone.
TEST_F(NetSpawn, AnyStartClearsTheRulesOfADeadMachine) {
    ASSERT_EQ(sh("ip link add br0 type bridge && ip link set br0 up").status, 0);
    TempTree dead_tree("busybox"), live_tree("busybox"), other_tree("busybox");
    std::vector<std::string> opts = {"--network-bridge=br0", "--network-address=10.8.6.2/24", "-p", "8084:80"};
    ASSERT_TRUE(start_and_sigkill(spawn_argv(dead_tree, "nsdead", opts, "sleep 30"), "spawn-nsdead"));
    ASSERT_NE(nft_tables().find("spawn-nsdead"), std::string::npos);

    BackgroundRun live(spawn_argv(live_tree, "nslive", {"--network-bridge=br0", "--network-address=10.8.6.3/24", "-p",
                                                     "8085:80"},
                               "echo UP; " + kUntilReleased));
    Release release{live_tree};
    ASSERT_TRUE(eventually([] { return nft_tables().find("spawn-nslive") != std::string::npos; }));

    // Once the dead machine's processes are gone, its scope cgroups go too
    // (by the start above, or by this one if it was still dying then).
    ASSERT_TRUE(eventually([] {
        for (const auto& dir : machine_cgroups("nsdead"))
            if (!read_file(dir + "/cgroup.procs").empty()) return false;
        return true;
    }));
    auto r = run(spawn_argv(other_tree, "nsother", {}, "echo OTHER"));
    EXPECT_EQ(r.status, 0) << failed(r);
    EXPECT_EQ(r.out, "OTHER\n");
    EXPECT_EQ(machine_cgroups("nsdead"), std::vector<std::string>{});
    EXPECT_FALSE(std::filesystem::exists("/run/spawn/names/nsdead.lock"));
    EXPECT_EQ(nft_tables().find("spawn-nsdead"), std::string::npos) << nft_tables();
    EXPECT_NE(nft_tables().find("spawn-nslive"), std::string::npos) << nft_tables();
    EXPECT_FALSE(std::filesystem::exists("/run/spawn/network/nsdead.ports"));
    EXPECT_FALSE(std::filesystem::exists("/run/spawn/network/nsdead.lock"));
    EXPECT_TRUE(std::filesystem::exists("/run/spawn/network/nslive.ports"));
    release.now();
    EXPECT_EQ(live.wait().status, 0) << failed(live.wait());
}

TEST_F(NetSpawn, BadInputOneLineNothingLeft) {
    TempTree t("busybox");
    auto before = links();
    struct Case {
        std::vector<std::string> opts;
        std::string message;
    } cases[] = {
        {{"--network-bridge=nobr0"}, "--network-bridge=nobr0"},
        {{"--network-interface=noif0"}, "--network-interface=noif0"},
        {{"--network-macvlan=noif0"}, "--network-macvlan=noif0"},
        {{"--network-veth", "-p", "notaport"}, "--port"},
        {{"-p", "8080:80"}, "--port"},
        {{"--network-veth", "--network-namespace-path=/proc/self/ns/net"}, "--network-namespace-path"},
        {{"--network-bridge=br9", "--network-zone=z"}, "--network-zone"},
    };
    for (const auto& c : cases) {
        auto r = run(spawn_argv(t, "nsbad", c.opts, "echo SHOULD-NOT-RUN"));
        EXPECT_NE(r.status, 0) << c.message;
        EXPECT_EQ(r.out.find("SHOULD-NOT-RUN"), std::string::npos);
        EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_EQ(links(), before) << c.message;
        EXPECT_EQ(nft_tables(), "");
        EXPECT_TRUE(mounts_under(t.path()).empty());
        EXPECT_FALSE(std::filesystem::exists("/run/spawn/network/nsbad.lock"));
    }
}

#include "bus_fixture.hpp"

namespace {
auto* const bus_env = ::testing::AddGlobalTestEnvironment(new spawn::test::BusFixture);
}

// Interfaces reach machined at registration; machined sees the addresses.
TEST_F(NetSpawn, RegisteredWithInterfacesAndAddresses) {
    BusFixture::ensure_machined();
    TempTree t("busybox");
    BackgroundRun bg({spawn_bin(), "-q", "--register=yes", "-D", t.str(), "-M", "nsreg", "--network-veth",
                   "--network-address=10.8.6.2/24", "/bin/sh", "-c", kUntilReleased});
    Release release{t};
    ASSERT_TRUE(eventually([] { return host_has_link("ve-nsreg"); }));
    std::string ifindex = sh("ip -o link show ve-nsreg | cut -d: -f1").out;
    while (!ifindex.empty() && ifindex.back() == '\n') ifindex.pop_back();
    RunResult prop;
    EXPECT_TRUE(eventually([&] {
        prop = sh("busctl get-property org.freedesktop.machine1 /org/freedesktop/machine1/machine/nsreg "
                  "org.freedesktop.machine1.Machine NetworkInterfaces");
        return prop.status == 0;
    }));
    EXPECT_EQ(prop.out, "ai 1 " + ifindex + "\n") << prop.err;
    auto addrs = sh("busctl call org.freedesktop.machine1 /org/freedesktop/machine1 "
                    "org.freedesktop.machine1.Manager GetMachineAddresses s nsreg");
    EXPECT_NE(addrs.out.find("2 4 10 8 6 2"), std::string::npos) << addrs.out << addrs.err;
    release.now();
    EXPECT_EQ(bg.wait().status, 0) << failed(bg.wait());
}

// A booted Debian guest with --network-veth configures host0 itself: its
// systemd-networkd (80-container-host0.network) asks for a DHCP lease, which a
// busybox udhcpd on the host side (in the test's namespace) hands out.
TEST_F(NetSpawn, DebianGuestGetsAddressFromNetworkd) {
    TempTree t("bookworm");
    auto dir = std::filesystem::temp_directory_path() / ("spawn-net-dhcp-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    {
        std::ofstream conf(dir / "udhcpd.conf");
        conf << "start 10.8.7.100\nend 10.8.7.110\ninterface ve-nsdeb\nlease_file " << (dir / "leases").string()
             << "\noption subnet 255.255.255.0\noption router 10.8.7.1\n";
        std::ofstream(dir / "leases").close();
    }
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        setsid();
        reset_signals();
        execl(spawn_bin().c_str(), spawn_bin().c_str(), "-q", "--register=no", "-bD", t.str().c_str(), "-M", "nsdeb",
              "--network-veth", "--console=passive", static_cast<char*>(nullptr));
        _exit(127);
    }
    ASSERT_TRUE(eventually([] { return host_has_link("ve-nsdeb"); }));
    ASSERT_EQ(sh("ip addr add 10.8.7.1/24 dev ve-nsdeb && ip link set ve-nsdeb up").status, 0);
    std::string log = (dir / "udhcpd.log").string();
    pid_t dhcpd = fork();
    if (dhcpd == 0) {
        int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        reset_signals();
        execlp("busybox", "busybox", "udhcpd", "-f", (dir / "udhcpd.conf").c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    std::string leased;
    bool acked = eventually(
        [&] {
            auto text = read_file(log);
            auto pos = text.find("sending ACK to ");
            if (pos == std::string::npos) return false;
            leased = text.substr(pos + 15, text.find('\n', pos) - pos - 15);
            return true;
        },
        60s);
    EXPECT_TRUE(acked) << read_file(log);
    if (acked) {
        EXPECT_EQ(leased.rfind("10.8.7.", 0), 0u) << leased;
        EXPECT_TRUE(eventually([&] { return sh("busybox ping -c1 -W1 " + leased + " >/dev/null").status == 0; }));
    }
    kill(dhcpd, SIGTERM);
    waitpid(dhcpd, nullptr, 0);
    kill(pid, SIGTERM);  // --kill-signal SIGRTMIN+3: the guest shuts down
    int status = 0;
    bool ended = eventually([&] { return waitpid(pid, &status, WNOHANG) == pid; }, 30s);
    if (!ended) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    EXPECT_TRUE(ended);
    EXPECT_FALSE(host_has_link("ve-nsdeb"));
    std::filesystem::remove_all(dir);
}

namespace {

// Whether a start with these options loads libnftables (the dynamic loader's
// own account: spawn is its lean monitor while a machine runs, so its maps
// then say nothing of what the start loaded).
bool start_loads_nftables(const TempTree& t, const std::string& options) {
    auto r = sh("LD_DEBUG=files " + spawn_bin() + " -q --register=no -D " + t.str() + " " + options + " /bin/true");
    EXPECT_EQ(r.status, 0) << r.err;
    return r.err.find("file=libnftables.so") != std::string::npos;
}

}  // namespace

// libnftables (and the five libraries it pulls in) is loaded by the starts
// that forward ports, not by every start; without it, -p is one line.
TEST_F(NetSpawn, OnlyAStartWithPortsLoadsNftables) {
    TempTree t("busybox");
    EXPECT_FALSE(start_loads_nftables(t, "-M nsnolib --network-veth"));
    EXPECT_TRUE(start_loads_nftables(t, "-M nslib --network-veth --network-address=10.8.9.2/24 -p 8089:80"));
    EXPECT_EQ(nft_tables(), "");
    // Without the library (hidden in a mount namespace of the test's).
    auto r = sh("unshare -m sh -c 'mount --bind /dev/null \"$(readlink -f /usr/lib/x86_64-linux-gnu/libnftables.so.1)\" && " +
                spawn_bin() + " -q --register=no -D " + t.str() +
                " -M nsnolib2 --network-veth --network-address=10.8.9.2/24 -p 8089:80 /bin/true'");
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("cannot load libnftables.so.1"), std::string::npos) << r.err;
    EXPECT_EQ(nft_tables(), "");
    EXPECT_EQ(sh("ip -o link show | grep -c 've-nsnolib' || true").out, "0\n");
}
