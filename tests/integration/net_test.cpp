// Integration tests of the network module against the real kernel. Every test
// first moves this process into a fresh network namespace (unshare), builds
// bridges and addresses there, and sends traffic only there. A "container" is
// a forked child in its own network namespace, as the runtime makes it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "netns_fixture.hpp"
#include "net/netns.hpp"
#include "net/port.hpp"
#include "net/setup.hpp"

using namespace spawn;
using namespace spawn::net;
using spawn::test::run;
using spawn::test::host_has_link;
using spawn::test::links;
using spawn::test::sh;

namespace {

// A child process in a network namespace of its own; killed on destruction.
class FakeContainer {
public:
    FakeContainer() {
        int p[2];
        if (pipe(p) < 0) abort();
        pid_ = fork();
        if (pid_ == 0) {
            close(p[0]);
            if (unshare(CLONE_NEWNET) < 0) _exit(1);
            (void)!write(p[1], "x", 1);
            close(p[1]);
            for (;;) pause();
        }
        close(p[1]);
        char c;
        EXPECT_EQ(read(p[0], &c, 1), 1);
        close(p[0]);
    }
    ~FakeContainer() { stop(); }
    void stop() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
    }
    pid_t pid() const { return pid_; }
    std::string ns() const { return "--net=/proc/" + std::to_string(pid_) + "/ns/net"; }

private:
    pid_t pid_ = -1;
};


// Runs cmd inside the container's network namespace.
test::RunResult in(const FakeContainer& c, const std::string& cmd) {
    return run({"nsenter", c.ns(), "/bin/sh", "-c", cmd});
}



bool ping_from_host(const std::string& addr) {
    return sh("busybox ping -c1 -W2 " + addr + " >/dev/null 2>&1").status == 0;
}
bool ping_from(const FakeContainer& c, const std::string& addr) {
    return in(c, "busybox ping -c1 -W2 " + addr + " >/dev/null 2>&1").status == 0;
}

Config machine(const std::string& name) {
    Config c;
    c.machine = name;
    return c;
}

class Net : public spawn::test::PrivateNetnsTest {};

// Accepts connections in the container's namespace on port 80 (IPv4 and IPv6)
// and answers each with "hello from container".
class Listener {
public:
    explicit Listener(const FakeContainer& c, int count) {
        int p[2];
        if (pipe(p) < 0) abort();
        pid_ = fork();
        if (pid_ == 0) {
            auto fd = open_netns_of(c.pid());
            if (!fd.ok() || setns(fd->get(), CLONE_NEWNET) < 0) _exit(1);
            int s = socket(AF_INET6, SOCK_STREAM, 0);
            int zero = 0, one = 1;
            setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
            setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            sockaddr_in6 a{};
            a.sin6_family = AF_INET6;
            a.sin6_port = htons(80);
            if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || listen(s, 8) < 0) _exit(2);
            (void)!write(p[1], "x", 1);
            for (int i = 0; i < count; ++i) {
                int c2 = accept(s, nullptr, nullptr);
                if (c2 < 0) continue;
                const char msg[] = "hello from container\n";
                (void)!write(c2, msg, sizeof msg - 1);
                close(c2);
            }
            _exit(0);
        }
        close(p[1]);
        char ch;
        EXPECT_EQ(read(p[0], &ch, 1), 1);
        close(p[0]);
    }
    ~Listener() {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }

private:
    pid_t pid_;
};

// Connects to addr:port (v4 or v6 literal) and returns what the peer sends.
std::string fetch(const std::string& addr, int port) {
    sockaddr_storage ss{};
    socklen_t len;
    int family;
    if (addr.find(':') != std::string::npos) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = family = AF_INET6;
        a->sin6_port = htons(static_cast<uint16_t>(port));
        inet_pton(AF_INET6, addr.c_str(), &a->sin6_addr);
        len = sizeof *a;
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = family = AF_INET;
        a->sin_port = htons(static_cast<uint16_t>(port));
        inet_pton(AF_INET, addr.c_str(), &a->sin_addr);
        len = sizeof *a;
    }
    int s = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(s, reinterpret_cast<sockaddr*>(&ss), len);
    pollfd p{s, POLLOUT, 0};
    std::string out;
    if (poll(&p, 1, 3000) == 1) {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err == 0) {
            p.events = POLLIN;
            while (poll(&p, 1, 3000) == 1) {
                char buf[256];
                ssize_t n = read(s, buf, sizeof buf);
                if (n <= 0) break;
                out.append(buf, static_cast<size_t>(n));
            }
        }
    }
    close(s);
    return out;
}

