// --set-credential / --load-credential parsing.
#include <gtest/gtest.h>

#include "config/credential_options.hpp"
#include "spawn_args.hpp"

using namespace spawn;

TEST(CredentialOptions, ValuesAreUnescapedAndPathsKept) {
    auto c = test::parse_spawn_args({"--set-credential=a:one\\ntwo\\x41\\101\\\\", "--load-credential=b:/etc/x",
                                     "--load-credential=c:relative/y", "--set-credential=d:", "--set-credential=e:x:y"});
    ASSERT_TRUE(c.ok()) << c.error().message();
    ASSERT_EQ(c->credentials.size(), 5u);
    EXPECT_EQ(c->credentials[0], (CredentialSource{"a", "one\ntwoAA\\", ""}));
    EXPECT_EQ(c->credentials[1], (CredentialSource{"b", "", "/etc/x"}));
    EXPECT_EQ(c->credentials[2], (CredentialSource{"c", "", "relative/y"}));
    EXPECT_EQ(c->credentials[3], (CredentialSource{"d", "", ""}));
    EXPECT_EQ(c->credentials[4], (CredentialSource{"e", "x:y", ""}));
}

TEST(CredentialOptions, MissingEmptyInvalidAndDuplicateAreOneLine) {
    for (auto [args, expect] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"--set-credential"}, "Option --set-credential requires an argument"},
             {{"--load-credential"}, "Option --load-credential requires an argument"},
             {{"--set-credential="}, "Invalid --set-credential: '' (expected ID:VALUE)"},
             {{"--load-credential=x:"}, "Invalid --load-credential: 'x:' (empty path)"},
             {{"--set-credential=:v"}, "Invalid --set-credential: ':v' (credential name '' is not a valid file name)"},
             {{"--set-credential=a/b:v"}, "Invalid --set-credential: 'a/b:v' (credential name 'a/b' is not a valid file name)"},
             {{"--set-credential=..:v"}, "Invalid --set-credential: '..:v' (credential name '..' is not a valid file name)"},
             {{"--set-credential=a:\\q"}, "Invalid --set-credential: 'a:\\q' (an unknown escape \\q in the value)"},
             {{"--set-credential=a:\\x0"}, "Invalid --set-credential: 'a:\\x0' (an invalid \\x escape in the value)"},
             {{"--set-credential=a:1", "--load-credential=a:/x"}, "Invalid --load-credential: duplicate credential 'a', refusing"}}) {
        auto r = test::parse_spawn_args(args);
        ASSERT_FALSE(r.ok()) << args[0];
        EXPECT_EQ(r.error().message(), expect);
    }
    EXPECT_FALSE(credential_id_valid(std::string(256, 'a')));
    EXPECT_TRUE(credential_id_valid(std::string(255, 'a')));
}
