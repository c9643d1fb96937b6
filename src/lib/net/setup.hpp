// NetworkSetup: the public API of the network module for the runtime.
//
//   auto plan = TRY(NetworkSetup::prepare(cfg));          // before clone(): validation only
//   ... clone the child with CLONE_NEWNET if plan.private_network ...
//   auto net = TRY(NetworkSetup::setup(plan, child_pid));  // host side, before the child proceeds
//   register_machine(..., net.host_ifindices());
//   ... wait for the child; optionally call net.refresh_ports() periodically ...
//   net.teardown();                                        // or let the destructor do it
//
// Everything host-side (ve-/vb- links, zone bridges, nftables table) is
// removed by teardown(), and by the next setup() of the same machine after a
// SIGKILL of spawn (cleanup_stale()). A per-machine lock in /run/spawn/network
// tells a crashed machine's leftovers from those of a running one.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "net/plan.hpp"
#include "util/fd.hpp"
#include "util/handoff.hpp"
#include "util/result.hpp"

namespace spawn::net {

class NetworkSetup {
public:
    // Pure: validates cfg.net and returns the plan. Call it before creating
    // anything so bad input leaves nothing behind.
    static Result<NetPlan> prepare(const Config& cfg);

    // Host-side setup for a child already running in its own network
    // namespace (/proc/PID/ns/net). Checks the links the options name before
    // creating anything; on failure everything created so far is removed.
    static Result<NetworkSetup> setup(const NetPlan& plan, pid_t container_pid);
    static Result<NetworkSetup> setup(const Config& cfg, pid_t container_pid);

    // Removes what a previous instance of the machine left behind (stale
    // ve-/vb- links, its nftables table, an empty zone bridge). Refuses (EBUSY)
    // when another instance of the machine is running.
    static Result<void> cleanup_stale(const NetPlan& plan);

    // Machines that have (or had, if their spawn died) port forwarding rules:
    // the names of the markers in /run/spawn/network.
    static std::vector<std::string> machines_with_port_rules();
    // Removes the port forwarding rules (nftables table), the marker and the
    // lock file of MACHINE, which died without tearing down (SIGKILL of its
    // spawn): left behind, they keep sending a host port to a dead guest.
    // Refuses (EBUSY) when its network lock is held (it is alive). The
    // caller holds the machine's name lock, so no start of it races this.
    static Result<void> remove_port_rules_of_dead(const std::string& machine);

    NetworkSetup(NetworkSetup&& o) noexcept;
    NetworkSetup& operator=(NetworkSetup&&) noexcept = delete;
    NetworkSetup(const NetworkSetup&) = delete;
    ~NetworkSetup();

    // ifindex of the host-side links, for machined's RegisterMachineWithNetwork.
    std::vector<int> host_ifindices() const { return host_ifindices_; }
    // Host-side link names created (ve-NAME / vb-NAME, veth-extra).
    const std::vector<std::string>& host_links() const { return created_links_; }

    // With --port and no --network-address: reads host0's addresses inside the
    // container (any link's without host0) and (re)installs the forwarding
    // rules when they changed (a DHCP lease, networkd in the guest).
    // Returns true if rules are installed.
    Result<bool> refresh_ports();

    // Removes everything set up on the host and moves --network-interface links
    // back. Idempotent; errors are logged and the first one returned.
    Result<void> teardown();

    // util/handoff.hpp: what teardown() needs.
    void hand_off(Handoff& h, const std::string& key) &&;
    static NetworkSetup take_over(Handoff& h, const std::string& key);

private:
    NetworkSetup() = default;
    static Result<void> remove_leftovers(const NetPlan& plan);  // caller holds the machine lock
    Result<void> run_steps(pid_t pid);
    Result<void> install_ports(const std::string& v4, const std::string& v6);

    NetPlan plan_;
    bool active_ = false;
    UniqueFd lock_;
    std::string lock_path_;
    pid_t pid_ = 0;                  // the container
    UniqueFd host_netns_;
    // Held only while interfaces moved in must be moved back: holding it would
    // keep the namespace (and its veth pairs) alive after the container exits,
    // and make teardown wait for their synchronous removal.
    UniqueFd container_netns_;
    std::vector<std::string> created_links_;
    std::vector<int> host_ifindices_;
    struct Moved {
        std::string host_name;       // name on the host (restored on the way back)
        std::string container_name;  // name inside the container
        int container_ifindex = 0;   // found by index: the guest may rename it
    };
    std::vector<Moved> moved_;
    std::string zone_bridge_;        // joined zone bridge (removed when empty)
    std::string localnet_link_;      // host link route_localnet was enabled on
    bool ports_installed_ = false;
    std::string ports_v4_, ports_v6_;
};

}  // namespace spawn::net