bool lock_file_exists(const std::string& m) { return std::filesystem::exists("/run/spawn/network/" + m + ".lock"); }

}  // namespace

TEST_F(Net, VethWithAddressesBothDirections) {
    FakeContainer c;
    auto cfg = machine("nettest-veth");
    cfg.net.veth = true;
    cfg.net.addresses = {{"10.9.0.2/24", "10.9.0.1"}, {"fd00:9::2/64", "fd00:9::1"}};
    auto before = links();
    {
        auto s = NetworkSetup::setup(cfg, c.pid());
        ASSERT_TRUE(s.ok()) << s.error().message();
        ASSERT_TRUE(host_has_link("ve-nettest-veth"));
        EXPECT_EQ(s->host_ifindices().size(), 1u);
        EXPECT_TRUE(lock_file_exists("nettest-veth"));
        ASSERT_EQ(sh("ip addr add 10.9.0.1/24 dev ve-nettest-veth").status, 0);
        auto inside = in(c, "ip -o addr show dev host0; ip route show default");
        EXPECT_NE(inside.out.find("inet 10.9.0.2/24"), std::string::npos) << inside.out;
        EXPECT_NE(inside.out.find("default via 10.9.0.1 dev host0"), std::string::npos) << inside.out;
        auto inside6 = in(c, "ip -o -6 addr show dev host0; ip -6 route show default");
        EXPECT_NE(inside6.out.find("inet6 fd00:9::2/64"), std::string::npos) << inside6.out;
        EXPECT_NE(inside6.out.find("default via fd00:9::1 dev host0"), std::string::npos) << inside6.out;
        EXPECT_NE(in(c, "ip -o link show lo").out.find("UP"), std::string::npos);
        EXPECT_TRUE(ping_from(c, "10.9.0.1"));
        EXPECT_TRUE(ping_from_host("10.9.0.2"));
        ASSERT_TRUE(s->teardown().ok());
        EXPECT_FALSE(host_has_link("ve-nettest-veth"));
    }
    EXPECT_EQ(links(), before);
    EXPECT_FALSE(lock_file_exists("nettest-veth"));
}

TEST_F(Net, VethExtra) {
    FakeContainer c;
    auto cfg = machine("nettest-extra");
    cfg.net.veth_extra = {"xhost0:xguest0", "xsame0"};
    auto before = links();
    {
        auto s = NetworkSetup::setup(cfg, c.pid());
        ASSERT_TRUE(s.ok()) << s.error().message();
        EXPECT_TRUE(host_has_link("xhost0"));
        EXPECT_TRUE(host_has_link("xsame0"));
        EXPECT_EQ(in(c, "ip link show dev xguest0 && ip link show dev xsame0").status, 0);
        EXPECT_EQ(s->host_ifindices().size(), 2u);
    }
    EXPECT_EQ(links(), before);
}

TEST_F(Net, BridgeReachesBridgeAddress) {
    ASSERT_EQ(sh("ip link add br0 type bridge && ip addr add 10.9.1.1/24 dev br0 && ip link set br0 up").status, 0);
    FakeContainer c;
    auto cfg = machine("nettest-averyveryverylongname");
    cfg.net.bridge = "br0";
    cfg.net.addresses = {{"10.9.1.2/24", ""}};
    auto before = links();
    {
        auto s = NetworkSetup::setup(cfg, c.pid());
        ASSERT_TRUE(s.ok()) << s.error().message();
        auto name = veth_host_name(cfg.machine, true);
        EXPECT_EQ(name.size(), 15u);
        auto l = sh("ip -o link show dev " + name);
        EXPECT_NE(l.out.find("master br0"), std::string::npos) << l.out;
        EXPECT_NE(l.out.find("altname vb-nettest-averyveryverylongname"), std::string::npos) << l.out;
        EXPECT_TRUE(ping_from(c, "10.9.1.1"));
        EXPECT_TRUE(ping_from_host("10.9.1.2"));
    }  // destructor tears down
    EXPECT_EQ(links(), before);
    EXPECT_TRUE(host_has_link("br0"));
}

