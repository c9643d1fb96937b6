#include <gtest/gtest.h>

#include <algorithm>

#include "net/plan.hpp"
#include "net/port.hpp"

using namespace spawn;
using namespace spawn::net;

namespace {

Config cfg(const std::string& machine = "web") {
    Config c;
    c.machine = machine;
    return c;
}

std::vector<StepKind> kinds(const NetPlan& p) {
    std::vector<StepKind> k;
    for (const auto& s : p.steps) k.push_back(s.kind);
    return k;
}

std::string err(const Config& c) {
    auto r = plan_network(c);
    return r.ok() ? "" : r.error().message();
}

}  // namespace

TEST(NetPlan, NoNetworkOptions) {
    auto p = plan_network(cfg());
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(p->private_network);
    EXPECT_TRUE(p->steps.empty());
}

TEST(NetPlan, PrivateNetworkOnlyBringsUpLoopback) {
    auto c = cfg();
    c.net.private_network = true;
    auto p = plan_network(c);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(p->private_network);
    EXPECT_EQ(kinds(*p), std::vector<StepKind>{StepKind::LoopbackUp});
}

TEST(NetPlan, Veth) {
    auto c = cfg();
    c.net.veth = true;
    auto p = plan_network(c);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(kinds(*p), (std::vector<StepKind>{StepKind::LoopbackUp, StepKind::CreateVeth, StepKind::HostLinkUp}));
    EXPECT_EQ(p->steps[1].host_name, "ve-web");
    EXPECT_EQ(p->steps[1].container_name, "host0");
    EXPECT_EQ(p->owned_links, std::vector<std::string>{"ve-web"});
}

TEST(NetPlan, BridgeChecksFirstAndJoins) {
    auto c = cfg("averyveryverylongname");
    c.net.bridge = "br0";
    auto p = plan_network(c);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(kinds(*p), (std::vector<StepKind>{StepKind::CheckLinkExists, StepKind::LoopbackUp, StepKind::CreateVeth,
                                               StepKind::JoinBridge, StepKind::HostLinkUp}));
    EXPECT_EQ(p->steps[0].host_name, "br0");
    EXPECT_EQ(p->steps[2].host_name.substr(0, 3), "vb-");
    EXPECT_EQ(p->steps[2].host_altname, "vb-averyveryverylongname");
    EXPECT_EQ(p->steps[3].bridge, "br0");
    EXPECT_FALSE(p->steps[3].create_bridge);
}

TEST(NetPlan, ZoneCreatesBridgeOnDemand) {
    auto c = cfg();
    c.net.zone = "lab";
    auto p = plan_network(c);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->zone_bridge, "vz-lab");
    auto j = std::find_if(p->steps.begin(), p->steps.end(), [](auto& s) { return s.kind == StepKind::JoinBridge; });
    ASSERT_NE(j, p->steps.end());
    EXPECT_EQ(j->bridge, "vz-lab");
    EXPECT_TRUE(j->create_bridge);
    EXPECT_EQ(j->host_name, "vb-web");
}

TEST(NetPlan, InterfacesMacvlanIpvlanAddressesPorts) {
    auto c = cfg();
    c.net.veth = true;
    c.net.interfaces = {"eth1"};
    c.net.macvlan = {"eth2"};
    c.net.ipvlan = {"eth3"};
    c.net.veth_extra = {"xh:xc", "yy"};
    c.net.addresses = {{"10.0.0.2/24", "10.0.0.1"}, {"fd00::2/64", ""}};
    c.net.ports = {{PortProtocol::Tcp, "", 8080, 80}};
    auto p = plan_network(c);
    ASSERT_TRUE(p.ok()) << p.error().message();
    EXPECT_EQ(kinds(*p),
              (std::vector<StepKind>{StepKind::CheckLinkExists, StepKind::CheckLinkExists, StepKind::CheckLinkExists,
                                     StepKind::LoopbackUp, StepKind::CreateVeth, StepKind::HostLinkUp,
                                     StepKind::CreateVeth, StepKind::CreateVeth, StepKind::MoveInterface,
                                     StepKind::CreateMacvlan, StepKind::CreateIpvlan, StepKind::AddAddress,
                                     StepKind::AddAddress, StepKind::AddGateway, StepKind::PortForward}));
    EXPECT_EQ(p->steps[6].host_name, "xh");
    EXPECT_EQ(p->steps[6].container_name, "xc");
    EXPECT_EQ(p->steps[7].container_name, "yy");
    EXPECT_EQ(p->steps[9].container_name, "mv-eth2");
    EXPECT_EQ(p->steps[10].container_name, "iv-eth3");
    EXPECT_EQ(p->steps[11].address, "10.0.0.2/24");
    EXPECT_EQ(p->steps[12].address, "fd00::2/64");
    EXPECT_EQ(p->steps[13].address, "10.0.0.1");
    EXPECT_EQ(p->owned_links, (std::vector<std::string>{"ve-web"}));  // not the user-named extras
}

