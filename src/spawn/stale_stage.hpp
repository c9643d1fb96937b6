// The leftovers of other machines that died without tearing down (their
// spawn was SIGKILLed), cleared by every start: what would otherwise keep
// acting on the host for a dead guest.
#pragma once

#include <string>

namespace spawn {

// Port forwarding rules of dead machines (an nftables table keeps sending a
// host port to the dead guest's address). A machine counts as dead when its
// name lock can be taken (no start of it runs); SELF, the machine being
// started, is left to its own network stage. Failures are warnings: the
// leftovers are another machine's, and this start goes on.
void clear_dead_machines_leftovers(const std::string& self);

}  // namespace spawn