TEST_F(Net, ZoneSharedByTwoContainersRemovedWithLastMember) {
    FakeContainer a, b;
    auto ca = machine("nettest-za"), cb = machine("nettest-zb");
    ca.net.zone = cb.net.zone = "tzone";
    ca.net.addresses = {{"10.9.2.2/24", ""}};
    cb.net.addresses = {{"10.9.2.3/24", ""}};
    auto sa = NetworkSetup::setup(ca, a.pid());
    ASSERT_TRUE(sa.ok()) << sa.error().message();
    EXPECT_TRUE(host_has_link("vz-tzone"));
    {
        auto sb = NetworkSetup::setup(cb, b.pid());
        ASSERT_TRUE(sb.ok()) << sb.error().message();
        EXPECT_TRUE(ping_from(a, "10.9.2.3"));
        EXPECT_TRUE(ping_from(b, "10.9.2.2"));
    }
    EXPECT_FALSE(host_has_link("vb-nettest-zb"));
    EXPECT_TRUE(host_has_link("vz-tzone"));  // a is still a member
    ASSERT_TRUE(sa->teardown().ok());
    EXPECT_FALSE(host_has_link("vz-tzone"));
    EXPECT_FALSE(host_has_link("vb-nettest-za"));
}

TEST_F(Net, PortForwardingViaBridgeLoopbackAndIpv6) {
    ASSERT_EQ(sh("ip link add br0 type bridge && ip addr add 10.9.3.1/24 dev br0 && "
                 "ip addr add fd00:9:3::1/64 dev br0 nodad && ip link set br0 up").status, 0);
    FakeContainer c;
    auto cfg = machine("nettest-port");
    cfg.net.bridge = "br0";
    cfg.net.addresses = {{"10.9.3.2/24", "10.9.3.1"}, {"fd00:9:3::2/64", ""}};
    cfg.net.ports = {{PortProtocol::Tcp, "", 8080, 80}, {PortProtocol::Tcp, "10.9.3.1", 8081, 80}};
    {
        auto s = NetworkSetup::setup(cfg, c.pid());
        ASSERT_TRUE(s.ok()) << s.error().message();
        EXPECT_TRUE(port_table_exists(cfg.machine).value());
        Listener l(c, 4);
        EXPECT_EQ(fetch("10.9.3.1", 8080), "hello from container\n");
        EXPECT_EQ(fetch("127.0.0.1", 8080), "hello from container\n");
        EXPECT_EQ(fetch("fd00:9:3::1", 8080), "hello from container\n");
        EXPECT_EQ(fetch("10.9.3.1", 8081), "hello from container\n");
        // Bound to 10.9.3.1 only: not forwarded on loopback.
        EXPECT_EQ(fetch("127.0.0.1", 8081), "");
    }
    EXPECT_EQ(sh("nft list tables").out, "");
    EXPECT_EQ(fetch("127.0.0.1", 8080), "");
}

TEST_F(Net, PortsInstalledOnceGuestHasAddress) {
    FakeContainer c;
    auto cfg = machine("nettest-refresh");
    cfg.net.veth = true;
    cfg.net.ports = {{PortProtocol::Tcp, "", 8080, 80}};
    auto s = NetworkSetup::setup(cfg, c.pid());
    ASSERT_TRUE(s.ok()) << s.error().message();
    EXPECT_FALSE(s->refresh_ports().value());  // no address yet: nothing to forward to
    EXPECT_EQ(sh("nft list tables").out, "");
    ASSERT_EQ(in(c, "ip addr add 10.9.4.2/24 dev host0 && ip link set host0 up").status, 0);
    ASSERT_EQ(sh("ip addr add 10.9.4.1/24 dev ve-nettest-refresh").status, 0);
    EXPECT_TRUE(s->refresh_ports().value());
    Listener l(c, 1);
    EXPECT_EQ(fetch("127.0.0.1", 8080), "hello from container\n");
    ASSERT_TRUE(s->teardown().ok());
    EXPECT_EQ(sh("nft list tables").out, "");
}

