// util/uuid: machine UUIDs and machine-ids as text (spawn --uuid,
// container_uuid, /etc/machine-id, mctl's Id column).
#include <gtest/gtest.h>

#include "util/uuid.hpp"

using namespace spawn;

TEST(Uuid, MachineIdRoundTrip) {
    auto u = parse_machine_id("0123456789abcdef0123456789ABCDEF\n");
    ASSERT_TRUE(u);
    EXPECT_EQ(uuid_to_dashed(*u), "01234567-89ab-cdef-0123-456789abcdef");
    EXPECT_EQ(uuid_to_string(*u), "0123456789abcdef0123456789abcdef");
    auto back = parse_machine_id(uuid_to_dashed(*u));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, *u);
    EXPECT_FALSE(parse_machine_id("01234567-89ab-cdef-0123-456789abcdeX"));
    EXPECT_FALSE(parse_machine_id(""));
    EXPECT_FALSE(parse_machine_id("00000000000000000000000000000000"));
    EXPECT_FALSE(parse_machine_id("0123456789abcdef0123456789abcdeg"));
}

TEST(Uuid, TextForms) {
    Uuid zero{};
    EXPECT_TRUE(uuid_is_null(zero));
    EXPECT_EQ(parse_uuid_text("00000000-0000-0000-0000-000000000000"), zero);
    EXPECT_FALSE(parse_uuid_text("01234567-89ab-cdef-0123456789abcdef0"));
    EXPECT_FALSE(parse_uuid_text("0123"));
    Uuid u{};
    u[0] = 0xab;
    EXPECT_FALSE(uuid_is_null(u));
    EXPECT_EQ(uuid_to_string(u), "ab000000000000000000000000000000");
}
