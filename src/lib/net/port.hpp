// Port forwarding (-p/--port) through nftables, in a table of the machine's
// own: `table inet spawn-MACHINE`. One table per machine makes removal atomic
// and crash-safe: the next start (or teardown) deletes the table whatever it
// holds. Beyond nspawn (systemd#6106), the rules also catch connections from
// the host itself to 127.0.0.1 (output-chain DNAT + masquerade; needs
// route_localnet on the outgoing link) and IPv6, and can be bound to one host
// address.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn::net {

// "spawn-MACHINE" with characters nft identifiers do not allow replaced by '_'.
std::string port_table_name(const std::string& machine);

// The nft script (pure) that replaces the machine's table with rules that
// forward ports to the container addresses (empty: that family is not
// forwarded). Always starts by removing a previous table of the same name.
std::string port_ruleset(const std::string& machine, const std::vector<PortForward>& ports,
                         const std::string& container_v4, const std::string& container_v6);
// The nft script that removes the machine's table if it exists.
std::string port_cleanup_script(const std::string& machine);

// Runs an nft script through libnftables; the error names the first failure.
Result<void> nft_run(const std::string& script);

// Whether the machine's table exists.
Result<bool> port_table_exists(const std::string& machine);

}  // namespace spawn::net
