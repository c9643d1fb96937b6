#include "net/link.hpp"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link/ipvlan.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "net/netns.hpp"

namespace spawn::net {

using AddrPtr = CPtr<nl_addr, nl_addr_put>;
using CachePtr = CPtr<nl_cache, nl_cache_free>;
using RtAddrPtr = CPtr<rtnl_addr, rtnl_addr_put>;
using RoutePtr = CPtr<rtnl_route, rtnl_route_put>;
using MsgPtr = CPtr<nl_msg, nlmsg_free>;

Error nl_error(int nlerr, const std::string& what) {
    int e = nlerr < 0 ? -nlerr : nlerr;
    int code = EIO;
    switch (e) {
        case NLE_EXIST: code = EEXIST; break;
        case NLE_OBJ_NOTFOUND: code = ENODEV; break;
        case NLE_NODEV: code = ENODEV; break;
        case NLE_PERM: code = EPERM; break;
        case NLE_BUSY: code = EBUSY; break;
        case NLE_INVAL: code = EINVAL; break;
        case NLE_OPNOTSUPP: code = EOPNOTSUPP; break;
        case NLE_NOMEM: code = ENOMEM; break;
        case NLE_RANGE: code = ERANGE; break;
        default: break;
    }
    // "Object not found" reads oddly for a link; say what the kernel said.
    std::string reason = code == ENODEV ? "No such device" : nl_geterror(e);
    if (e == NLE_OPNOTSUPP) reason = "Operation not supported (is the link type built into this kernel?)";
    return Error(code, what + ": " + reason);
}

Result<Netlink> Netlink::open() {
    NlSockPtr sk(nl_socket_alloc());
    if (!sk) return Error(ENOMEM, "allocating a netlink socket: out of memory");
    int r = nl_connect(sk.get(), NETLINK_ROUTE);
    if (r < 0) return nl_error(r, "connecting to rtnetlink");
    return Netlink(std::move(sk));
}

Result<Netlink> Netlink::open_in(int netns_fd) {
    auto guard = TRY(NetnsGuard::enter(netns_fd));
    return open();
}

Result<std::optional<LinkPtr>> Netlink::find(const std::string& name) {
    rtnl_link* l = nullptr;
    int r = rtnl_link_get_kernel(sk_.get(), 0, name.c_str(), &l);
    if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV) return std::optional<LinkPtr>();
    if (r < 0) return nl_error(r, "looking up link " + name);
    return std::optional<LinkPtr>(LinkPtr(l));
}

Result<std::optional<LinkPtr>> Netlink::find(int ifindex) {
    rtnl_link* l = nullptr;
    int r = rtnl_link_get_kernel(sk_.get(), ifindex, nullptr, &l);
    if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV) return std::optional<LinkPtr>();
    if (r < 0) return nl_error(r, "looking up link #" + std::to_string(ifindex));
    return std::optional<LinkPtr>(LinkPtr(l));
}

Result<int> Netlink::ifindex(const std::string& name) {
    auto l = TRY(find(name));
    if (!l) return Error(ENODEV, "network interface " + name + " does not exist");
    return rtnl_link_get_ifindex(l->get());
}

Result<bool> Netlink::exists(const std::string& name) {
    auto l = TRY(find(name));
    return l.has_value();
}

namespace {

void set_mac(rtnl_link* l, const std::optional<MacAddress>& mac) {
    if (!mac) return;
    AddrPtr a(nl_addr_build(AF_LLC, mac->data(), mac->size()));
    if (a) rtnl_link_set_addr(l, a.get());
}

void set_ns(rtnl_link* l, pid_t pid, int netns_fd) {
    if (netns_fd >= 0)
        rtnl_link_set_ns_fd(l, netns_fd);
    else
        rtnl_link_set_ns_pid(l, pid);
}

}  // namespace

