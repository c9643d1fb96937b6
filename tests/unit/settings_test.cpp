// Settings files (config/settings.hpp): parsing, trust, and how they meet the
// command line in each --settings mode.
#include <gtest/gtest.h>

#include <linux/capability.h>
#include <sys/resource.h>

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "config/settings_mask.hpp"
#include "spawn_args.hpp"

using namespace spawn;

namespace {

SettingsFile parsed(std::string_view text, bool trusted = true) {
    auto r = parse_settings_file(text, "/etc/systemd/nspawn/m.nspawn", trusted);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r.ok() ? std::move(r).value() : SettingsFile{};
}

std::string parse_error(std::string_view text) {
    auto r = parse_settings_file(text, "/x/m.nspawn", true);
    EXPECT_FALSE(r.ok()) << "parsing succeeded unexpectedly";
    return r.ok() ? std::string() : r.error().message();
}

Config command_line(std::initializer_list<std::string> args) {
    auto r = test::parse_spawn_args(args);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r.ok() ? std::move(r).value() : Config{};
}

using Words = std::vector<std::string>;

}  // namespace

TEST(SettingsFile, EachSectionSetsWhatItsOptionSets) {
    auto f = parsed(R"(# comment
; another
[Exec]
Boot=yes
Parameters=--unit rescue.target "quoted arg"
Environment=A=1 "B=two words"
User=daemon
WorkingDirectory=/srv
Capability=CAP_NET_ADMIN CAP_SYS_TIME
DropCapability=CAP_MKNOD
KillSignal=SIGTERM
Hostname=from-file
MachineID=0123456789abcdef0123456789abcdef
NoNewPrivileges=yes
LimitNOFILE=4096:8192
OOMScoreAdjust=100
CPUAffinity=0
LinkJournal=try-guest
PrivateUsers=pick
SystemCallFilter=@clock
[Files]
ReadOnly=yes
Bind=/srv/data:/data:norbind
BindReadOnly=/etc/hostname
TemporaryFileSystem=/scratch:mode=0700
PrivateUsersOwnership=chown
[Network]
VirtualEthernet=yes
Port=tcp:8080:80
Zone=web
)");
    const Config& c = f.values;
    EXPECT_TRUE(c.boot);
    EXPECT_EQ(c.command, (Words{"--unit", "rescue.target", "quoted arg"}));
    EXPECT_EQ(c.setenv, (Words{"A=1", "B=two words"}));
    EXPECT_EQ(c.user, "daemon");
    EXPECT_EQ(c.chdir, "/srv");
    EXPECT_EQ(c.capability_add, (1ull << CAP_NET_ADMIN) | (1ull << CAP_SYS_TIME));
    EXPECT_EQ(c.capability_drop, 1ull << CAP_MKNOD);
    EXPECT_EQ(c.kill_signal, SIGTERM);
    EXPECT_EQ(c.hostname, "from-file");
    ASSERT_TRUE(c.uuid.has_value());
    EXPECT_TRUE(c.no_new_privileges);
    ASSERT_TRUE(c.rlimits[RLIMIT_NOFILE].has_value());
    EXPECT_EQ(c.rlimits[RLIMIT_NOFILE]->soft, 4096u);
    EXPECT_EQ(c.rlimits[RLIMIT_NOFILE]->hard, 8192u);
    EXPECT_EQ(c.oom_score_adjust, 100);
    EXPECT_EQ(c.cpu_affinity, (std::vector<unsigned>{0}));
    EXPECT_EQ(c.link_journal, LinkJournal::TryGuest);
    EXPECT_EQ(c.userns.mode, UserNsMode::Pick);
    EXPECT_EQ(c.userns.ownership, UserNsOwnership::Chown);
    EXPECT_FALSE(c.syscall_filter.allow.empty());
    EXPECT_TRUE(c.read_only);
    ASSERT_EQ(c.binds.size(), 2u);
    EXPECT_EQ(c.binds[0].target, "/data");
    EXPECT_FALSE(c.binds[0].recursive);
    EXPECT_TRUE(c.binds[1].read_only);
    ASSERT_EQ(c.tmpfs.size(), 1u);
    EXPECT_EQ(c.tmpfs[0].options, "mode=0700");
    EXPECT_TRUE(c.net.veth);
    EXPECT_EQ(c.net.zone, "web");
    ASSERT_EQ(c.net.ports.size(), 1u);
    EXPECT_EQ(c.net.ports[0].container_port, 80);
    EXPECT_TRUE(f.warnings.empty());
    for (uint64_t bit : {setting::StartMode, setting::Environment, setting::User, setting::WorkingDirectory,
                         setting::Capability, setting::KillSignal, setting::Hostname, setting::MachineId,
                         setting::NoNewPrivileges, setting::rlimit(RLIMIT_NOFILE), setting::OomScoreAdjust,
                         setting::CpuAffinity, setting::LinkJournal, setting::UserNamespace, setting::SyscallFilter,
                         setting::ReadOnly, setting::CustomMounts, setting::Network, setting::ExposePorts})
        EXPECT_TRUE(c.settings_mask & bit) << "bit " << bit;
    EXPECT_FALSE(c.settings_mask & setting::rlimit(RLIMIT_CPU));
}

