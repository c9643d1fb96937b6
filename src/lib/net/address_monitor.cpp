#include "net/address_monitor.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "net/netns.hpp"

namespace spawn::net {

Result<AddressMonitor> AddressMonitor::open(pid_t container_pid) {
    auto ns = TRY(open_netns_of(container_pid));
    auto inside = TRY(NetnsGuard::enter(ns.get()));  // the socket stays bound to that namespace
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
    if (!fd) return Error::errno_("opening a netlink socket in the container's network namespace");
    struct sockaddr_nl addr {};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
    if (::bind(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0)
        return Error::errno_("subscribing to the container's address changes");
    return AddressMonitor(std::move(fd));
}

void AddressMonitor::drain() noexcept {
    char buf[8192];
    for (;;) {
        ssize_t n = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0 || (n < 0 && (errno == EINTR || errno == ENOBUFS))) continue;
        return;  // EAGAIN: empty
    }
}

}  // namespace spawn::net