TEST(NetPlan, NetnsPath) {
    auto c = cfg();
    c.net.netns_path = "/run/netns/x";
    auto p = plan_network(c);
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(p->private_network);
    EXPECT_EQ(p->netns_path, "/run/netns/x");
    EXPECT_TRUE(p->steps.empty());
}

TEST(NetPlan, Conflicts) {
    auto c = cfg();
    c.net.netns_path = "/run/netns/x";
    c.net.veth = true;
    EXPECT_NE(err(c).find("--network-namespace-path"), std::string::npos);
    c = cfg();
    c.net.netns_path = "/run/netns/x";
    c.net.private_network = true;  // accepted, as nspawn does
    EXPECT_EQ(err(c), "");
    c = cfg();
    c.net.netns_path = "relative";
    EXPECT_NE(err(c).find("absolute"), std::string::npos);
    c = cfg();
    c.net.bridge = "br0";
    c.net.zone = "z";
    EXPECT_NE(err(c).find("--network-zone"), std::string::npos);
    c = cfg();
    c.net.ports = {{PortProtocol::Tcp, "", 80, 80}};
    EXPECT_NE(err(c).find("--port"), std::string::npos);
    EXPECT_NE(err(c).find("without private networking"), std::string::npos);
    c.net.private_network = true;
    EXPECT_EQ(err(c), "");  // accepted as nspawn does; forwarded once the guest has an address
    c.net.ports = {{PortProtocol::Tcp, "::1", 80, 80}};
    EXPECT_NE(err(c).find("::1"), std::string::npos);
    c = cfg();
    c.net.addresses = {{"10.0.0.2/24", ""}};
    EXPECT_NE(err(c).find("host0"), std::string::npos);
    c = cfg();
    c.net.interfaces = {"eth1"};
    c.net.macvlan = {"eth1"};
    EXPECT_NE(err(c).find("--network-macvlan=eth1"), std::string::npos);
    c = cfg();
    c.net.interfaces = {"eth1", "eth1"};
    EXPECT_NE(err(c).find("twice"), std::string::npos);
    c = cfg();
    c.net.veth = true;
    c.net.interfaces = {"host0"};
    EXPECT_NE(err(c).find("host0"), std::string::npos);
}

TEST(NetPlan, BadValues) {
    auto c = cfg();
    c.net.bridge = "this-name-is-too-long";
    EXPECT_NE(err(c).find("not a valid network interface name"), std::string::npos);
    c = cfg();
    c.net.zone = "waytoolongzone";
    EXPECT_NE(err(c).find("zone"), std::string::npos);
    c = cfg();
    c.net.veth = true;
    c.net.addresses = {{"10.0.0.300/24", ""}};
    EXPECT_NE(err(c).find("10.0.0.300"), std::string::npos);
    c.net.addresses = {{"10.0.0.2", ""}};
    EXPECT_NE(err(c).find("ADDRESS/PREFIX"), std::string::npos);
    c.net.addresses = {{"10.0.0.2/33", ""}};
    EXPECT_NE(err(c).find("prefix"), std::string::npos);
    c.net.addresses = {{"10.0.0.2/24", "fd00::1"}};
    EXPECT_NE(err(c).find("families"), std::string::npos);
    c = cfg();
    c.net.veth = true;
    c.net.ports = {{PortProtocol::Tcp, "", 0, 80}};
    EXPECT_NE(err(c).find("1..65535"), std::string::npos);
    c.net.ports = {{PortProtocol::Tcp, "", 80, 80}, {PortProtocol::Tcp, "", 80, 81}};
    EXPECT_NE(err(c).find("twice"), std::string::npos);
    c.net.ports = {{PortProtocol::Tcp, "", 80, 80}, {PortProtocol::Udp, "", 80, 81}};
    EXPECT_EQ(err(c), "");
    c.net.ports = {{PortProtocol::Tcp, "nonsense", 80, 80}};
    EXPECT_NE(err(c).find("nonsense"), std::string::npos);
    c = cfg("");
    c.net.veth = true;
    EXPECT_NE(err(c).find("machine name"), std::string::npos);
}