TEST(SettingsFile, ListKeysTakeSeveralWordsAndRepeat) {
    auto f = parsed("[Network]\nInterface=eth1 eth2\nInterface=eth3\nMACVLAN=mv0\n[Files]\nBind=/a\nBind=/b\n");
    EXPECT_EQ(f.values.net.interfaces, (Words{"eth1", "eth2", "eth3"}));
    EXPECT_EQ(f.values.net.macvlan, (Words{"mv0"}));
    EXPECT_TRUE(f.values.net.private_network);
    EXPECT_EQ(f.values.binds.size(), 2u);
}

TEST(SettingsFile, BooleansCanTurnThingsOff) {
    auto f = parsed("[Exec]\nBoot=no\nProcessTwo=yes\n[Files]\nReadOnly=no\n[Network]\nPrivate=no\nVirtualEthernet=no\n");
    EXPECT_FALSE(f.values.boot);
    EXPECT_TRUE(f.values.as_pid2);
    EXPECT_FALSE(f.values.read_only);
    EXPECT_FALSE(f.values.net.private_network);
    EXPECT_TRUE(f.values.settings_mask & setting::Network);
    EXPECT_TRUE(f.values.settings_mask & setting::ReadOnly);
}

TEST(SettingsFile, ParametersNeedAStartMode) {
    auto f = parsed("[Exec]\nParameters=/bin/echo hi\n");
    EXPECT_FALSE(f.values.settings_mask & setting::StartMode);
    ASSERT_EQ(f.warnings.size(), 1u);
    EXPECT_NE(f.warnings[0].find("Parameters= without Boot= or ProcessTwo= is ignored"), std::string::npos);
    Config c;
    c.boot = true;
    merge_settings(c, f, /*override=*/true);
    EXPECT_TRUE(c.boot);
    EXPECT_TRUE(c.command.empty());
}

TEST(SettingsFile, ContinuationLinesJoin) {
    auto f = parsed("[Exec]\nProcessTwo=no\nParameters=/bin/echo \\\n  one \\\n  two\nHostname=h\n");
    EXPECT_EQ(f.values.command, (Words{"/bin/echo", "one", "two"}));
    EXPECT_EQ(f.values.hostname, "h");
}

TEST(SettingsFile, UnknownSectionsAndKeysAreWarningsWithFileAndLine) {
    auto f = parsed("[Exec]\nFoo=bar\n[Bogus]\nX=1\n[Files]\nReadOnly=yes\n");
    ASSERT_EQ(f.warnings.size(), 2u);
    EXPECT_EQ(f.warnings[0], "/etc/systemd/nspawn/m.nspawn:2: Unknown key 'Foo' in section [Exec], ignoring.");
    EXPECT_EQ(f.warnings[1], "/etc/systemd/nspawn/m.nspawn:3: Unknown section 'Bogus'. Ignoring.");
    EXPECT_TRUE(f.values.read_only);  // parsing went on
    auto g = parsed("Boot=yes\n");
    ASSERT_EQ(g.warnings.size(), 1u);
    EXPECT_NE(g.warnings[0].find(":1: Assignment outside of section"), std::string::npos);
    EXPECT_FALSE(g.values.boot);
}