TEST_F(Net, MacvlanOverHostInterface) {
    // This kernel has no dummy driver; a veth end stands in for a NIC.
    ASSERT_EQ(sh("ip link add name ext0 type veth peer name ext0p && ip link set ext0 up && ip link set ext0p up").status, 0);
    FakeContainer c;
    auto cfg = machine("nettest-mv");
    cfg.net.macvlan = {"ext0"};
    auto before = links();
    {
        auto s = NetworkSetup::setup(cfg, c.pid());
        ASSERT_TRUE(s.ok()) << s.error().message();
        auto l = in(c, "ip -d -o link show dev mv-ext0");
        EXPECT_EQ(l.status, 0) << l.err;
        EXPECT_NE(l.out.find("macvlan mode bridge"), std::string::npos) << l.out;
        EXPECT_EQ(links(), before);  // nothing new on the host side
    }
    EXPECT_EQ(links(), before);
}

TEST_F(Net, IpvlanOverHostInterface) {
    ASSERT_EQ(sh("ip link add name ext0 type veth peer name ext0p").status, 0);
    if (sh("ip link add name probe link ext0 type ipvlan && ip link del probe").status != 0)
        GTEST_SKIP() << "this kernel has no ipvlan driver (CONFIG_IPVLAN)";
    FakeContainer c;
    auto cfg = machine("nettest-iv");
    cfg.net.ipvlan = {"ext0"};
    auto s = NetworkSetup::setup(cfg, c.pid());
    ASSERT_TRUE(s.ok()) << s.error().message();
    auto l = in(c, "ip -d -o link show dev iv-ext0");
    EXPECT_NE(l.out.find("ipvlan"), std::string::npos) << l.out;
}

TEST_F(Net, InterfaceMovedInAndBack) {
    ASSERT_EQ(sh("ip link add name ext1 type veth peer name ext1p").status, 0);
    FakeContainer c;
    auto cfg = machine("nettest-mv-if");
    cfg.net.interfaces = {"ext1"};
    auto before = links();
    {
        auto s = NetworkSetup::setup(cfg, c.pid());
        ASSERT_TRUE(s.ok()) << s.error().message();
        EXPECT_FALSE(host_has_link("ext1"));
        EXPECT_EQ(in(c, "ip link show dev ext1").status, 0);
        // Even if the guest renames it, it comes back under its own name.
        ASSERT_EQ(in(c, "ip link set dev ext1 name guest1").status, 0);
        c.stop();  // the container has exited; its namespace is still held
        ASSERT_TRUE(s->teardown().ok());
    }
    EXPECT_TRUE(host_has_link("ext1"));
    EXPECT_EQ(links(), before);
}

TEST_F(Net, StaleLeftoversOfKilledSpawnAreCleaned) {
    ASSERT_EQ(sh("ip link add br0 type bridge && ip link set br0 up").status, 0);
    FakeContainer c1;
    auto cfg = machine("nettest-stale");
    cfg.net.bridge = "br0";
    cfg.net.addresses = {{"10.9.5.2/24", ""}};
    cfg.net.ports = {{PortProtocol::Tcp, "", 8080, 80}};
    // A "spawn" that sets up the network and is killed with SIGKILL.
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    pid_t spawner = fork();
    if (spawner == 0) {
        auto s = NetworkSetup::setup(cfg, c1.pid());
        (void)!write(p[1], s.ok() ? "1" : "0", 1);
        for (;;) pause();
    }
    close(p[1]);
    char ok = 0;
    ASSERT_EQ(read(p[0], &ok, 1), 1);
    close(p[0]);
    ASSERT_EQ(ok, '1');
    // While it runs, a second instance of the machine is refused.
    FakeContainer c2;
    auto busy = NetworkSetup::setup(cfg, c2.pid());
    ASSERT_FALSE(busy.ok());
    EXPECT_EQ(busy.error().code(), EBUSY) << busy.error().message();
    EXPECT_TRUE(host_has_link("vb-nettest-stale"));

    kill(spawner, SIGKILL);
    waitpid(spawner, nullptr, 0);
    // Its leftovers: the link (the old container still runs) and the rules.
    EXPECT_TRUE(host_has_link("vb-nettest-stale"));
    EXPECT_TRUE(port_table_exists(cfg.machine).value());

    auto s = NetworkSetup::setup(cfg, c2.pid());
    ASSERT_TRUE(s.ok()) << s.error().message();
    EXPECT_TRUE(in(c2, "ip -o addr show dev host0").out.find("10.9.5.2/24") != std::string::npos);
    EXPECT_EQ(in(c1, "ip link show dev host0").status, 1);  // the stale pair is gone
    ASSERT_TRUE(s->teardown().ok());
    EXPECT_FALSE(host_has_link("vb-nettest-stale"));
    EXPECT_EQ(sh("nft list tables").out, "");
    EXPECT_FALSE(lock_file_exists(cfg.machine));
}

