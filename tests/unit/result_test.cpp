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
