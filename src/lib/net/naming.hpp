// Host-side interface names and MAC addresses, computed exactly as
// systemd-nspawn 252 does, so scripts and networkd configurations written for
// nspawn (ve-*, vb-*, vz-* matches) keep working. Pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/names.hpp"
#include "util/result.hpp"

namespace spawn::net {

inline constexpr size_t kIfNameMax = 15;  // IFNAMSIZ - 1

// nspawn's shorten_ifname(): names longer than 15 characters keep their first
// 11 characters followed by 4 url-safe base64 characters of a SipHash of the
// full name ("ve-averyveryverylongname" -> "ve-averyverUARo").
std::string shorten_ifname(std::string_view name);

// "ve-NAME" (--network-veth) or "vb-NAME" (--network-bridge / --network-zone),
// shortened as nspawn does.
std::string veth_host_name(std::string_view machine, bool bridged);
// The untruncated form, set as the link's alternative name when shortened.
std::string veth_host_full_name(std::string_view machine, bool bridged);

// "vz-ZONE": the bridge of --network-zone=ZONE; an error if ZONE is empty or
// the result is not a valid interface name (nspawn refuses such zones too).
Result<std::string> zone_bridge_name(std::string_view zone);

// Container-side names of --network-macvlan=IF / --network-ipvlan=IF:
// "mv-IF" / "iv-IF", shortened as nspawn does.
std::string macvlan_name(std::string_view parent);
std::string ipvlan_name(std::string_view parent);

using MacAddress = std::array<uint8_t, 6>;

enum class MacKind { VethHost, VethContainer, VethExtraHost, VethExtraContainer, Macvlan };

// A stable, locally administered unicast MAC derived from the host's machine
// ID, the machine name and an index (nspawn's generate_mac()).
MacAddress generate_mac(const std::array<uint8_t, 16>& host_machine_id, std::string_view machine,
                        MacKind kind, uint64_t index = 0);
std::string mac_to_string(const MacAddress& mac);

}  // namespace spawn::net
