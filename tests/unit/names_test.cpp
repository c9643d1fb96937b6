#include <gtest/gtest.h>

#include <string>

#include "config/names.hpp"

using namespace spawn;

TEST(Names, MachineNameValid) {
    for (const char* n : {"a", "foo", "my-deb", "debian.bookworm", "a--b", "A1", "0", "x.y.z", "abc123-def"})
        EXPECT_TRUE(machine_name_is_valid(n)) << n;
    EXPECT_TRUE(machine_name_is_valid(std::string(64, 'a')));
}

TEST(Names, MachineNameInvalid) {
    for (const char* n : {"", ".", "..", ".host", "a..b", ".a", "a.", "-a", "a-", "a-.b", "a.-b", "a_b", "a b",
                          "a/b", "é", "a:b", "foo\n"})
        EXPECT_FALSE(machine_name_is_valid(n)) << n;
    EXPECT_FALSE(machine_name_is_valid(std::string(65, 'a')));
}

TEST(Names, HostnameSameRules) {
    EXPECT_TRUE(hostname_is_valid("web-1.example"));
    EXPECT_FALSE(hostname_is_valid("-web"));
    EXPECT_FALSE(hostname_is_valid("web_1"));
}

TEST(Names, MachineNameFromPath) {
    EXPECT_EQ(machine_name_from_path("/var/lib/machines/my_deb"), "mydeb");
    EXPECT_EQ(machine_name_from_path("/var/lib/machines/my-deb"), "my-deb");
    EXPECT_EQ(machine_name_from_path("/var/lib/machines/my-deb/"), "my-deb");
    EXPECT_EQ(machine_name_from_path("/srv/-foo-"), "foo");
    EXPECT_EQ(machine_name_from_path("/srv/..foo..bar."), "foo.bar");
    EXPECT_EQ(machine_name_from_path("/srv/a b c"), "abc");
    EXPECT_EQ(machine_name_from_path("relative/tree"), "tree");
    EXPECT_EQ(machine_name_from_path("tree"), "tree");
    EXPECT_EQ(machine_name_from_path("/srv/a--"), "a");
    EXPECT_EQ(machine_name_from_path("/srv/___"), "");
    EXPECT_EQ(machine_name_from_path("/srv/" + std::string(100, 'x')), std::string(64, 'x'));
    EXPECT_TRUE(machine_name_is_valid(machine_name_from_path("/tmp/tmp.XyZ_1-")));
}

TEST(Names, IfnameValid) {
    for (const char* n : {"eth0", "br0", "ve-foo", "vz-zone", "a", "12345678901234a", "host0", "1a"})
        EXPECT_TRUE(ifname_is_valid(n)) << n;
    for (const char* n : {"", "1234567890123456", "a/b", "a:b", "a b", "a\tb", ".", "..", "all", "default", "123", "123456789012345",
                          "\x7f", "é", "eth%d"})
        EXPECT_FALSE(ifname_is_valid(n)) << n;
}

TEST(Names, EnvName) {
    EXPECT_TRUE(env_name_is_valid("FOO"));
    EXPECT_TRUE(env_name_is_valid("_x1"));
    EXPECT_FALSE(env_name_is_valid(""));
    EXPECT_FALSE(env_name_is_valid("1A"));
    EXPECT_FALSE(env_name_is_valid("A-B"));
    EXPECT_FALSE(env_name_is_valid("A=B"));
}