TEST(SettingsFile, BadValuesAreOneLineErrorsNamingFileLineAndKey) {
    EXPECT_EQ(parse_error("[Exec]\n\nKillSignal=SIGFOO\n"),
              "/x/m.nspawn:3: KillSignal=SIGFOO: Invalid --kill-signal: 'SIGFOO' (not a signal name or number)");
    EXPECT_NE(parse_error("[Exec]\nBoot=maybe\n").find("/x/m.nspawn:2: Boot=maybe: 'maybe' is not a boolean"),
              std::string::npos);
    EXPECT_NE(parse_error("[Exec]\nHostname=bad_name\n").find("/x/m.nspawn:2: Hostname=bad_name: Invalid --hostname"),
              std::string::npos);
    EXPECT_NE(parse_error("[Files]\nBind=relative/x:y\n").find(":2: Bind="), std::string::npos);
    EXPECT_NE(parse_error("[Network]\nPort=99999\n").find("Invalid --port"), std::string::npos);
    EXPECT_NE(parse_error("[Exec]\nLimitNOFILE=lots\n").find(":2: LimitNOFILE=lots:"), std::string::npos);
    EXPECT_NE(parse_error("[Exec]\nEnvironment=NOVALUE\n").find("expected NAME=VALUE"), std::string::npos);
    EXPECT_NE(parse_error("[Exec]\nParameters=\"open\n").find("unterminated quote"), std::string::npos);
    EXPECT_NE(parse_error("[Exec]\nCapability=\n").find("no capability given"), std::string::npos);
    EXPECT_EQ(parse_error("[Exec]\njust words\n"), "/x/m.nspawn:2: expected KEY=VALUE or [Section], got 'just words'");
    EXPECT_EQ(parse_error("[Exec\n"), "/x/m.nspawn:1: invalid section header '[Exec'");
    for (const auto& m : {parse_error("[Exec]\nBoot=yes\n\xff\xfe\n"), parse_error(std::string("[Exec]\0x", 8))})
        EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_NE(parse_error("[Exec]\nBoot=yes\n\xff\xfe\n").find("/x/m.nspawn:3: not a settings file (binary data"),
              std::string::npos);
}

TEST(SettingsFile, UntrustedFileCannotRaisePrivilege) {
    auto f = parsed(R"([Exec]
Capability=CAP_SYS_ADMIN
AmbientCapability=CAP_NET_RAW
DropCapability=CAP_MKNOD
PrivateUsers=no
LimitNOFILE=infinity
OOMScoreAdjust=-1000
CPUAffinity=0
MachineID=0123456789abcdef0123456789abcdef
LinkJournal=host
SystemCallFilter=@mount
SystemCallFilter=~@clock
Hostname=still-fine
[Files]
Bind=/:/host
BindReadOnly=/etc
TemporaryFileSystem=/x
BindUser=root
PrivateUsersOwnership=chown
[Network]
Interface=eth0
Bridge=br0
Port=80
Private=yes
)",
                    /*trusted=*/false);
    const Config& c = f.values;
    EXPECT_EQ(c.capability_add, 0u);
    EXPECT_EQ(c.ambient_capabilities, 0u);
    EXPECT_EQ(c.capability_drop, 1ull << CAP_MKNOD);  // dropping is always allowed
    EXPECT_TRUE(c.binds.empty());
    EXPECT_TRUE(c.tmpfs.empty());
    EXPECT_TRUE(c.bind_users.empty());
    EXPECT_TRUE(c.net.interfaces.empty());
    EXPECT_TRUE(c.net.bridge.empty());
    EXPECT_TRUE(c.net.ports.empty());
    EXPECT_FALSE(c.net.private_network);
    EXPECT_FALSE(c.rlimits[RLIMIT_NOFILE].has_value());
    EXPECT_FALSE(c.oom_score_adjust.has_value());
    EXPECT_TRUE(c.cpu_affinity.empty());
    EXPECT_FALSE(c.uuid.has_value());
    EXPECT_EQ(c.link_journal, LinkJournal::Auto);
    EXPECT_TRUE(c.syscall_filter.allow.empty());
    EXPECT_FALSE(c.syscall_filter.deny.empty());  // a deny list only restricts
    EXPECT_EQ(c.hostname, "still-fine");
    EXPECT_FALSE(c.settings_mask & (setting::CustomMounts | setting::Network | setting::ExposePorts |
                                    setting::UserNamespace | setting::BindUser | setting::MachineId));
    // One line per ignored key, naming the key and the file.
    std::vector<std::string> keys;
    for (const auto& w : f.warnings) {
        EXPECT_NE(w.find("/etc/systemd/nspawn/m.nspawn"), std::string::npos) << w;
        EXPECT_EQ(w.find('\n'), std::string::npos);
        keys.push_back(w.substr(9, w.find('=') - 9));  // "Ignoring KEY= in ..."
    }
    EXPECT_EQ(keys, (Words{"Capability", "AmbientCapability", "PrivateUsers", "LimitNOFILE", "OOMScoreAdjust",
                           "CPUAffinity", "MachineID", "LinkJournal", "SystemCallFilter", "Bind", "BindReadOnly",
                           "TemporaryFileSystem", "BindUser", "PrivateUsersOwnership", "Interface", "Bridge", "Port",
                           "Private"}));
}

