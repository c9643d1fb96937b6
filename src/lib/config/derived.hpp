// derived: facts that follow from a Config alone, each computed here and
// nowhere else (pure). The start plan (start/plan.hpp) gathers them with the
// host's facts; the planners that take a Config call these.
#pragma once

#include "config/config.hpp"

namespace spawn {

// The container's network namespace.
enum class NetNamespace {
    Host,     // no network option: the host's network
    Private,  // any network option but --network-namespace-path: a new one (CLONE_NEWNET)
    Joined,   // --network-namespace-path: that existing one
};
NetNamespace net_namespace(const NetworkConfig& net);
// A network namespace that is not the host's: CAP_NET_ADMIN stays, and
// /proc/sys/net stays writable, as with nspawn.
inline bool own_network(const NetworkConfig& net) { return net_namespace(net) != NetNamespace::Host; }

// The signal that asks PID 1 to stop (on SIGTERM/SIGINT/SIGHUP/SIGQUIT to
// spawn): --kill-signal, else SIGRTMIN+3 for a booted init, SIGKILL for a
// command, as nspawn.
int effective_kill_signal(const Config& cfg);

}  // namespace spawn
