#include "net/setup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "net/link.hpp"
#include "net/netns.hpp"
#include "net/port.hpp"
#include "util/fault.hpp"
#include "util/log.hpp"

#include <systemd/sd-id128.h>

namespace spawn::net {
namespace {

constexpr const char* kLockDir = "/run/spawn/network";
constexpr const char* kZoneLock = "/run/spawn/network/zone.lock";

Result<UniqueFd> open_lock(const std::string& path) {
    ::mkdir("/run/spawn", 0755);
    ::mkdir(kLockDir, 0755);
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return Error::errno_("opening lock {}", path);
    return fd;
}

// Held while a zone bridge is created, joined, or checked and removed, so two
// machines joining and leaving a zone do not race (nspawn does the same).
class ZoneLock {
public:
    static Result<ZoneLock> take() {
        auto fd = TRY(open_lock(kZoneLock));
        if (flock(fd.get(), LOCK_EX) < 0) return Error::errno_("locking {}", kZoneLock);
        return ZoneLock(std::move(fd));
    }

private:
    explicit ZoneLock(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

std::optional<MacAddress> mac_for(const std::string& machine, MacKind kind, uint64_t index) {
    auto id = host_machine_id();
    if (!id) return std::nullopt;  // the kernel picks a random one
    return generate_mac(*id, machine, kind, index);
}

// Removes an empty zone bridge; the caller holds the zone lock.
Result<void> remove_bridge_if_empty(Netlink& nl, const std::string& bridge) {
    auto link = TRY(nl.find(bridge));
    if (!link) return ok();
    int idx = rtnl_link_get_ifindex(link->get());
    auto members = TRY(nl.members(idx));
    if (!members.empty()) return ok();
    TRY(nl.remove(bridge));
    return ok();
}

Result<void> write_sysctl(const std::string& path, const std::string& value) {
    std::ofstream f(path);
    if (!f) return Error::errno_("opening {}", path);
    f << value;
    f.flush();
    if (!f) return Error::errno_("writing {}", path);
    return ok();
}

}  // namespace

Result<NetPlan> NetworkSetup::prepare(const Config& cfg) { return plan_network(cfg); }

NetworkSetup::NetworkSetup(NetworkSetup&& o) noexcept
    : plan_(std::move(o.plan_)),
      active_(std::exchange(o.active_, false)),
      lock_(std::move(o.lock_)),
      lock_path_(std::move(o.lock_path_)),
      pid_(o.pid_),
      host_netns_(std::move(o.host_netns_)),
      container_netns_(std::move(o.container_netns_)),
      created_links_(std::move(o.created_links_)),
      host_ifindices_(std::move(o.host_ifindices_)),
      moved_(std::move(o.moved_)),
      zone_bridge_(std::move(o.zone_bridge_)),
      localnet_link_(std::move(o.localnet_link_)),
      ports_installed_(o.ports_installed_),
      ports_v4_(std::move(o.ports_v4_)),
      ports_v6_(std::move(o.ports_v6_)) {}

void NetworkSetup::hand_off(Handoff& h, const std::string& key) && {
    h.put_int(key + ".active", std::exchange(active_, false));
    h.put(key + ".machine", plan_.machine);
    h.put_fd(key + ".lock", std::move(lock_));
    h.put(key + ".lock-path", lock_path_);
    h.put_int(key + ".pid", pid_);
    h.put_fd(key + ".host-netns", std::move(host_netns_));
    h.put_fd(key + ".container-netns", std::move(container_netns_));
    h.put_list(key + ".links", created_links_);
    std::vector<std::string> moved;
    for (const auto& m : moved_) moved.insert(moved.end(), {m.host_name, m.container_name, std::to_string(m.container_ifindex)});
    h.put_list(key + ".moved", moved);
    h.put(key + ".zone-bridge", zone_bridge_);
    h.put_int(key + ".ports", ports_installed_);
}

NetworkSetup NetworkSetup::take_over(Handoff& h, const std::string& key) {
    NetworkSetup s;
    s.active_ = h.get_int(key + ".active") != 0;
    s.plan_.machine = h.get(key + ".machine");
    s.lock_ = h.take_fd(key + ".lock");
    s.lock_path_ = h.get(key + ".lock-path");
    s.pid_ = static_cast<pid_t>(h.get_int(key + ".pid"));
    s.host_netns_ = h.take_fd(key + ".host-netns");
    s.container_netns_ = h.take_fd(key + ".container-netns");
    s.created_links_ = h.get_list(key + ".links");
    const auto moved = h.get_list(key + ".moved");
    for (size_t i = 0; i + 2 < moved.size(); i += 3)
        s.moved_.push_back({moved[i], moved[i + 1], static_cast<int>(std::strtol(moved[i + 2].c_str(), nullptr, 10))});
    s.zone_bridge_ = h.get(key + ".zone-bridge");
    s.ports_installed_ = h.get_int(key + ".ports") != 0;
    return s;
}

NetworkSetup::~NetworkSetup() {
    if (active_) (void)teardown();
}

namespace {

std::string machine_lock_path(const std::string& machine) {
    return std::string(kLockDir) + "/" + machine + ".lock";
}

// Present while the machine's nftables table exists, so a start without
// --port need not ask nftables (tens of ms with libnftables' cache) to find
// rules a crashed instance left.
std::string ports_marker_path(const std::string& machine) {
    return std::string(kLockDir) + "/" + machine + ".ports";
}

// The per-machine lock: held by a running instance for its whole life, so
// leftovers found while it can be taken belong to a dead one.
Result<UniqueFd> take_machine_lock(const std::string& machine) {
    std::string path = machine_lock_path(machine);
    auto lock = TRY(open_lock(path));
    if (flock(lock.get(), LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            return Error(EBUSY, fmt::format("machine {} is already running with a network (lock {} is held)",
                                            machine, path));
        return Error::errno_("locking {}", path);
    }
    return lock;
}

}  // namespace

Result<void> NetworkSetup::remove_leftovers(const NetPlan& plan) {
    auto nl = TRY(Netlink::open());
    for (const auto& name : plan.owned_links) {
        auto link = TRY(nl.find(name));
        if (!link) continue;
        const char* type = rtnl_link_get_type(link->get());
        if (!type || std::string_view(type) != "veth")
            return Error(EEXIST, fmt::format("network interface {} exists and is not a veth link of machine {}; not touching it",
                                             name, plan.machine));
        if (TRY(nl.remove(name))) log::info("Removed stale network interface {} of machine {}.", name, plan.machine);
    }
    std::string marker = ports_marker_path(plan.machine);
    if (::access(marker.c_str(), F_OK) == 0 && TRY(port_table_exists(plan.machine))) {
        TRY_CTX(nft_run(port_cleanup_script(plan.machine)), "removing stale port forwarding rules");
        log::info("Removed stale port forwarding rules of machine {}.", plan.machine);
    }
    ::unlink(marker.c_str());
    if (!plan.zone_bridge.empty()) {
        auto zl = TRY(ZoneLock::take());
        TRY(remove_bridge_if_empty(nl, plan.zone_bridge));
    }
    return ok();
}

std::vector<std::string> NetworkSetup::machines_with_port_rules() {
    std::vector<std::string> machines;
    DIR* dir = ::opendir(kLockDir);
    if (!dir) return machines;  // no machine ever had a network
    while (auto* e = ::readdir(dir)) {
        std::string_view n = e->d_name;
        if (n.size() > 6 && n.ends_with(".ports")) machines.emplace_back(n.substr(0, n.size() - 6));
    }
    ::closedir(dir);
    return machines;
}

Result<void> NetworkSetup::remove_port_rules_of_dead(const std::string& machine) {
    auto lock = TRY(take_machine_lock(machine));
    if (TRY(port_table_exists(machine))) {
        TRY_CTX(nft_run(port_cleanup_script(machine)), "removing stale port forwarding rules");
        log::info("Removed stale port forwarding rules of machine {}.", machine);
    }
    ::unlink(ports_marker_path(machine).c_str());
    ::unlink(machine_lock_path(machine).c_str());
    return ok();
}

Result<void> NetworkSetup::cleanup_stale(const NetPlan& plan) {
    if (plan.machine.empty() || !plan.private_network) return ok();
    auto lock = TRY(take_machine_lock(plan.machine));
    auto r = remove_leftovers(plan);
    ::unlink(machine_lock_path(plan.machine).c_str());
    return r;
}

Result<NetworkSetup> NetworkSetup::setup(const Config& cfg, pid_t pid) {
    auto plan = TRY(prepare(cfg));
    return setup(plan, pid);
}

Result<NetworkSetup> NetworkSetup::setup(const NetPlan& plan, pid_t pid) {
    NetworkSetup s;
    s.plan_ = plan;
    s.pid_ = pid;
    if (!plan.private_network) return s;

    // Our lock for the whole run, then the leftovers of a crashed instance.
    if (!plan.machine.empty()) {
        s.lock_path_ = machine_lock_path(plan.machine);
        s.lock_ = TRY(take_machine_lock(plan.machine));
    }
    s.active_ = true;  // from here on, failures are rolled back by teardown()
    auto r = [&]() -> Result<void> {
        TRY(remove_leftovers(s.plan_));
        s.host_netns_ = TRY(open_own_netns());
        s.container_netns_ = TRY_CTX(open_netns_of(pid), "the container's network namespace");
        TRY(s.run_steps(pid));
        if (s.moved_.empty()) s.container_netns_.reset();
        return ok();
    }();
    if (!r.ok()) {
        (void)s.teardown();
        return std::move(r).error();
    }
    return s;
}

namespace {

const char* step_kind_name(StepKind k) {
    switch (k) {
        case StepKind::CheckLinkExists: return "check link";
        case StepKind::CreateVeth: return "veth";
        case StepKind::JoinBridge: return "join bridge";
        case StepKind::MoveInterface: return "move interface";
        case StepKind::CreateMacvlan: return "macvlan";
        case StepKind::CreateIpvlan: return "ipvlan";
        case StepKind::LoopbackUp: return "loopback";
        case StepKind::AddAddress: return "address";
        case StepKind::AddGateway: return "gateway";
        case StepKind::HostLinkUp: return "host link up";
        case StepKind::PortForward: return "port rules";
    }
    return "step";
}

}  // namespace

Result<void> NetworkSetup::run_steps(pid_t pid) {
    auto host = TRY(Netlink::open());
    auto guest = TRY(Netlink::open_in(container_netns_.get()));
    int cfd = container_netns_.get();
    std::vector<std::pair<std::string, std::string>> addresses;  // for ports: v4, v6 from --network-address
    for (const auto& st : plan_.steps) {
        switch (st.kind) {
            case StepKind::CheckLinkExists:
            {
                auto link = TRY(host.find(st.host_name));
                if (!link)
                    return Error(ENODEV, fmt::format("{}={}: no such network interface on the host", st.what, st.host_name));
                const char* type = rtnl_link_get_type(link->get());
                if (st.what == "--network-bridge" && (!type || std::string_view(type) != "bridge"))
                    return Error(EINVAL, fmt::format("--network-bridge={}: {} is not a bridge", st.host_name, st.host_name));
                break;
            }
            case StepKind::LoopbackUp:
                TRY_CTX(guest.set_up("lo"), "in the container");
                break;
            case StepKind::CreateVeth: {
                auto hmac = mac_for(plan_.machine, st.host_mac, st.mac_index);
                auto cmac = mac_for(plan_.machine, st.container_mac, st.mac_index);
                TRY(host.create_veth(st.host_name, hmac, st.container_name, cmac, pid, cfd));
                created_links_.push_back(st.host_name);
                host_ifindices_.push_back(TRY(host.ifindex(st.host_name)));
                if (!st.host_altname.empty()) {
                    auto a = host.set_altname(st.host_name, st.host_altname);
                    if (!a.ok()) log::debug("{}", a.error().message());
                }
                break;
            }
            case StepKind::JoinBridge: {
                std::optional<ZoneLock> zl;
                if (st.create_bridge) {
                    zl = TRY(ZoneLock::take());
                    if (!TRY(host.exists(st.bridge))) {
                        TRY(host.create_bridge(st.bridge));
                    }
                    zone_bridge_ = st.bridge;
                    TRY(host.set_up(st.bridge));
                }
                int br = TRY_CTX(host.ifindex(st.bridge), "--network-bridge");
                TRY_CTX(host.set_master(st.host_name, br), "joining bridge " + st.bridge);
                break;
            }
            case StepKind::HostLinkUp:
                TRY(host.set_up(st.host_name));
                break;
            case StepKind::MoveInterface: {
                int idx = TRY(host.ifindex(st.host_name));
                TRY(host.move_to_netns(idx, st.host_name, cfd));
                moved_.push_back({st.host_name, st.container_name, 0});
                moved_.back().container_ifindex = TRY(guest.ifindex(st.container_name));
                break;
            }
            case StepKind::CreateMacvlan:
                TRY(host.create_macvlan(st.host_name, st.container_name,
                                        mac_for(plan_.machine, MacKind::Macvlan, st.mac_index), pid, cfd));
                break;
            case StepKind::CreateIpvlan:
                TRY(host.create_ipvlan(st.host_name, st.container_name, pid, cfd));
                break;
            case StepKind::AddAddress: {
                TRY_CTX(guest.add_address(st.container_name, st.address), "--network-address");
                auto p = TRY(parse_ip_prefix(st.address));
                addresses.emplace_back(p.family == AF_INET ? p.text : "", p.family == AF_INET6 ? p.text : "");
                break;
            }
            case StepKind::AddGateway:
                TRY_CTX(guest.add_default_route(st.container_name, st.address), "--network-address");
                break;
            case StepKind::PortForward: {
                std::string v4, v6;
                for (const auto& [a4, a6] : addresses) {
                    if (v4.empty()) v4 = a4;
                    if (v6.empty()) v6 = a6;
                }
                if (!v4.empty() || !v6.empty()) TRY(install_ports(v4, v6));
                // else: refresh_ports() installs them once the guest has an address.
                break;
            }
        }
        TRY(fault::at(fmt::format("network {}", step_kind_name(st.kind))));
    }
    return ok();
}

Result<void> NetworkSetup::install_ports(const std::string& v4, const std::string& v6) {
    if (!v4.empty() && localnet_link_.empty() && !created_links_.empty()) {
        // Connections to 127.0.0.1 leave through the veth (or its bridge) with a
        // loopback source until masqueraded: allow that on that one link.
        std::string out = zone_bridge_;
        for (const auto& st : plan_.steps)
            if (st.kind == StepKind::JoinBridge) out = st.bridge;
        if (out.empty()) out = created_links_.front();
        auto r = write_sysctl("/proc/sys/net/ipv4/conf/" + out + "/route_localnet", "1");
        if (r.ok())
            localnet_link_ = out;
        else
            log::warn("port forwarding from 127.0.0.1 disabled: {}", r.error().message());
    }
    {
        UniqueFd marker(::open(ports_marker_path(plan_.machine).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        if (!marker) return Error::errno_("creating {}", ports_marker_path(plan_.machine));
    }
    TRY_CTX(nft_run(port_ruleset(plan_.machine, plan_.ports, v4, v6)), "installing port forwarding rules");
    ports_installed_ = true;
    ports_v4_ = v4;
    ports_v6_ = v6;
    return ok();
}

Result<bool> NetworkSetup::refresh_ports() {
    if (!active_ || plan_.ports.empty()) return false;
    UniqueFd ns;
    if (!container_netns_) {
        auto opened = open_netns_of(pid_);
        if (!opened.ok()) return ports_installed_;  // the container is gone
        ns = std::move(*opened);
    }
    auto guest = TRY(Netlink::open_in(container_netns_ ? container_netns_.get() : ns.get()));
    // host0 if there is one, else whatever link has a global address.
    std::string link = TRY(guest.exists("host0")) ? "host0" : "";
    auto v4s = TRY(guest.addresses(link, AF_INET));
    auto v6s = TRY(guest.addresses(link, AF_INET6));
    std::string v4 = v4s.empty() ? "" : v4s.front();
    std::string v6 = v6s.empty() ? "" : v6s.front();
    if (v4.empty() && v6.empty()) return ports_installed_;
    if (ports_installed_ && v4 == ports_v4_ && v6 == ports_v6_) return true;
    TRY(install_ports(v4, v6));
    return true;
}

Result<void> NetworkSetup::teardown() {
    if (!active_) return ok();
    active_ = false;
    std::optional<Error> first;
    auto note = [&](Result<void> r) {
        if (r.ok()) return;
        log::warn("network teardown of {}: {}", plan_.machine, r.error().message());
        if (!first) first = std::move(r).error();
    };
    if (ports_installed_) {
        auto r = nft_run(port_cleanup_script(plan_.machine));
        if (r.ok()) ::unlink(ports_marker_path(plan_.machine).c_str());
        note(std::move(r));
    }
    ports_installed_ = false;

    // Interfaces moved in go back to the host under their original names.
    if (!moved_.empty() && container_netns_ && host_netns_) {
        auto guest = Netlink::open_in(container_netns_.get());
        if (!guest.ok()) {
            note(std::move(guest).error());
        } else {
            for (const auto& m : moved_) {
                note(guest->move_to_netns(m.container_ifindex, m.host_name, host_netns_.get(), 0, m.host_name));
            }
        }
    }
    moved_.clear();
    // Let go of the container's namespace first: if the container has exited,
    // the kernel starts destroying it (and the veth pairs in it) now.
    container_netns_.reset();

    auto host = Netlink::open();
    if (!host.ok()) {
        note(std::move(host).error());
    } else {
        // When the container is gone and nothing holds its namespace, the
        // kernel is already destroying it with the veth pairs in it: waiting a
        // little for that is cheaper than a DELLINK of our own, which would wait
        // for its own RCU grace period. Whatever is left after that is removed.
        if (!container_netns_ && pid_ > 0 && ::kill(pid_, 0) < 0 && errno == ESRCH) {
            auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
            for (;;) {
                bool any = false;
                for (const auto& name : created_links_) {
                    auto e = host->exists(name);
                    if (e.ok() && *e) any = true;
                }
                if (!any || std::chrono::steady_clock::now() > deadline) break;
                ::usleep(500);
            }
        }
        for (const auto& name : created_links_) {
            auto r = host->remove(name);
            if (!r.ok()) note(std::move(r).error());
        }
        if (!zone_bridge_.empty()) {
            auto zl = ZoneLock::take();
            if (!zl.ok())
                note(std::move(zl).error());
            else
                note(remove_bridge_if_empty(*host, zone_bridge_));
        }
    }
    created_links_.clear();
    host_ifindices_.clear();
    container_netns_.reset();
    if (lock_) {
        ::unlink(lock_path_.c_str());
        lock_.reset();
    }
    if (first) return std::move(*first);
    return ok();
}

}  // namespace spawn::net
