#include <gtest/gtest.h>

#include "net/naming.hpp"
#include "net/siphash.hpp"

using namespace spawn::net;

TEST(NetSiphash, ReferenceVector) {
    // SipHash-2-4 paper, appendix A: key 00..0f, message 00..0e -> a129ca6149be45e5.
    SipKey key;
    for (int i = 0; i < 16; ++i) key[i] = static_cast<uint8_t>(i);
    uint8_t msg[15];
    for (int i = 0; i < 15; ++i) msg[i] = static_cast<uint8_t>(i);
    EXPECT_EQ(siphash24(msg, sizeof msg, key), 0xa129ca6149be45e5ULL);
    EXPECT_EQ(siphash24(msg, 0, key), 0x726fdb47dd0e0e31ULL);
}

TEST(NetNaming, ShortNamesUnchanged) {
    EXPECT_EQ(veth_host_name("web", false), "ve-web");
    EXPECT_EQ(veth_host_name("web", true), "vb-web");
    EXPECT_EQ(veth_host_name("abcdefghijkl", false), "ve-abcdefghijkl");  // exactly 15
}

TEST(NetNaming, LongNamesHashedAsNspawn252) {
    // Observed from systemd-nspawn 252 on this machine:
    // "Network interface name 've-averyveryverylongname' has been changed to 've-averyverUARo'"
    EXPECT_EQ(veth_host_name("averyveryverylongname", false), "ve-averyverUARo");
    // "... 'vb-abcdefghijklmnop' has been changed to 'vb-abcdefgh3JDR'"
    EXPECT_EQ(veth_host_name("abcdefghijklmnop", true), "vb-abcdefgh3JDR");
    EXPECT_EQ(veth_host_name("abcdefghijklm", false).size(), 15u);
    EXPECT_EQ(veth_host_full_name("abcdefghijklmnop", true), "vb-abcdefghijklmnop");
}

TEST(NetNaming, ZoneBridge) {
    EXPECT_EQ(*zone_bridge_name("lab"), "vz-lab");
    EXPECT_EQ(*zone_bridge_name("abcdefghijkl"), "vz-abcdefghijkl");
    EXPECT_FALSE(zone_bridge_name("abcdefghijklm").ok());
    EXPECT_FALSE(zone_bridge_name("").ok());
    EXPECT_FALSE(zone_bridge_name("a/b").ok());
}

TEST(NetNaming, MacvlanNames) {
    EXPECT_EQ(macvlan_name("eth0"), "mv-eth0");
    EXPECT_EQ(ipvlan_name("eth0"), "iv-eth0");
    EXPECT_EQ(macvlan_name("enp0s31f6abcdef").size(), 15u);
}

TEST(NetNaming, MacMatchesNspawn) {
    // host0 of machine "averyveryverylongname" under machine-id
    // 3d1219c7c4c5404aaa1f6d2a48adfda4, as systemd-nspawn 252 made it.
    std::array<uint8_t, 16> id = {0x3d, 0x12, 0x19, 0xc7, 0xc4, 0xc5, 0x40, 0x4a,
                                  0xaa, 0x1f, 0x6d, 0x2a, 0x48, 0xad, 0xfd, 0xa4};
    EXPECT_EQ(mac_to_string(generate_mac(id, "averyveryverylongname", MacKind::VethContainer)), "46:77:d0:b5:19:ff");
    auto host = generate_mac(id, "averyveryverylongname", MacKind::VethHost);
    EXPECT_EQ(host[0] & 0x03, 0x02);  // unicast, locally administered
    EXPECT_NE(host, generate_mac(id, "other", MacKind::VethHost));
}