TEST(SettingsMerge, CommandLineWinsUnlessOverride) {
    auto file = parsed("[Exec]\nHostname=file\nEnvironment=F=1\nBoot=no\nParameters=/bin/file\n[Files]\nBind=/srv\n");
    {
        Config c = command_line({"--hostname=cmd", "-E", "C=1", "/bin/cmd"});
        merge_settings(c, file, /*override=*/false);
        EXPECT_EQ(c.hostname, "cmd");
        EXPECT_EQ(c.setenv, (Words{"C=1"}));
        EXPECT_EQ(c.command, (Words{"/bin/cmd"}));
        ASSERT_EQ(c.binds.size(), 1u);  // the command line gave no binds: the file's apply
        EXPECT_EQ(c.binds[0].target, "/srv");
    }
    {
        Config c = command_line({"--hostname=cmd", "-E", "C=1", "--bind=/opt", "/bin/cmd"});
        merge_settings(c, file, /*override=*/true);
        EXPECT_EQ(c.hostname, "file");
        EXPECT_EQ(c.setenv, (Words{"F=1"}));
        EXPECT_EQ(c.command, (Words{"/bin/file"}));
        ASSERT_EQ(c.binds.size(), 1u);
        EXPECT_EQ(c.binds[0].target, "/srv");
    }
    {
        Config c = command_line({"--bind=/opt"});
        merge_settings(c, file, /*override=*/false);
        ASSERT_EQ(c.binds.size(), 1u);
        EXPECT_EQ(c.binds[0].target, "/opt");  // the command line's binds replace the file's
    }
}

TEST(SettingsMerge, CapabilitiesAddUpAndPortsStayWithTheirOwnSetting) {
    auto file = parsed("[Exec]\nCapability=CAP_SYS_TIME\n[Network]\nVirtualEthernet=yes\n");
    Config c = command_line({"--capability=CAP_NET_ADMIN", "--private-network", "-p", "8080"});
    merge_settings(c, file, /*override=*/true);
    EXPECT_EQ(c.capability_add, (1ull << CAP_NET_ADMIN) | (1ull << CAP_SYS_TIME));
    EXPECT_TRUE(c.net.veth);
    ASSERT_EQ(c.net.ports.size(), 1u);  // Port= is its own setting, which the file does not give
}

TEST(SettingsMerge, RlimitsMergePerLimit) {
    auto file = parsed("[Exec]\nLimitNOFILE=100\nLimitCORE=0\n");
    Config c = command_line({"--rlimit=NOFILE=50"});
    merge_settings(c, file, /*override=*/false);
    EXPECT_EQ(c.rlimits[RLIMIT_NOFILE]->soft, 50u);
    ASSERT_TRUE(c.rlimits[RLIMIT_CORE].has_value());
    EXPECT_EQ(c.rlimits[RLIMIT_CORE]->hard, 0u);
}

TEST(SettingsMode, ParsesEveryModeAndRefusesOthers) {
    EXPECT_EQ(command_line({"--settings=override"}).settings, SettingsMode::Override);
    EXPECT_EQ(command_line({"--settings=trusted"}).settings, SettingsMode::Trusted);
    EXPECT_EQ(command_line({"--settings=no"}).settings, SettingsMode::No);
    EXPECT_EQ(command_line({"--settings=0"}).settings, SettingsMode::No);
    EXPECT_EQ(command_line({"--settings=yes"}).settings, SettingsMode::Yes);
    EXPECT_EQ(command_line({}).settings, SettingsMode::Yes);
    auto bad = test::parse_spawn_args({"--settings=maybe"});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message(), "Invalid --settings: 'maybe' (expected yes, no, override or trusted)");
    auto empty = test::parse_spawn_args({"--settings="});
    ASSERT_FALSE(empty.ok());
    EXPECT_NE(empty.error().message().find("Invalid --settings: ''"), std::string::npos);
    auto missing = test::parse_spawn_args({"--settings"});
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message(), "Option --settings requires an argument");
}

