// --resolv-conf / --timezone: the option values and what each mode plans,
// including auto's choices as systemd-nspawn 252 makes them.
#include <gtest/gtest.h>

#include "config/etc_options.hpp"
#include "container/etc_plan.hpp"
#include "spawn_args.hpp"

using namespace spawn;
using namespace spawn::container;

namespace {

using RA = ResolvConfPlan::Action;
using TA = TimezonePlan::Action;

EtcFacts host(bool writable = true, bool private_network = false) {
    EtcFacts f;
    f.etc_writable = writable;
    f.private_network = private_network;
    f.host_resolv_conf = true;
    f.localtime = EtcFacts::Localtime::Symlink;
    f.localtime_target = "/usr/share/zoneinfo/Europe/Berlin";
    return f;
}

}  // namespace

TEST(EtcOptions, EveryValueParsesAndNamesRoundTrip) {
    for (const char* v : {"off", "copy-host", "copy-static", "copy-uplink", "copy-stub", "replace-host", "replace-static",
                          "replace-uplink", "replace-stub", "bind-host", "bind-static", "bind-uplink", "bind-stub",
                          "delete", "auto"}) {
        auto m = parse_resolv_conf_mode(v);
        ASSERT_TRUE(m.ok()) << v;
        EXPECT_EQ(resolv_conf_mode_name(*m), v);
    }
    for (const char* v : {"off", "copy", "bind", "symlink", "delete", "auto"}) {
        auto m = parse_timezone_mode(v);
        ASSERT_TRUE(m.ok()) << v;
        EXPECT_EQ(timezone_mode_name(*m), v);
    }
    EXPECT_EQ(test::parse_spawn_args({"--resolv-conf=bind-stub"}).value().resolv_conf, ResolvConfMode::BindStub);
    EXPECT_EQ(test::parse_spawn_args({"--timezone=copy"}).value().timezone, TimezoneMode::Copy);
    EXPECT_EQ(test::parse_spawn_args({}).value().resolv_conf, ResolvConfMode::Auto);
    EXPECT_EQ(test::parse_spawn_args({}).value().timezone, TimezoneMode::Auto);
}

TEST(EtcOptions, MissingEmptyAndInvalidValuesAreOneLine) {
    for (auto [args, expect] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"--resolv-conf"}, "Option --resolv-conf requires an argument"},
             {{"--resolv-conf="}, "Invalid --resolv-conf: '' (expected off, copy-host"},
             {{"--resolv-conf=copy"}, "Invalid --resolv-conf: 'copy' (expected"},
             {{"--timezone"}, "Option --timezone requires an argument"},
             {{"--timezone="}, "Invalid --timezone: '' (expected off, copy, bind, symlink, delete or auto)"},
             {{"--timezone=UTC"}, "Invalid --timezone: 'UTC' (expected"}}) {
        auto r = test::parse_spawn_args(args);
        ASSERT_FALSE(r.ok()) << args[0];
        EXPECT_EQ(r.error().message().rfind(expect, 0), 0u) << r.error().message();
        EXPECT_EQ(r.error().message().find('\n'), std::string::npos);
    }
}

TEST(EtcPlan, ResolvConfAutoAsNspawn) {
    // Writable tree, the host's network: the host's file copied.
    EXPECT_EQ(plan_resolv_conf(ResolvConfMode::Auto, host()), (ResolvConfPlan{RA::Copy, "/etc/resolv.conf"}));
    // Read-only: bound.
    EXPECT_EQ(plan_resolv_conf(ResolvConfMode::Auto, host(false)), (ResolvConfPlan{RA::Bind, "/etc/resolv.conf"}));
    // A private network: left alone.
    EXPECT_EQ(plan_resolv_conf(ResolvConfMode::Auto, host(true, true)).action, RA::None);
    // systemd-resolved listening: its stub file.
    auto resolved = host();
    resolved.resolved_stub = true;
    EXPECT_EQ(plan_resolv_conf(ResolvConfMode::Auto, resolved),
              (ResolvConfPlan{RA::Copy, "/run/systemd/resolve/stub-resolv.conf"}));
    resolved.etc_writable = false;
    EXPECT_EQ(plan_resolv_conf(ResolvConfMode::Auto, resolved).action, RA::Bind);
    // No resolv.conf on the host: the guest's removed (writable) or left.
    auto none = host();
    none.host_resolv_conf = false;
    EXPECT_EQ(plan_resolv_conf(ResolvConfMode::Auto, none).action, RA::Delete);
    none.etc_writable = false;
    EXPECT_EQ(plan_resolv_conf(ResolvConfMode::Auto, none).action, RA::None);
}

