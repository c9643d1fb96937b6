// RAII wrappers around libnl-route-3 (rtnetlink) and the link operations the
// network setup needs: veth pairs, bridges, macvlan/ipvlan, moving links
// between namespaces, addresses and routes. Every function names the link in
// its error message.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "net/naming.hpp"
#include "util/cptr.hpp"
#include "util/result.hpp"

namespace spawn::net {

using NlSockPtr = CPtr<nl_sock, nl_socket_free>;
using LinkPtr = CPtr<rtnl_link, rtnl_link_put>;

// A connected NETLINK_ROUTE socket in the calling thread's current namespace
// (or in netns_fd's namespace when given).
class Netlink {
public:
    static Result<Netlink> open();
    static Result<Netlink> open_in(int netns_fd);
    nl_sock* sock() const { return sk_.get(); }

    // The link called name, or nullopt if there is none.
    Result<std::optional<LinkPtr>> find(const std::string& name);
    Result<std::optional<LinkPtr>> find(int ifindex);
    Result<int> ifindex(const std::string& name);  // ENODEV error if missing
    Result<bool> exists(const std::string& name);

    // veth pair: host_name here, peer_name created directly in the namespace of
    // peer_pid (or peer_netns_fd if >= 0). MACs optional.
    Result<void> create_veth(const std::string& host_name, const std::optional<MacAddress>& host_mac,
                             const std::string& peer_name, const std::optional<MacAddress>& peer_mac,
                             pid_t peer_pid, int peer_netns_fd = -1);
    Result<void> create_bridge(const std::string& name);
    // macvlan (mode bridge) or ipvlan (mode l2) on parent, created directly in
    // the target namespace as name.
    Result<void> create_macvlan(const std::string& parent, const std::string& name,
                                const std::optional<MacAddress>& mac, pid_t pid, int netns_fd = -1);
    Result<void> create_ipvlan(const std::string& parent, const std::string& name, pid_t pid, int netns_fd = -1);
    // Sets an alternative name (best effort; old kernels lack it).
    Result<void> set_altname(const std::string& name, const std::string& altname);
    Result<void> set_up(const std::string& name);
    Result<void> set_master(const std::string& name, int master_ifindex);
    // Moves the link into the namespace of netns_fd (pid if netns_fd < 0),
    // optionally renaming it.
    Result<void> move_to_netns(int ifindex, const std::string& what, int netns_fd, pid_t pid = 0,
                               const std::string& new_name = {});
    // Deletes the link; true if it existed.
    Result<bool> remove(const std::string& name);
    // Names of links enslaved to master.
    Result<std::vector<std::string>> members(int master_ifindex);
    Result<void> add_address(const std::string& link, const std::string& prefix_text);
    Result<void> add_default_route(const std::string& link, const std::string& gateway);
    // Addresses (without prefix) configured on a link ("": on any link),
    // global scope only.
    Result<std::vector<std::string>> addresses(const std::string& link, int family);

private:
    explicit Netlink(NlSockPtr sk) : sk_(std::move(sk)) {}
    NlSockPtr sk_;
};

// A libnl error as an Error: "<what>: <libnl message>" with a matching errno.
Error nl_error(int nlerr, const std::string& what);

}  // namespace spawn::net