TEST_F(Net, BadInputLeavesNothing) {
    FakeContainer c;
    auto before = links();
    struct Case {
        std::function<void(Config&)> set;
        std::string message;
    } cases[] = {
        {[](Config& k) { k.net.bridge = "nosuchbr"; }, "--network-bridge=nosuchbr: no such network interface on the host"},
        {[](Config& k) { k.net.interfaces = {"nosuchif"}; }, "--network-interface=nosuchif: no such network interface on the host"},
        {[](Config& k) { k.net.macvlan = {"nosuchif"}; }, "--network-macvlan=nosuchif: no such network interface on the host"},
        {[](Config& k) { k.net.ports = {{PortProtocol::Tcp, "", 80, 80}}; }, "Cannot use --port= without private networking"},
        {[](Config& k) { k.net.veth = true; k.net.ports = {{PortProtocol::Tcp, "::1", 80, 80}}; }, "::1 is not supported"},
        {[](Config& k) { k.net.bridge = "br0"; k.net.zone = "z"; }, "may not be combined"},
        {[](Config& k) { k.net.bridge = "lo"; }, "--network-bridge=lo: lo is not a bridge"},
        {[](Config& k) { k.net.veth = true; k.net.netns_path = "/run/netns/x"; }, "--network-namespace-path"},
    };
    for (auto& cs : cases) {
        auto cfg = machine("nettest-bad");
        cs.set(cfg);
        auto s = NetworkSetup::setup(cfg, c.pid());
        ASSERT_FALSE(s.ok()) << cs.message;
        EXPECT_NE(s.error().message().find(cs.message), std::string::npos) << s.error().message();
        EXPECT_EQ(s.error().message().find('\n'), std::string::npos);
        EXPECT_EQ(links(), before);
        EXPECT_EQ(sh("nft list tables").out, "");
        EXPECT_FALSE(lock_file_exists("nettest-bad"));
    }
    // A veth of the machine that already exists and a port rule conflict are
    // both handled as stale and replaced (no "File exists").
    ASSERT_EQ(sh("ip link add name ve-nettest-bad type veth peer name junk").status, 0);
    auto cfg = machine("nettest-bad");
    cfg.net.veth = true;
    auto s = NetworkSetup::setup(cfg, c.pid());
    ASSERT_TRUE(s.ok()) << s.error().message();
    EXPECT_FALSE(host_has_link("junk"));
    ASSERT_TRUE(s->teardown().ok());
    // Something else under that name (here a bridge) is not deleted.
    ASSERT_EQ(sh("ip link add name ve-nettest-bad type bridge").status, 0);
    auto s2 = NetworkSetup::setup(cfg, c.pid());
    ASSERT_FALSE(s2.ok());
    EXPECT_NE(s2.error().message().find("is not a veth link"), std::string::npos) << s2.error().message();
    EXPECT_TRUE(host_has_link("ve-nettest-bad"));
    EXPECT_FALSE(lock_file_exists("nettest-bad"));
}

TEST_F(Net, NetnsPathIsOpenedAndChecked) {
    EXPECT_FALSE(open_netns("/nonexistent/ns").ok());
    auto r = open_netns("/etc/hostname");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("not a namespace"), std::string::npos);
    ASSERT_EQ(sh("ip netns add nettest-ns").status, 0);
    auto fd = open_netns("/run/netns/nettest-ns");
    EXPECT_TRUE(fd.ok()) << fd.error().message();
    sh("ip netns del nettest-ns");
}