TEST(EtcPlan, ResolvConfExplicitModes) {
    EXPECT_EQ(plan_resolv_conf(ResolvConfMode::Off, host()).action, RA::None);
    EXPECT_EQ(plan_resolv_conf(ResolvConfMode::Delete, host()).action, RA::Delete);
    EXPECT_EQ(plan_resolv_conf(ResolvConfMode::CopyStatic, host()), (ResolvConfPlan{RA::Copy, "/usr/lib/systemd/resolv.conf"}));
    EXPECT_EQ(plan_resolv_conf(ResolvConfMode::ReplaceUplink, host()),
              (ResolvConfPlan{RA::Replace, "/run/systemd/resolve/resolv.conf"}));
    EXPECT_EQ(plan_resolv_conf(ResolvConfMode::BindStub, host()),
              (ResolvConfPlan{RA::Bind, "/run/systemd/resolve/stub-resolv.conf"}));
    EXPECT_EQ(plan_resolv_conf(ResolvConfMode::ReplaceHost, host(true, true)), (ResolvConfPlan{RA::Replace, "/etc/resolv.conf"}));
}

TEST(EtcPlan, TimezoneAutoAsNspawn) {
    std::string w;
    EXPECT_EQ(plan_timezone(TimezoneMode::Auto, host(), &w), (TimezonePlan{TA::Symlink, "Europe/Berlin"}));
    EXPECT_EQ(plan_timezone(TimezoneMode::Auto, host(false), &w).action, TA::Bind);
    auto regular = host();
    regular.localtime = EtcFacts::Localtime::Regular;
    EXPECT_EQ(plan_timezone(TimezoneMode::Auto, regular, &w).action, TA::Copy);
    regular.etc_writable = false;
    EXPECT_EQ(plan_timezone(TimezoneMode::Auto, regular, &w).action, TA::Bind);
    auto missing = host();
    missing.localtime = EtcFacts::Localtime::Missing;
    EXPECT_EQ(plan_timezone(TimezoneMode::Auto, missing, &w).action, TA::Delete);
    missing.etc_writable = false;
    EXPECT_EQ(plan_timezone(TimezoneMode::Auto, missing, &w).action, TA::None);
    EXPECT_TRUE(w.empty());
}

TEST(EtcPlan, TimezoneExplicitModesAndWarnings) {
    std::string w;
    EXPECT_EQ(plan_timezone(TimezoneMode::Copy, host(), &w).action, TA::Copy);
    EXPECT_EQ(plan_timezone(TimezoneMode::Bind, host(), &w).action, TA::Bind);
    EXPECT_EQ(plan_timezone(TimezoneMode::Delete, host(), &w).action, TA::Delete);
    EXPECT_EQ(plan_timezone(TimezoneMode::Off, host(), &w).action, TA::None);
    EXPECT_EQ(plan_timezone(TimezoneMode::Symlink, host(false), &w), (TimezonePlan{TA::Symlink, "Europe/Berlin"}));
    EXPECT_TRUE(w.empty());
    auto elsewhere = host();
    elsewhere.localtime_target = "/etc/zones/mine";
    EXPECT_EQ(plan_timezone(TimezoneMode::Auto, elsewhere, &w).action, TA::None);
    EXPECT_NE(w.find("does not point into /usr/share/zoneinfo/"), std::string::npos);
    w.clear();
    auto regular = host();
    regular.localtime = EtcFacts::Localtime::Regular;
    EXPECT_EQ(plan_timezone(TimezoneMode::Symlink, regular, &w).action, TA::None);
    EXPECT_FALSE(w.empty());
    EXPECT_EQ(zone_of_link("../usr/share/zoneinfo/America/New_York"), "America/New_York");
    EXPECT_EQ(zone_of_link("/usr/share/zoneinfo/"), std::nullopt);
}