Result<void> Netlink::create_veth(const std::string& host_name, const std::optional<MacAddress>& host_mac,
                                  const std::string& peer_name, const std::optional<MacAddress>& peer_mac,
                                  pid_t peer_pid, int peer_netns_fd) {
    LinkPtr l(rtnl_link_veth_alloc());
    if (!l) return Error(ENOMEM, "allocating a veth link: out of memory");
    LinkPtr peer(rtnl_link_veth_get_peer(l.get()));
    rtnl_link_set_name(l.get(), host_name.c_str());
    set_mac(l.get(), host_mac);
    rtnl_link_set_name(peer.get(), peer_name.c_str());
    set_mac(peer.get(), peer_mac);
    set_ns(peer.get(), peer_pid, peer_netns_fd);
    int r = rtnl_link_add(sk_.get(), l.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (r < 0) return nl_error(r, "creating veth pair " + host_name + " <-> " + peer_name);
    return ok();
}

Result<void> Netlink::create_bridge(const std::string& name) {
    LinkPtr l(rtnl_link_alloc());
    if (!l) return Error(ENOMEM, "allocating a link: out of memory");
    rtnl_link_set_name(l.get(), name.c_str());
    int r = rtnl_link_set_type(l.get(), "bridge");
    if (r < 0) return nl_error(r, "creating bridge " + name);
    r = rtnl_link_add(sk_.get(), l.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (r < 0) return nl_error(r, "creating bridge " + name);
    return ok();
}

Result<void> Netlink::create_macvlan(const std::string& parent, const std::string& name,
                                     const std::optional<MacAddress>& mac, pid_t pid, int netns_fd) {
    int parent_index = TRY_CTX(ifindex(parent), "--network-macvlan");
    LinkPtr l(rtnl_link_macvlan_alloc());
    if (!l) return Error(ENOMEM, "allocating a macvlan link: out of memory");
    rtnl_link_set_name(l.get(), name.c_str());
    rtnl_link_set_link(l.get(), parent_index);
    rtnl_link_macvlan_set_mode(l.get(), rtnl_link_macvlan_str2mode("bridge"));
    set_mac(l.get(), mac);
    set_ns(l.get(), pid, netns_fd);
    int r = rtnl_link_add(sk_.get(), l.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (r < 0) return nl_error(r, "creating macvlan " + name + " on " + parent);
    return ok();
}

Result<void> Netlink::create_ipvlan(const std::string& parent, const std::string& name, pid_t pid, int netns_fd) {
    int parent_index = TRY_CTX(ifindex(parent), "--network-ipvlan");
    LinkPtr l(rtnl_link_ipvlan_alloc());
    if (!l) return Error(ENOMEM, "allocating an ipvlan link: out of memory");
    rtnl_link_set_name(l.get(), name.c_str());
    rtnl_link_set_link(l.get(), parent_index);
    rtnl_link_ipvlan_set_mode(l.get(), rtnl_link_ipvlan_str2mode("l2"));
    set_ns(l.get(), pid, netns_fd);
    int r = rtnl_link_add(sk_.get(), l.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (r < 0) return nl_error(r, "creating ipvlan " + name + " on " + parent);
    return ok();
}

Result<void> Netlink::set_altname(const std::string& name, const std::string& altname) {
    int idx = TRY(ifindex(name));
    MsgPtr m(nlmsg_alloc_simple(RTM_NEWLINKPROP, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND));
    if (!m) return Error(ENOMEM, "allocating a netlink message: out of memory");
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = idx;
    if (nlmsg_append(m.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0) return Error(ENOMEM, "building netlink message");
    nlattr* props = nla_nest_start(m.get(), IFLA_PROP_LIST);
    if (!props || nla_put_string(m.get(), IFLA_ALT_IFNAME, altname.c_str()) < 0)
        return Error(ENOMEM, "building netlink message");
    nla_nest_end(m.get(), props);
    int r = nl_send_sync(sk_.get(), m.release());
    if (r < 0) return nl_error(r, "setting alternative name " + altname + " on " + name);
    return ok();
}

Result<void> Netlink::set_up(const std::string& name) {
    auto orig = TRY(find(name));
    if (!orig) return Error(ENODEV, "bringing up " + name + ": no such interface");
    LinkPtr change(rtnl_link_alloc());
    rtnl_link_set_flags(change.get(), IFF_UP);
    int r = rtnl_link_change(sk_.get(), orig->get(), change.get(), 0);
    if (r < 0) return nl_error(r, "bringing up " + name);
    return ok();
}

Result<void> Netlink::set_master(const std::string& name, int master_ifindex) {
    int idx = TRY(ifindex(name));
    int r = rtnl_link_enslave_ifindex(sk_.get(), master_ifindex, idx);
    if (r < 0) return nl_error(r, "adding " + name + " to a bridge");
    return ok();
}

Result<void> Netlink::move_to_netns(int ifindex, const std::string& what, int netns_fd, pid_t pid,
                                    const std::string& new_name) {
    auto orig = TRY(find(ifindex));
    if (!orig) return Error(ENODEV, "moving " + what + ": no such interface");
    LinkPtr change(rtnl_link_alloc());
    set_ns(change.get(), pid, netns_fd);
    if (!new_name.empty()) rtnl_link_set_name(change.get(), new_name.c_str());
    int r = rtnl_link_change(sk_.get(), orig->get(), change.get(), 0);
    if (r < 0) return nl_error(r, "moving " + what + " to another network namespace");
    return ok();
}

Result<bool> Netlink::remove(const std::string& name) {
    auto l = TRY(find(name));
    if (!l) return false;
    int r = rtnl_link_delete(sk_.get(), l->get());
    if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV) return false;
    if (r < 0) return nl_error(r, "removing link " + name);
    return true;
}

Result<std::vector<std::string>> Netlink::members(int master_ifindex) {
    nl_cache* c = nullptr;
    int r = rtnl_link_alloc_cache(sk_.get(), AF_UNSPEC, &c);
    if (r < 0) return nl_error(r, "listing links");
    CachePtr cache(c);
    std::vector<std::string> out;
    for (nl_object* o = nl_cache_get_first(c); o; o = nl_cache_get_next(o)) {
        auto* l = reinterpret_cast<rtnl_link*>(o);
        if (rtnl_link_get_master(l) == master_ifindex) out.emplace_back(rtnl_link_get_name(l));
    }
    return out;
}

Result<void> Netlink::add_address(const std::string& link, const std::string& prefix_text) {
    int idx = TRY(ifindex(link));
    nl_addr* a = nullptr;
    int r = nl_addr_parse(prefix_text.c_str(), AF_UNSPEC, &a);
    if (r < 0) return nl_error(r, "parsing address " + prefix_text);
    AddrPtr addr(a);
    RtAddrPtr ra(rtnl_addr_alloc());
    rtnl_addr_set_ifindex(ra.get(), idx);
    rtnl_addr_set_family(ra.get(), nl_addr_get_family(a));
    r = rtnl_addr_set_local(ra.get(), a);
    if (r < 0) return nl_error(r, "setting address " + prefix_text);
    rtnl_addr_set_prefixlen(ra.get(), static_cast<int>(nl_addr_get_prefixlen(a)));
    if (nl_addr_get_family(a) == AF_INET6) rtnl_addr_set_flags(ra.get(), IFA_F_NODAD);
    r = rtnl_addr_add(sk_.get(), ra.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (r < 0) return nl_error(r, "adding address " + prefix_text + " to " + link);
    TRY(set_up(link));
    return ok();
}

Result<void> Netlink::add_default_route(const std::string& link, const std::string& gateway) {
    int idx = TRY(ifindex(link));
    nl_addr* g = nullptr;
    int r = nl_addr_parse(gateway.c_str(), AF_UNSPEC, &g);
    if (r < 0) return nl_error(r, "parsing gateway " + gateway);
    AddrPtr gw(g);
    int family = nl_addr_get_family(g);
    nl_addr* d = nullptr;
    r = nl_addr_parse("default", family, &d);
    if (r < 0) return nl_error(r, "building default route");
    AddrPtr dst(d);
    RoutePtr route(rtnl_route_alloc());
    rtnl_route_set_family(route.get(), static_cast<uint8_t>(family));
    rtnl_route_set_dst(route.get(), d);
    rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
    rtnl_route_set_protocol(route.get(), RTPROT_STATIC);
    rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
    rtnl_route_set_type(route.get(), RTN_UNICAST);
    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    rtnl_route_nh_set_ifindex(nh, idx);
    rtnl_route_nh_set_gateway(nh, g);
    rtnl_route_add_nexthop(route.get(), nh);  // route owns nh now
    r = rtnl_route_add(sk_.get(), route.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (r < 0) return nl_error(r, "adding default route via " + gateway + " on " + link);
    return ok();
}

Result<std::vector<std::string>> Netlink::addresses(const std::string& link, int family) {
    int idx = link.empty() ? 0 : TRY(ifindex(link));
    nl_cache* c = nullptr;
    int r = rtnl_addr_alloc_cache(sk_.get(), &c);
    if (r < 0) return nl_error(r, "listing addresses");
    CachePtr cache(c);
    std::vector<std::string> out;
    for (nl_object* o = nl_cache_get_first(c); o; o = nl_cache_get_next(o)) {
        auto* a = reinterpret_cast<rtnl_addr*>(o);
        if ((idx && rtnl_addr_get_ifindex(a) != idx) || rtnl_addr_get_family(a) != family) continue;
        if (rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE) continue;
        nl_addr* local = rtnl_addr_get_local(a);
        if (!local) continue;
        char buf[INET6_ADDRSTRLEN + 8];
        // nl_addr2str prints "ADDR/PREFIX"; keep the address part.
        AddrPtr copy(nl_addr_clone(local));
        nl_addr_set_prefixlen(copy.get(), family == AF_INET ? 32 : 128);
        std::string s = nl_addr2str(copy.get(), buf, sizeof buf);
        out.push_back(s.substr(0, s.find('/')));
    }
    return out;
}

}  // namespace spawn::net