TEST(SettingsMode, CommandLineRecordsWhatItGave) {
    Config c = command_line({"-b", "--hostname=x", "-n", "--rlimit=CORE=0", "-M", "m", "-q"});
    EXPECT_EQ(c.settings_mask, setting::StartMode | setting::Hostname | setting::Network | setting::rlimit(RLIMIT_CORE));
    EXPECT_EQ(command_line({"/bin/true"}).settings_mask, setting::StartMode);
}

TEST(SettingsWords, QuotesAndEscapes) {
    EXPECT_EQ(split_quoted_words(R"(a "b c" 'd e' f\ g "h\"i")").value(), (Words{"a", "b c", "d e", "f g", "h\"i"}));
    EXPECT_TRUE(split_quoted_words("   ").value().empty());
    EXPECT_FALSE(split_quoted_words("'x").ok());
}

// Random files made of the format's own pieces and of stray bytes: the parser
// never crashes, and every refusal is one non-empty line.
TEST(SettingsFile, RandomFilesGiveAResultOrOneLine) {
    const std::vector<std::string> pieces = {
        "[Exec]\n", "[Files]\n", "[Network]\n", "[X]\n", "[", "]", "=", "\n", "\\\n", "#c\n", " ", "\"", "'",
        "Boot=", "yes", "Parameters=", "Environment=", "A=1", "Bind=", "/a:/b", ":", "Port=", "80", "Hostname=",
        "h", "LimitNOFILE=", "1:2", "Capability=", "CAP_CHOWN", "Interface=", "eth0", "\xc3", "\xa9", "\x01",
        "SystemCallFilter=", "~@clock", "Zone=", "z", "PrivateUsers=", "pick", "KillSignal=", "TERM"};
    uint32_t seed = 12345;
    auto next = [&] { return seed = seed * 1103515245u + 12345u, (seed >> 8); };
    for (int i = 0; i < 3000; ++i) {
        std::string text;
        for (int n = static_cast<int>(next() % 40); n > 0; --n) text += pieces[next() % pieces.size()];
        for (bool trusted : {true, false}) {
            auto r = parse_settings_file(text, "/f", trusted);
            if (r.ok()) continue;
            const std::string& m = r.error().message();
            EXPECT_FALSE(m.empty());
            EXPECT_EQ(m.find('\n'), std::string::npos) << m;
            EXPECT_EQ(m.rfind("/f:", 0), 0u) << m;
        }
    }
}

TEST(SettingsFile, ErrorsQuoteAtMost80CharactersWithoutControlBytes) {
    auto m = parse_error("[Exec]\n" + std::string(500, 'z') + "\x1b[2J\n");
    EXPECT_NE(m.find("got '" + std::string(80, 'z') + "...'"), std::string::npos) << m;
    auto c = parse_error("[Exec]\nno equals \x1b[31m here\n");
    EXPECT_NE(c.find("no equals ?[31m here"), std::string::npos) << c;
}

