// The leftovers of other machines that died without tearing down (their
// spawn was SIGKILLed), cleared by every start: what would otherwise keep
// acting on the host for a dead guest.
#pragma once

#include <string>

namespace spawn {

// What dead machines left: port forwarding rules (an nftables table keeps
// sending a host port to the dead guest's address), scope cgroups, state
// files and name lock files, and the UID range locks they held (free lock
// files). Their registrations stay for mctl (machined/ghost.hpp) or the next
// start of their name. A machine counts as dead when its
// name lock can be taken (no start of it runs); SELF, the machine being
// started, is left to its own network stage. Failures are warnings: the
// leftovers are another machine's, and this start goes on.
void clear_dead_machines_leftovers(const std::string& self);

}  // namespace spawn
