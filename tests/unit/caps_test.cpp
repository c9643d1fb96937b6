// The capability planner: nspawn 252's default bounding set, CAP_NET_ADMIN
// with a private network, --capability / --drop-capability.
#include <gtest/gtest.h>

#include "container/caps.hpp"

using namespace spawn;
using namespace spawn::container;

TEST(Caps, DefaultIsNspawnSet) {
    Config cfg;
    uint64_t caps = plan_capabilities(cfg);
    EXPECT_EQ(capability_mask_names(caps),
              "CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL CAP_SETGID "
              "CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_RAW "
              "CAP_IPC_OWNER CAP_SYS_CHROOT CAP_SYS_PTRACE CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_NICE "
              "CAP_SYS_RESOURCE CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE CAP_AUDIT_WRITE CAP_AUDIT_CONTROL "
              "CAP_SETFCAP");
    // nspawn 252's arg_caps_retain. (Its PID 1 shows this & the host's bounding
    // set in CapBnd: 0xfcecafff on a host without CAP_SYS_RESOURCE.)
    EXPECT_EQ(caps, 0x00000000fdecafffULL);
    EXPECT_FALSE(caps & cap_bit(CAP_NET_ADMIN));
    EXPECT_FALSE(caps & cap_bit(CAP_SYS_MODULE));
    EXPECT_FALSE(caps & cap_bit(CAP_SYS_TIME));
    EXPECT_TRUE(caps & cap_bit(CAP_SYS_ADMIN));  // guest systemd mounts
}

TEST(Caps, PrivateNetworkAddsNetAdmin) {
    auto with = [](auto set) {
        Config cfg;
        set(cfg.net);
        return plan_capabilities(cfg);
    };
    uint64_t expect = kDefaultCapabilities | cap_bit(CAP_NET_ADMIN);
    EXPECT_EQ(expect, 0x00000000fdecbfffULL);  // nspawn 252 --private-network
    EXPECT_EQ(with([](NetworkConfig& n) { n.private_network = true; }), expect);
    EXPECT_EQ(with([](NetworkConfig& n) { n.veth = true; }), expect);
    EXPECT_EQ(with([](NetworkConfig& n) { n.veth_extra = {"a:b"}; }), expect);
    EXPECT_EQ(with([](NetworkConfig& n) { n.bridge = "br0"; }), expect);
    EXPECT_EQ(with([](NetworkConfig& n) { n.zone = "z"; }), expect);
    EXPECT_EQ(with([](NetworkConfig& n) { n.interfaces = {"eth1"}; }), expect);
    EXPECT_EQ(with([](NetworkConfig& n) { n.macvlan = {"eth1"}; }), expect);
    EXPECT_EQ(with([](NetworkConfig& n) { n.ipvlan = {"eth1"}; }), expect);
    EXPECT_EQ(with([](NetworkConfig& n) { n.netns_path = "/run/netns/x"; }), expect);
    // Port forwards alone do not make the network private.
    EXPECT_EQ(with([](NetworkConfig& n) { n.ports.push_back({}); }), kDefaultCapabilities);
}

TEST(Caps, AddAndDrop) {
    Config cfg;
    cfg.capability_add = cap_bit(CAP_SYS_TIME) | cap_bit(CAP_NET_ADMIN);
    cfg.capability_drop = cap_bit(CAP_SYS_ADMIN) | cap_bit(CAP_NET_ADMIN);
    uint64_t caps = plan_capabilities(cfg);
    EXPECT_TRUE(caps & cap_bit(CAP_SYS_TIME));
    EXPECT_FALSE(caps & cap_bit(CAP_SYS_ADMIN));
    EXPECT_FALSE(caps & cap_bit(CAP_NET_ADMIN));  // drop wins, as in nspawn
    EXPECT_EQ(caps & ~cap_bit(CAP_SYS_TIME), kDefaultCapabilities & ~cap_bit(CAP_SYS_ADMIN));
}

TEST(Caps, Names) {
    EXPECT_EQ(capability_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
    EXPECT_EQ(capability_from_name("cap_net_admin"), CAP_NET_ADMIN);
    EXPECT_EQ(capability_from_name("sys_time"), CAP_SYS_TIME);
    EXPECT_EQ(capability_from_name("CAP_NOPE"), std::nullopt);
    EXPECT_EQ(capability_from_name("12"), std::nullopt);
    EXPECT_EQ(capability_from_name(""), std::nullopt);
    EXPECT_EQ(capability_name(CAP_CHOWN), "CAP_CHOWN");
    EXPECT_EQ(kAllCapabilities & cap_bit(CAP_LAST_CAP), cap_bit(CAP_LAST_CAP));
    EXPECT_EQ(kAllCapabilities >> (CAP_LAST_CAP + 1), 0u);
}
