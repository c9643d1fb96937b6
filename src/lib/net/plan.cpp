#include "net/plan.hpp"

#include "config/derived.hpp"
#include "config/options.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <set>
#include <tuple>

#include "util/strings.hpp"

namespace spawn::net {

Result<IpPrefix> parse_ip_address(const std::string& s) {
    IpPrefix p;
    std::string a = s;
    if (a.size() > 2 && a.front() == '[' && a.back() == ']') a = a.substr(1, a.size() - 2);
    if (inet_pton(AF_INET, a.c_str(), p.bytes) == 1) {
        p.family = AF_INET;
        p.prefix = 32;
    } else if (inet_pton(AF_INET6, a.c_str(), p.bytes) == 1) {
        p.family = AF_INET6;
        p.prefix = 128;
    } else {
        return Error::msg("'{}' is not an IPv4 or IPv6 address", s);
    }
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(p.family, p.bytes, buf, sizeof buf);
    p.text = buf;
    return p;
}

Result<IpPrefix> parse_ip_prefix(const std::string& s) {
    auto slash = s.find('/');
    auto addr = TRY(parse_ip_address(s.substr(0, slash)));
    if (slash == std::string::npos) return addr;
    auto len = str::parse_uint(std::string_view(s).substr(slash + 1));
    unsigned max = addr.family == AF_INET ? 32 : 128;
    if (!len || *len > max) return Error::msg("'{}': prefix length must be 0..{}", s, max);
    addr.prefix = static_cast<unsigned>(*len);
    return addr;
}

namespace {

Result<void> check_ifname(const std::string& name, const char* option) {
    if (!ifname_is_valid(name))
        return Error::msg("{}: '{}' is not a valid network interface name", option, name);
    return ok();
}

NetStep step(StepKind k) { return NetStep{k, {}, {}, {}, {}, false, MacKind::VethHost, MacKind::VethContainer, 0, {}, {}}; }

}  // namespace

namespace {

using LinkPairs = std::vector<std::pair<std::string, std::string>>;  // --network-veth-extra: host, container
using Addresses = std::vector<std::pair<IpPrefix, std::string>>;     // --network-address: address, gateway

bool wants_host0(const NetworkConfig& n) { return n.veth || !n.bridge.empty() || !n.zone.empty(); }

// Every interface name valid, none twice, none clashing inside the container.
Result<LinkPairs> check_names(const NetworkConfig& n, NetPlan& plan) {
    if (!n.bridge.empty()) TRY(check_ifname(n.bridge, "--network-bridge"));
    if (!n.zone.empty()) plan.zone_bridge = TRY_CTX(zone_bridge_name(n.zone), "--network-zone");
    std::set<std::string> moved, container_names, host_names;
    if (wants_host0(n)) container_names.insert("host0");
    for (const auto& i : n.interfaces) {
        TRY(check_ifname(i, "--network-interface"));
        if (!moved.insert(i).second) return Error::msg("--network-interface={} given twice", i);
        if (!container_names.insert(i).second)
            return Error::msg("--network-interface={}: the container already has an interface named so", i);
    }
    for (const auto* list : {&n.macvlan, &n.ipvlan}) {
        const char* opt = list == &n.macvlan ? "--network-macvlan" : "--network-ipvlan";
        for (const auto& p : *list) {
            TRY(check_ifname(p, opt));
            if (moved.count(p))
                return Error::msg("{}={}: the interface is also moved into the container with --network-interface", opt, p);
            std::string cname = list == &n.macvlan ? macvlan_name(p) : ipvlan_name(p);
            if (!container_names.insert(cname).second) return Error::msg("{}={} given twice", opt, p);
        }
    }
    LinkPairs extra;
    for (const auto& e : n.veth_extra) {
        auto parts = str::split(e, ':');
        if (parts.size() > 2) return Error::msg("--network-veth-extra={}: expected HOSTIF[:CONTAINERIF]", e);
        std::string h = parts[0], c = parts.size() == 2 ? parts[1] : parts[0];
        TRY(check_ifname(h, "--network-veth-extra"));
        TRY(check_ifname(c, "--network-veth-extra"));
        if (!host_names.insert(h).second) return Error::msg("--network-veth-extra={}: host interface {} given twice", e, h);
        if (!container_names.insert(c).second)
            return Error::msg("--network-veth-extra={}: the container already has an interface named {}", e, c);
        extra.emplace_back(h, c);
    }
    return extra;
}

Result<Addresses> parse_addresses(const NetworkConfig& n) {
    Addresses addrs;
    for (const auto& a : n.addresses) {
        auto p = TRY_CTX(parse_ip_prefix(a.address), "--network-address");
        if (a.address.find('/') == std::string::npos)
            return Error::msg("--network-address={}: expected ADDRESS/PREFIX", a.address);
        if (!a.gateway.empty()) {
            auto g = TRY_CTX(parse_ip_address(a.gateway), "--network-address gateway");
            if (g.family != p.family)
                return Error::msg("--network-address={},{}: gateway and address are of different families", a.address, a.gateway);
        }
        addrs.emplace_back(p, a.gateway);
    }
    return addrs;
}

Result<void> plan_ports(const NetworkConfig& n, NetPlan& plan) {
    std::set<std::tuple<int, std::string, uint16_t>> seen;
    for (const auto& p : n.ports) {
        const char* proto = p.protocol == PortProtocol::Tcp ? "tcp" : "udp";
        if (p.host_port == 0 || p.container_port == 0) return Error::msg("--port: port numbers must be 1..65535");
        std::string host = p.host_address;
        if (!host.empty()) {
            auto a = TRY_CTX(parse_ip_address(host), "--port host address");
            if (a.family == AF_INET6 && a.text == "::1")
                return Error::msg("--port: forwarding connections to ::1 is not supported (IPv6 has no route_localnet); use 127.0.0.1 or a host address");
            host = a.text;
        }
        if (!seen.emplace(static_cast<int>(p.protocol), host, p.host_port).second)
            return Error::msg("--port: {} port {} forwarded twice", proto, p.host_port);
        for (const auto& q : seen)
            if (std::get<0>(q) == static_cast<int>(p.protocol) && std::get<2>(q) == p.host_port &&
                (std::get<1>(q).empty() != host.empty()))
                return Error::msg("--port: {} port {} forwarded both for one address and for all", proto, p.host_port);
        plan.ports.push_back(p);
    }
    return ok();
}

// host0 (--network-veth, --network-bridge, --network-zone): the veth pair,
// its bridge, its host side up.
void add_host0_steps(const Config& cfg, NetPlan& plan) {
    const NetworkConfig& n = cfg.net;
    bool bridged = !n.bridge.empty() || !n.zone.empty();
    auto s = step(StepKind::CreateVeth);
    s.host_name = veth_host_name(cfg.machine, bridged);
    std::string full = veth_host_full_name(cfg.machine, bridged);
    if (full != s.host_name) s.host_altname = full;
    s.container_name = "host0";
    plan.steps.push_back(s);
    plan.owned_links.push_back(s.host_name);
    if (bridged) {
        auto j = step(StepKind::JoinBridge);
        j.host_name = s.host_name;
        j.bridge = !n.bridge.empty() ? n.bridge : plan.zone_bridge;
        j.create_bridge = !n.zone.empty();
        plan.steps.push_back(j);
    }
    auto up = step(StepKind::HostLinkUp);
    up.host_name = s.host_name;
    plan.steps.push_back(up);
}

// The ordered steps: preconditions on host links first (checked before
// anything is created), then every link, address, gateway and port rule.
void add_steps(const Config& cfg, NetPlan& plan, const LinkPairs& extra, const Addresses& addrs) {
    const NetworkConfig& n = cfg.net;
    auto check = [&](const std::string& name, const char* what) {
        auto s = step(StepKind::CheckLinkExists);
        s.host_name = name;
        s.what = what;
        plan.steps.push_back(s);
    };
    if (!n.bridge.empty()) check(n.bridge, "--network-bridge");
    for (const auto& i : n.interfaces) check(i, "--network-interface");
    for (const auto& p : n.macvlan) check(p, "--network-macvlan");
    for (const auto& p : n.ipvlan) check(p, "--network-ipvlan");
    plan.steps.push_back(step(StepKind::LoopbackUp));
    if (wants_host0(n)) add_host0_steps(cfg, plan);
    uint64_t idx = 0;
    for (const auto& [h, c] : extra) {
        auto s = step(StepKind::CreateVeth);
        s.host_name = h;
        s.container_name = c;
        s.host_mac = MacKind::VethExtraHost;
        s.container_mac = MacKind::VethExtraContainer;
        s.mac_index = idx++;
        plan.steps.push_back(s);
        // Not in owned_links: these names are the user's, and a stale pair
        // dies with the container's namespace anyway.
    }
    for (const auto& i : n.interfaces) {
        auto s = step(StepKind::MoveInterface);
        s.host_name = i;
        s.container_name = i;
        plan.steps.push_back(s);
    }
    idx = 0;
    for (const auto& p : n.macvlan) {
        auto s = step(StepKind::CreateMacvlan);
        s.host_name = p;
        s.container_name = macvlan_name(p);
        s.mac_index = idx++;
        plan.steps.push_back(s);
    }
    for (const auto& p : n.ipvlan) {
        auto s = step(StepKind::CreateIpvlan);
        s.host_name = p;
        s.container_name = ipvlan_name(p);
        plan.steps.push_back(s);
    }
    for (const auto& [p, gw] : addrs) {
        auto s = step(StepKind::AddAddress);
        s.container_name = "host0";
        s.address = p.text + "/" + std::to_string(p.prefix);
        plan.steps.push_back(s);
    }
    for (const auto& [p, gw] : addrs) {
        if (gw.empty()) continue;
        auto s = step(StepKind::AddGateway);
        s.container_name = "host0";
        s.address = gw;
        plan.steps.push_back(s);
    }
    if (!plan.ports.empty()) plan.steps.push_back(step(StepKind::PortForward));
}

}  // namespace

Result<NetPlan> plan_network(const Config& cfg) {
    const NetworkConfig& n = cfg.net;
    TRY(validate_network(n));  // the options against each other, in the option parser's words
    // What nspawn's options allow but spawn cannot do: forward ports into a namespace it did not make.
    if (!n.netns_path.empty() && !n.ports.empty())
        return Error::msg("--port= cannot be combined with --network-namespace-path=");
    NetPlan plan;
    plan.machine = cfg.machine;
    plan.netns_path = n.netns_path;
    plan.private_network = net_namespace(n) == NetNamespace::Private;
    if (!plan.private_network) return plan;  // the host's network, or --network-namespace-path: nothing on the host
    if (wants_host0(n) && cfg.machine.empty()) return Error::msg("network setup needs a machine name (-M)");
    const auto extra = TRY(check_names(n, plan));
    const auto addrs = TRY(parse_addresses(n));
    TRY(plan_ports(n, plan));
    add_steps(cfg, plan, extra, addrs);
    return plan;
}

}  // namespace spawn::net