TEST(NetPlan, ParseIp) {
    auto a = parse_ip_prefix("fd00:0::2/64");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->text, "fd00::2");
    EXPECT_EQ(a->prefix, 64u);
    EXPECT_EQ(parse_ip_address("[::1]")->text, "::1");
    EXPECT_FALSE(parse_ip_address("10.0.0.1/8").ok());
}

TEST(NetPort, Ruleset) {
    std::vector<PortForward> ports = {{PortProtocol::Tcp, "", 8080, 80},
                                      {PortProtocol::Udp, "10.0.0.1", 53, 5353},
                                      {PortProtocol::Tcp, "fd00::1", 443, 4443}};
    auto s = port_ruleset("web", ports, "10.0.0.2", "fd00::2");
    EXPECT_EQ(s.find("add table inet spawn-web\ndelete table inet spawn-web\n"), 0u);
    EXPECT_NE(s.find("add rule inet spawn-web prerouting meta nfproto ipv4 fib daddr type local tcp dport 8080 dnat ip to 10.0.0.2:80\n"), std::string::npos);
    EXPECT_NE(s.find("add rule inet spawn-web output meta nfproto ipv6 fib daddr type local tcp dport 8080 dnat ip6 to [fd00::2]:80\n"), std::string::npos);
    EXPECT_NE(s.find("add rule inet spawn-web output ip daddr 10.0.0.1 udp dport 53 dnat ip to 10.0.0.2:5353\n"), std::string::npos);
    EXPECT_EQ(s.find("ip6 daddr 10.0.0.1"), std::string::npos);  // bound to a v4 address: no v6 rule
    EXPECT_NE(s.find("ip6 daddr fd00::1 tcp dport 443 dnat ip6 to [fd00::2]:4443"), std::string::npos);
    EXPECT_EQ(s.find("dnat ip to 10.0.0.2:4443"), std::string::npos);
    EXPECT_NE(s.find("ip saddr 127.0.0.0/8 ip daddr 10.0.0.2 masquerade"), std::string::npos);

    auto v4only = port_ruleset("web", ports, "10.0.0.2", "");
    EXPECT_EQ(v4only.find("ip6"), std::string::npos);
    EXPECT_EQ(port_table_name("a b/c"), "spawn-a_b_c");
}

#include "config/finalize.hpp"
#include "config/options.hpp"

namespace {

Result<NetPlan> plan_argv(std::vector<std::string> args) {
    args.insert(args.begin(), "spawn");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto cfg = TRY(parse_spawn_options(static_cast<int>(args.size()), argv.data()));
    FsProbe probe{[](const std::string&) { return true; }, [] { return std::string("/"); }, {}, {}};
    TRY(finalize_config(cfg, probe));
    return plan_network(cfg);
}

}  // namespace

// The parser (options branch) and the planner agree on what the options mean.
TEST(NetPlan, FromCommandLine) {
    auto p = plan_argv({"-D", "/srv/web", "--network-bridge=br0", "-p", "127.0.0.1:8080:80", "-p", "udp:53",
                        "--network-address=10.0.0.2/24,10.0.0.1", "/bin/true"});
    ASSERT_TRUE(p.ok()) << p.error().message();
    EXPECT_TRUE(p->private_network);
    EXPECT_EQ(p->machine, "web");
    EXPECT_EQ(p->owned_links, std::vector<std::string>{"vb-web"});
    ASSERT_EQ(p->ports.size(), 2u);
    EXPECT_EQ(p->ports[0].host_address, "127.0.0.1");
    EXPECT_EQ(p->ports[1].container_port, 53);
    EXPECT_EQ(kinds(*p).back(), StepKind::PortForward);

    auto z = plan_argv({"-D", "/srv/web", "--network-zone=lab", "/bin/true"});
    ASSERT_TRUE(z.ok());
    EXPECT_EQ(z->zone_bridge, "vz-lab");

    auto ns = plan_argv({"-D", "/srv/web", "--private-network", "--network-namespace-path=/run/netns/x", "/bin/true"});
    ASSERT_TRUE(ns.ok()) << ns.error().message();
    EXPECT_FALSE(ns->private_network);
    EXPECT_EQ(ns->netns_path, "/run/netns/x");
}
