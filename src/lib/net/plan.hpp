// Pure network planning: Config.net (+ the machine name) -> an ordered list of
// steps the executor (NetworkSetup) walks. Also the validation of everything
// the option parser cannot see on its own (conflicts, names, addresses).
// No kernel access here: unit-tested without root.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "net/naming.hpp"
#include "util/result.hpp"

namespace spawn::net {

// An IP address with prefix length, parsed ("10.0.0.2/24", "fd00::2/64").
struct IpPrefix {
    int family = 0;          // AF_INET or AF_INET6
    uint8_t bytes[16] = {};  // network byte order; 4 used for AF_INET
    unsigned prefix = 0;
    std::string text;        // address without the prefix, canonical
};

// "ADDR" or "ADDR/PREFIX"; without a prefix: 32 / 128.
Result<IpPrefix> parse_ip_prefix(const std::string& s);
// A bare address (no prefix allowed).
Result<IpPrefix> parse_ip_address(const std::string& s);

enum class StepKind {
    CheckLinkExists,   // a host link that must exist before anything is created (bridge, interface, parent)
    CreateVeth,        // host_name <-> container_name (moved into the container at creation)
    JoinBridge,        // host_name enslaved to bridge (create_bridge: zone bridge made on demand)
    MoveInterface,     // host link host_name moved into the container (moved back on teardown)
    CreateMacvlan,     // container_name on parent host_name, created directly in the container
    CreateIpvlan,      // same, ipvlan (L2 mode, as nspawn)
    LoopbackUp,        // lo up inside the container
    AddAddress,        // address on container_name inside the container (link brought up)
    AddGateway,        // default route via gateway on container_name inside the container
    HostLinkUp,        // bring the host side host_name up
    PortForward,       // nftables rules for ports (one step for all of them)
};

struct NetStep {
    StepKind kind;
    std::string host_name;       // host-side link (or parent for macvlan/ipvlan)
    std::string host_altname;    // untruncated name of a shortened host link ("" if not shortened)
    std::string container_name;  // name inside the container
    std::string bridge;          // JoinBridge
    bool create_bridge = false;  // JoinBridge of a zone
    MacKind host_mac = MacKind::VethHost;       // CreateVeth
    MacKind container_mac = MacKind::VethContainer;
    uint64_t mac_index = 0;
    std::string address;         // AddAddress: "ADDR/PREFIX"; AddGateway: gateway address
    std::string what;            // CheckLinkExists: the option that names the link (for the message)
};

struct NetPlan {
    bool private_network = false;  // the container gets its own network namespace
    std::string netns_path;        // --network-namespace-path: the child joins this one instead
    std::string machine;
    std::vector<NetStep> steps;
    std::vector<PortForward> ports;  // for the PortForward step
    // Host links named after this machine (ve-/vb-, shortened), which a
    // start removes when a dead instance left them (only if they are veths);
    // the zone bridge is removed only when empty.
    std::vector<std::string> owned_links;
    std::string zone_bridge;
};

// Validates cfg.net against itself and the machine name and produces the plan.
// Errors are one line naming the offending option.
Result<NetPlan> plan_network(const Config& cfg);

}  // namespace spawn::net
