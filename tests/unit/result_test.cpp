#include <gtest/gtest.h>

#include "util/result.hpp"
#include "util/strings.hpp"

using namespace spawn;

namespace {
Result<int> half(int v) {
    if (v % 2) return Error::msg("{} is odd", v);
    return v / 2;
}
Result<int> quarter(int v) {
    int h = TRY_CTX(half(v), "first half");
    return TRY(half(h));
}
}  // namespace

TEST(Result, PropagatesValuesAndContext) {
    auto ok = quarter(8);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(*ok, 2);
    auto bad = quarter(3);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message(), "first half: 3 is odd");
    EXPECT_EQ(bad.error().code(), EINVAL);
}

TEST(Result, SysErrorNamesReason) {
    auto e = Error::sys(ENOENT, "opening {}", "/x");
    EXPECT_EQ(e.message(), "opening /x: No such file or directory");
}

TEST(Strings, SplitJoinBool) {
    EXPECT_EQ(str::split("a:b::c", ':'), (std::vector<std::string>{"a", "b", "", "c"}));
    EXPECT_EQ(str::join({"a", "b"}, ","), "a,b");
    EXPECT_EQ(str::parse_bool("yes"), true);
    EXPECT_EQ(str::parse_bool("off"), false);
    EXPECT_FALSE(str::parse_bool("maybe").has_value());
    EXPECT_FALSE(str::parse_int("12x").has_value());
}

TEST(Strings, HexRoundTripAndExecArrays) {
    EXPECT_EQ(str::hex(std::string("\x00\x1f\xab\xff", 4)), "001fabff");
    EXPECT_EQ(str::unhex("001FabFF"), std::string("\x00\x1f\xab\xff", 4));
    EXPECT_FALSE(str::unhex("abc").has_value());  // odd
    EXPECT_FALSE(str::unhex("zz").has_value());
    const std::vector<std::string> v = {"ps", "-ef"};
    const auto a = str::c_strings(v);
    ASSERT_EQ(a.size(), 3u);
    EXPECT_STREQ(a[0], "ps");
    EXPECT_STREQ(a[1], "-ef");
    EXPECT_EQ(a[2], nullptr);
}