// Every key of systemd.nspawn(5) 252 reaches a working option: a valid value
// of each parses; the keys of what spawn does not have yet give the option's
// refusal.
TEST(SettingsFile, EveryKeyHasAWorkingOption) {
    const std::vector<std::pair<std::string, std::string>> valid = {
        {"Exec.Boot", "yes"}, {"Exec.Ephemeral", "no"}, {"Exec.ProcessTwo", "no"}, {"Exec.Parameters", "a b"},
        {"Exec.Environment", "A=1"}, {"Exec.User", "root"}, {"Exec.WorkingDirectory", "/srv"},
        {"Exec.PivotRoot", "/a:/b"}, {"Exec.Capability", "CAP_CHOWN"}, {"Exec.DropCapability", "CAP_CHOWN"},
        {"Exec.AmbientCapability", "CAP_CHOWN"}, {"Exec.NoNewPrivileges", "yes"}, {"Exec.KillSignal", "SIGTERM"},
        {"Exec.Personality", "x86-64"}, {"Exec.MachineID", "0123456789abcdef0123456789abcdef"},
        {"Exec.PrivateUsers", "pick"}, {"Exec.NotifyReady", "no"}, {"Exec.SystemCallFilter", "@clock"},
        {"Exec.LimitCPU", "10"}, {"Exec.LimitFSIZE", "10"}, {"Exec.LimitDATA", "10"}, {"Exec.LimitSTACK", "10"},
        {"Exec.LimitCORE", "10"}, {"Exec.LimitRSS", "10"}, {"Exec.LimitNOFILE", "10"}, {"Exec.LimitAS", "10"},
        {"Exec.LimitNPROC", "10"}, {"Exec.LimitMEMLOCK", "10"}, {"Exec.LimitLOCKS", "10"},
        {"Exec.LimitSIGPENDING", "10"}, {"Exec.LimitMSGQUEUE", "10"}, {"Exec.LimitNICE", "10"},
        {"Exec.LimitRTPRIO", "10"}, {"Exec.LimitRTTIME", "10"}, {"Exec.OOMScoreAdjust", "10"},
        {"Exec.CPUAffinity", "0"}, {"Exec.Hostname", "h"}, {"Exec.ResolvConf", "copy-host"},
        {"Exec.Timezone", "symlink"}, {"Exec.LinkJournal", "try-guest"}, {"Exec.SuppressSync", "yes"},
        {"Files.ReadOnly", "yes"}, {"Files.Volatile", "no"}, {"Files.Bind", "/srv"}, {"Files.BindReadOnly", "/srv"},
        {"Files.BindUser", "root"}, {"Files.TemporaryFileSystem", "/t"}, {"Files.Inaccessible", "/i"},
        {"Files.PrivateUsersOwnership", "map"}, {"Files.PrivateUsersChown", "yes"}, {"Network.Private", "yes"},
        {"Network.VirtualEthernet", "yes"}, {"Network.VirtualEthernetExtra", "a:b"}, {"Network.Interface", "eth1"},
        {"Network.MACVLAN", "eth1"}, {"Network.IPVLAN", "eth1"}, {"Network.Bridge", "br0"}, {"Network.Zone", "z"},
        {"Network.Port", "80"}};
    std::vector<std::string> covered;
    for (const auto& [key, value] : valid) {
        auto dot = key.find('.');
        auto r = parse_settings_file("[" + key.substr(0, dot) + "]\n" + key.substr(dot + 1) + "=" + value + "\n",
                                     "/etc/systemd/nspawn/m.nspawn", true);
        EXPECT_TRUE(r.ok()) << key << ": " << (r.ok() ? "" : r.error().message());
        if (r.ok() && key != "Exec.Parameters") {
            EXPECT_TRUE(r->warnings.empty()) << key << ": " << r->warnings[0];
        }
        covered.push_back(key);
    }
    covered.insert(covered.end(), {"Files.Overlay", "Files.OverlayReadOnly"});  // below
    auto keys = settings_file_keys();
    std::sort(keys.begin(), keys.end());
    std::sort(covered.begin(), covered.end());
    std::vector<std::string> missing, extra;
    std::set_difference(keys.begin(), keys.end(), covered.begin(), covered.end(), std::back_inserter(missing));
    std::set_difference(covered.begin(), covered.end(), keys.begin(), keys.end(), std::back_inserter(extra));
    EXPECT_TRUE(missing.empty()) << "a key without a line here: " << missing[0];  // a key added later gets one
    EXPECT_TRUE(extra.empty()) << "not a key: " << extra[0];
    auto r = parse_settings_file("[Exec]\nEphemeral=yes\n[Files]\nVolatile=state\nOverlay=/a:/b\nOverlayReadOnly=/c:+/d:/e\n",
                                 "/f", true);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_TRUE(r->values.ephemeral);
    EXPECT_EQ(r->values.volatile_mode, VolatileMode::State);
    ASSERT_EQ(r->values.overlays.size(), 2u);
    EXPECT_EQ(r->values.overlays[0], (OverlayMount{{"/a"}, "/b", "/b", false}));
    EXPECT_EQ(r->values.overlays[1], (OverlayMount{{"/c", "+/d"}, "", "/e", true}));
}
