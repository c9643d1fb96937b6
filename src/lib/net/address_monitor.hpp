// AddressMonitor: a netlink socket in a container's network namespace that
// becomes readable when an address is added to or removed from any of its
// links (RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR). spawn's event loop waits on
// it to follow the guest's address for --port (a DHCP lease, networkd) instead
// of asking every second.
#pragma once

#include <sys/types.h>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::net {

class AddressMonitor {
public:
    // Opens the socket inside the network namespace of container_pid.
    static Result<AddressMonitor> open(pid_t container_pid);
    int fd() const { return fd_.get(); }
    // Reads what is queued: the event is the news, not its content (an
    // overrun, ENOBUFS, counts as news too).
    void drain() noexcept;

private:
    explicit AddressMonitor(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

}  // namespace spawn::net
