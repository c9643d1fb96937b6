#include "net/naming.hpp"

#include <cctype>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "net/siphash.hpp"

namespace spawn::net {
namespace {

// Hash keys fixed by systemd-nspawn (nspawn-network.c); using the same ones
// keeps names and MACs identical to what nspawn gives the same machine.
constexpr SipKey kShortenKey = {0xe1, 0x90, 0xa4, 0x04, 0xa8, 0xef, 0x4b, 0x51,
                                0x8c, 0xcc, 0xc3, 0x3a, 0x9f, 0x11, 0xfc, 0xa2};
constexpr SipKey kHostKey = {0x1a, 0x37, 0x6f, 0xc7, 0x46, 0xec, 0x45, 0x0b,
                             0xad, 0xa3, 0xd5, 0x31, 0x06, 0x60, 0x5d, 0xb1};
constexpr SipKey kContainerKey = {0xc3, 0xc4, 0xf9, 0x19, 0xb5, 0x57, 0xb2, 0x1c,
                                  0xe6, 0xcf, 0x14, 0x27, 0x03, 0x9c, 0xee, 0xa2};
constexpr SipKey kExtraHostKey = {0x48, 0xc7, 0xf6, 0xb7, 0xea, 0x9d, 0x4c, 0x9e,
                                  0xb7, 0x28, 0xd4, 0xde, 0x91, 0xd5, 0xbf, 0x66};
constexpr SipKey kExtraContainerKey = {0xaf, 0x50, 0x17, 0x61, 0xce, 0xf9, 0x4d, 0x35,
                                       0x84, 0x0d, 0x2b, 0x20, 0x54, 0xbe, 0xce, 0x59};
constexpr SipKey kMacvlanKey = {0x00, 0x13, 0x6d, 0xbc, 0x66, 0x83, 0x44, 0x81,
                                0xbb, 0x0c, 0xf9, 0x51, 0x1f, 0x24, 0xa6, 0x6f};

char urlsafe_base64char(uint64_t x) {
    static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    return table[x & 63];
}

}  // namespace

std::string shorten_ifname(std::string_view name) {
    if (name.size() <= kIfNameMax) return std::string(name);
    uint64_t h = siphash24(name.data(), name.size(), kShortenKey);
    std::string out(name.substr(0, kIfNameMax - 4));
    out += urlsafe_base64char(h >> 18);
    out += urlsafe_base64char(h >> 12);
    out += urlsafe_base64char(h >> 6);
    out += urlsafe_base64char(h);
    return out;
}

std::string veth_host_full_name(std::string_view machine, bool bridged) {
    return std::string(bridged ? "vb-" : "ve-") + std::string(machine);
}

std::string veth_host_name(std::string_view machine, bool bridged) {
    return shorten_ifname(veth_host_full_name(machine, bridged));
}

Result<std::string> zone_bridge_name(std::string_view zone) {
    std::string name = "vz-" + std::string(zone);
    if (zone.empty() || !ifname_is_valid(name))
        return Error::msg("invalid network zone name '{}': 'vz-{}' must be a valid interface name of at most {} characters",
                          zone, zone, kIfNameMax);
    return name;
}

std::string macvlan_name(std::string_view parent) { return shorten_ifname("mv-" + std::string(parent)); }
std::string ipvlan_name(std::string_view parent) { return shorten_ifname("iv-" + std::string(parent)); }

MacAddress generate_mac(const std::array<uint8_t, 16>& host_machine_id, std::string_view machine,
                        MacKind kind, uint64_t index) {
    std::vector<uint8_t> v(host_machine_id.begin(), host_machine_id.end());
    v.insert(v.end(), machine.begin(), machine.end());
    if (index > 0) {
        for (int i = 0; i < 8; ++i) v.push_back(static_cast<uint8_t>(index >> (8 * i)));
    }
    const SipKey* key = &kHostKey;
    switch (kind) {
        case MacKind::VethHost: key = &kHostKey; break;
        case MacKind::VethContainer: key = &kContainerKey; break;
        case MacKind::VethExtraHost: key = &kExtraHostKey; break;
        case MacKind::VethExtraContainer: key = &kExtraContainerKey; break;
        case MacKind::Macvlan: key = &kMacvlanKey; break;
    }
    uint64_t h = siphash24(v.data(), v.size(), *key);
    MacAddress mac;
    for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(h >> (8 * i));  // little-endian bytes
    mac[0] &= 0xfe;  // unicast
    mac[0] |= 0x02;  // locally administered
    return mac;
}

std::string mac_to_string(const MacAddress& m) {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5]);
}

}  // namespace spawn::net
