#include "config/derived.hpp"

#include <signal.h>

namespace spawn {

NetNamespace net_namespace(const NetworkConfig& n) {
    if (!n.netns_path.empty()) return NetNamespace::Joined;
    // --port and --network-address need one of these (validate_config): alone
    // they make nothing private.
    bool any = n.private_network || n.veth || !n.veth_extra.empty() || !n.bridge.empty() || !n.zone.empty() ||
               !n.interfaces.empty() || !n.macvlan.empty() || !n.ipvlan.empty();
    return any ? NetNamespace::Private : NetNamespace::Host;
}

int effective_kill_signal(const Config& cfg) {
    if (cfg.kill_signal) return cfg.kill_signal;
    return cfg.boot ? SIGRTMIN + 3 : SIGKILL;
}

}  // namespace spawn
