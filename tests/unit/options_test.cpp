#include <gtest/gtest.h>

#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "config/help.hpp"
#include "config/options.hpp"
#include "spawn_args.hpp"
#include "config/payload_options.hpp"

using namespace spawn;

namespace {

Result<Config> parse(std::initializer_list<std::string> args) { return test::parse_spawn_args(args); }

Config ok(std::initializer_list<std::string> args) {
    auto r = parse(args);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r.ok() ? std::move(r).value() : Config{};
}

std::string err(std::initializer_list<std::string> args) {
    auto r = parse(args);
    EXPECT_FALSE(r.ok()) << "parsing succeeded unexpectedly";
    return r.ok() ? std::string() : r.error().message();
}

using Cmd = std::vector<std::string>;

}  // namespace

// ---- parsing mechanics ----------------------------------------------------

TEST(OptionsParsing, Defaults) {
    Config c = ok({});
    EXPECT_TRUE(c.directory.empty());
    EXPECT_TRUE(c.machine.empty());
    EXPECT_TRUE(c.command.empty());
    EXPECT_FALSE(c.boot);
    EXPECT_FALSE(c.as_pid2);
    EXPECT_FALSE(c.console.has_value());
    EXPECT_EQ(c.register_mode, RegisterMode::Auto);
    EXPECT_EQ(c.link_journal, LinkJournal::Auto);
    EXPECT_EQ(c.kill_signal, 0);
    EXPECT_FALSE(c.net.private_network);
    EXPECT_FALSE(c.quiet);
}

TEST(OptionsParsing, ClusteredShortOptions) {
    Config c = ok({"-bD", "/srv/dir"});
    EXPECT_TRUE(c.boot);
    EXPECT_EQ(c.directory, "/srv/dir");

    c = ok({"-qbD", "/srv/dir", "init-arg", "--not-ours"});
    EXPECT_TRUE(c.quiet);
    EXPECT_TRUE(c.boot);
    EXPECT_EQ(c.directory, "/srv/dir");
    EXPECT_EQ(c.command, (Cmd{"init-arg", "--not-ours"}));

    c = ok({"-qbD/srv/dir"});  // value attached inside a cluster
    EXPECT_TRUE(c.quiet && c.boot);
    EXPECT_EQ(c.directory, "/srv/dir");

    c = ok({"-nqp80", "-D/x"});
    EXPECT_TRUE(c.net.veth && c.quiet);
    ASSERT_EQ(c.net.ports.size(), 1u);
    EXPECT_EQ(c.net.ports[0].host_port, 80);
}

TEST(OptionsParsing, AttachedAndSeparateValues) {
    EXPECT_EQ(ok({"-D/srv/a"}).directory, "/srv/a");
    EXPECT_EQ(ok({"-D", "/srv/a"}).directory, "/srv/a");
    EXPECT_EQ(ok({"--directory=/srv/a"}).directory, "/srv/a");
    EXPECT_EQ(ok({"--directory", "/srv/a"}).directory, "/srv/a");
    EXPECT_EQ(ok({"--dir=/srv/a"}).directory, "/srv/a");  // unambiguous abbreviation, as getopt_long
}

TEST(OptionsParsing, CommandSplit) {
    Config c = ok({"-D", "/t", "ls", "-l", "--all", "-D", "x"});
    EXPECT_EQ(c.command, (Cmd{"ls", "-l", "--all", "-D", "x"}));
    EXPECT_EQ(c.directory, "/t");

    c = ok({"-D", "/t", "--", "-weird-cmd", "-x"});
    EXPECT_EQ(c.command, (Cmd{"-weird-cmd", "-x"}));

    c = ok({"-D", "/t", "--"});
    EXPECT_TRUE(c.command.empty());

    c = ok({"/bin/sh", "-q"});  // options after the command belong to it
    EXPECT_EQ(c.command, (Cmd{"/bin/sh", "-q"}));
    EXPECT_FALSE(c.quiet);

    c = ok({"-D", "/t", "--", "--"});
    EXPECT_EQ(c.command, Cmd{"--"});
}

TEST(OptionsParsing, RepeatableCalls) {
    // Each call starts afresh (getopt state reset), also after an error in a cluster.
    EXPECT_FALSE(parse({"-qi"}).ok());
    EXPECT_TRUE(ok({"-bD", "/a"}).boot);
    EXPECT_FALSE(ok({"-D", "/a"}).boot);
    EXPECT_EQ(ok({"-D", "/b", "true"}).command, Cmd{"true"});
}

// --oci-bundle takes a host path (made absolute, as -D); the bundle itself
// is read after the parse (oci/bundle.hpp).
TEST(OptionsParsing, OciBundleTakesAHostPath) {
    EXPECT_EQ(ok({"--oci-bundle=/srv/b/"}).oci_bundle, "/srv/b");
    EXPECT_EQ(err({"--oci-bundle="}), "Invalid --oci-bundle: '' (empty path)");
    auto names = spawn_long_option_names();
    EXPECT_NE(std::find(names.begin(), names.end(), "oci-bundle"), names.end());
    EXPECT_EQ(err({"--image"}), "Option --image requires an argument");
    EXPECT_EQ(ok({"-bi", "/srv/d.raw"}).image, "/srv/d.raw");
}

TEST(OptionsParsing, NoPagerIsAcceptedAndSelinuxLabelsAreChecked) {
    EXPECT_EQ(ok({"--no-pager", "-D", "/srv/t"}).directory, "/srv/t");
    EXPECT_EQ(ok({"-Z", "system_u:system_r:container_t:s0"}).selinux_context, "system_u:system_r:container_t:s0");
    EXPECT_EQ(ok({"--selinux-apifs-context=system_u:object_r:container_file_t:s0"}).selinux_apifs_context,
              "system_u:object_r:container_file_t:s0");
    EXPECT_EQ(err({"-Z", ""}), "Invalid -Z: '' (expected an SELinux label)");
    EXPECT_EQ(err({"--selinux-apifs-context=a b"}), "Invalid --selinux-apifs-context: 'a b' (not an SELinux label)");
    EXPECT_EQ(err({"-L"}), "Option -L requires an argument");
}

TEST(OptionsParsing, UnknownOptions) {
    EXPECT_EQ(err({"--foo"}), "unrecognized option '--foo'");
    EXPECT_EQ(err({"--foo=bar"}), "unrecognized option '--foo'");
    EXPECT_EQ(err({"-y"}), "invalid option -- 'y'");
    EXPECT_EQ(err({"-by"}), "invalid option -- 'y'");
    EXPECT_EQ(err({"--net"}), "option '--net' is ambiguous");
    EXPECT_EQ(err({"--boot=1"}), "option '--boot' doesn't allow an argument");
    EXPECT_EQ(err({"--read-only=yes"}), "option '--read-only' doesn't allow an argument");
}

TEST(OptionsParsing, MissingArguments) {
    EXPECT_EQ(err({"--directory"}), "Option --directory requires an argument");
    EXPECT_EQ(err({"-D"}), "Option -D requires an argument");
    EXPECT_EQ(err({"-qbD"}), "Option -D requires an argument");
    EXPECT_EQ(err({"--dir"}), "Option --directory requires an argument");
    EXPECT_EQ(err({"--port"}), "Option --port requires an argument");
    EXPECT_EQ(err({"--network-bridge"}), "Option --network-bridge requires an argument");
    EXPECT_EQ(err({"--kill-signal"}), "Option --kill-signal requires an argument");
    EXPECT_EQ(err({"-M"}), "Option -M requires an argument");
}

TEST(OptionsParsing, HelpAndVersionStop) {
    Config c = ok({"-h", "--foo"});
    EXPECT_TRUE(c.show_help);
    c = ok({"--help"});
    EXPECT_TRUE(c.show_help);
    c = ok({"-qh"});
    EXPECT_TRUE(c.show_help);
    c = ok({"--version", "--bogus"});
    EXPECT_TRUE(c.show_version);
    EXPECT_FALSE(c.show_help);
}

// ---- identity --------------------------------------------------------------

TEST(OptionsIdentity, DirectoryMadeAbsolute) {
    std::string cwd = std::filesystem::current_path().string();
    EXPECT_EQ(ok({"-D", "tree"}).directory, cwd + "/tree");
    EXPECT_EQ(ok({"-D", "./a//b/"}).directory, cwd + "/a/b");
    EXPECT_EQ(ok({"-D", "/srv//x/./y/"}).directory, "/srv/x/y");
    EXPECT_EQ(err({"--directory="}), "Invalid --directory: '' (empty path)");
}

TEST(OptionsIdentity, Machine) {
    EXPECT_EQ(ok({"-M", "deb"}).machine, "deb");
    EXPECT_EQ(ok({"--machine=my-deb.test"}).machine, "my-deb.test");
    EXPECT_EQ(ok({"-Mdeb"}).machine, "deb");
    EXPECT_EQ(err({"-M", "a_b"}).rfind("Invalid --machine: 'a_b' (expected 1-64 characters", 0), 0u);
    EXPECT_EQ(err({"--machine="}).rfind("Invalid --machine: '' (expected 1-64 characters", 0), 0u);
    EXPECT_EQ(err({"-M", ".host"}).rfind("Invalid --machine: '.host' (expected 1-64 characters", 0), 0u);
    EXPECT_EQ(err({"-M", "-a"}).rfind("Invalid --machine: '-a' (expected 1-64 characters", 0), 0u);
    EXPECT_EQ(err({"-M", std::string(65, 'a')}).rfind("Invalid --machine: '" + std::string(65, 'a') + "' (expected 1-64 characters", 0), 0u);
}

TEST(OptionsIdentity, Hostname) {
    EXPECT_EQ(ok({"--hostname=web1"}).hostname, "web1");
    EXPECT_EQ(ok({"--hostname", "web1.example"}).hostname, "web1.example");
    EXPECT_EQ(err({"--hostname=-a"}).rfind("Invalid --hostname: '-a' (expected", 0), 0u);
    EXPECT_EQ(err({"--hostname="}).rfind("Invalid --hostname: '' (expected", 0), 0u);
}

TEST(OptionsIdentity, Uuid) {
    Config c = ok({"--uuid=0123456789abcdef0123456789ABCDEF"});
    ASSERT_TRUE(c.uuid.has_value());
    EXPECT_EQ((*c.uuid)[0], 0x01);
    EXPECT_EQ((*c.uuid)[15], 0xef);
    EXPECT_EQ(uuid_to_string(*c.uuid), "0123456789abcdef0123456789abcdef");
    c = ok({"--uuid", "01234567-89ab-cdef-0123-456789abcdef"});
    EXPECT_EQ(uuid_to_string(*c.uuid), "0123456789abcdef0123456789abcdef");
    EXPECT_NE(err({"--uuid=0"}).find("Invalid --uuid: '0'"), std::string::npos);
    EXPECT_NE(err({"--uuid="}).find("Invalid --uuid: ''"), std::string::npos);
    EXPECT_NE(err({"--uuid=0123456789abcdef0123456789abcdeg"}).find("Invalid --uuid"), std::string::npos);
    EXPECT_NE(err({"--uuid=01234567-89ab-cdef-0123456789abcdef0"}).find("Invalid --uuid"), std::string::npos);
    EXPECT_EQ(err({"--uuid=00000000000000000000000000000000"}),
              "Invalid --uuid: '00000000000000000000000000000000' (machine UUID may not be all zeroes)");
    EXPECT_NE(err({"--uuid=00000000-0000-0000-0000-000000000000"}).find("all zeroes"), std::string::npos);
}

// ---- execution ---------------------------------------------------------------

TEST(OptionsExecution, BootAndAsPid2) {
    EXPECT_TRUE(ok({"-b"}).boot);
    EXPECT_TRUE(ok({"--boot"}).boot);
    EXPECT_TRUE(ok({"-a"}).as_pid2);
    EXPECT_TRUE(ok({"--as-pid2"}).as_pid2);
    EXPECT_EQ(err({"-a", "-b"}), "--boot and --as-pid2 may not be combined.");
    EXPECT_EQ(err({"-b", "-a"}), "--boot and --as-pid2 may not be combined.");
    EXPECT_EQ(err({"-ab"}), "--boot and --as-pid2 may not be combined.");
    EXPECT_EQ(err({"--boot", "--as-pid2"}), "--boot and --as-pid2 may not be combined.");
}

TEST(OptionsExecution, User) {
    EXPECT_EQ(ok({"-u", "nobody"}).user, "nobody");
    EXPECT_EQ(ok({"--user=1000"}).user, "1000");
    EXPECT_EQ(ok({"-unobody"}).user, "nobody");
    EXPECT_EQ(err({"--user="}), "Invalid --user: '' (expected a user name or UID)");
    EXPECT_EQ(err({"-u", "a b"}), "Invalid --user: 'a b' (expected a user name or UID)");
    EXPECT_EQ(err({"-u", "a/b"}), "Invalid --user: 'a/b' (expected a user name or UID)");
}

TEST(OptionsExecution, Chdir) {
    EXPECT_EQ(ok({"--chdir=/tmp"}).chdir, "/tmp");
    EXPECT_EQ(ok({"--chdir", "/var//log/"}).chdir, "/var/log");
    EXPECT_EQ(err({"--chdir=tmp"}), "Invalid --chdir: 'tmp' (working directory must be an absolute path)");
    EXPECT_NE(err({"--chdir="}).find("Invalid --chdir: ''"), std::string::npos);
    EXPECT_NE(err({"--chdir=/a/../b"}).find("Invalid --chdir"), std::string::npos);
}

TEST(OptionsExecution, Setenv) {
    Config c = ok({"-E", "A=1", "--setenv=B=x=y", "-EC=", "--setenv", "A=2"});
    EXPECT_EQ(c.setenv, (Cmd{"B=x=y", "C=", "A=2"}));  // a later A replaces the earlier
    EXPECT_EQ(err({"-E", "1A=b"}), "Invalid --setenv: '1A=b' (expected NAME=VALUE with a valid variable name)");
    EXPECT_NE(err({"-E", "=x"}).find("Invalid --setenv: '=x'"), std::string::npos);
    EXPECT_NE(err({"--setenv="}).find("Invalid --setenv: ''"), std::string::npos);
    EXPECT_NE(err({"-E", "A-B=1"}).find("Invalid --setenv"), std::string::npos);
    EXPECT_NE(err({"-E", "A=\x01"}).find("control character"), std::string::npos);

    // NAME alone passes the variable through from our environment (nspawn).
    setenv("SPAWN_TEST_PASS", "hello", 1);
    unsetenv("SPAWN_TEST_UNSET");
    c = ok({"-E", "SPAWN_TEST_PASS", "-E", "SPAWN_TEST_UNSET"});
    EXPECT_EQ(c.setenv, (Cmd{"SPAWN_TEST_PASS=hello", "SPAWN_TEST_UNSET="}));
}

TEST(OptionsExecution, KillSignal) {
    EXPECT_EQ(ok({"--kill-signal=SIGTERM"}).kill_signal, SIGTERM);
    EXPECT_EQ(ok({"--kill-signal=TERM"}).kill_signal, SIGTERM);
    EXPECT_EQ(ok({"--kill-signal=15"}).kill_signal, 15);
    EXPECT_EQ(ok({"--kill-signal=SIGKILL"}).kill_signal, SIGKILL);
    EXPECT_EQ(ok({"--kill-signal=RTMIN+3"}).kill_signal, SIGRTMIN + 3);
    EXPECT_EQ(ok({"--kill-signal=SIGRTMIN+4"}).kill_signal, SIGRTMIN + 4);
    EXPECT_EQ(ok({"--kill-signal=SIGRTMIN"}).kill_signal, SIGRTMIN);
    EXPECT_EQ(ok({"--kill-signal=RTMAX"}).kill_signal, SIGRTMAX);
    EXPECT_EQ(ok({"--kill-signal=RTMAX-1"}).kill_signal, SIGRTMAX - 1);
    EXPECT_EQ(ok({"--kill-signal=SIGINT"}).kill_signal, SIGINT);
    EXPECT_EQ(ok({"--kill-signal=64"}).kill_signal, 64);
    for (const char* bad : {"FOO", "0", "65", "-1", "IOT", "SIGCLD", "POLL", "RTMIN+40", "RTMIN-1", "RTMAX+1", "", "SIG", "sigterm", "15x"})
        EXPECT_EQ(err({std::string("--kill-signal=") + bad}),
                  std::string("Invalid --kill-signal: '") + bad + "' (not a signal name or number)");
}

// ---- console ----------------------------------------------------------------

TEST(OptionsConsole, Modes) {
    EXPECT_EQ(ok({"--console=interactive"}).console, ConsoleMode::Interactive);
    EXPECT_EQ(ok({"--console=read-only"}).console, ConsoleMode::ReadOnly);
    EXPECT_EQ(ok({"--console=passive"}).console, ConsoleMode::Passive);
    EXPECT_EQ(ok({"--console", "pipe"}).console, ConsoleMode::Pipe);
    EXPECT_EQ(ok({"--console=autopipe"}).console, ConsoleMode::Autopipe);
    EXPECT_EQ(ok({"-P"}).console, ConsoleMode::Pipe);
    EXPECT_EQ(ok({"--pipe"}).console, ConsoleMode::Pipe);
    EXPECT_EQ(ok({"-P", "--console=passive"}).console, ConsoleMode::Passive);  // last wins
    EXPECT_EQ(err({"--console=x"}),
              "Invalid --console: 'x' (expected interactive, read-only, passive, pipe or autopipe)");
    EXPECT_NE(err({"--console="}).find("Invalid --console: ''"), std::string::npos);
    EXPECT_EQ(console_mode_name(ConsoleMode::ReadOnly), "read-only");
}

// ---- file systems ------------------------------------------------------------

TEST(OptionsMounts, BindForms) {
    Config c = ok({"--bind=/srv/data"});
    ASSERT_EQ(c.binds.size(), 1u);
    EXPECT_EQ(c.binds[0].source, "/srv/data");
    EXPECT_EQ(c.binds[0].target, "/srv/data");
    EXPECT_FALSE(c.binds[0].read_only);
    EXPECT_TRUE(c.binds[0].recursive);
    EXPECT_EQ(c.binds[0].options, "");

    c = ok({"--bind-ro=/srv/data:/data", "--bind", "/a:/b:norbind", "--bind=/c:/d:rbind"});
    ASSERT_EQ(c.binds.size(), 3u);
    EXPECT_TRUE(c.binds[0].read_only);
    EXPECT_EQ(c.binds[0].target, "/data");
    EXPECT_FALSE(c.binds[1].recursive);
    EXPECT_EQ(c.binds[1].options, "norbind");
    EXPECT_FALSE(c.binds[1].read_only);
    EXPECT_TRUE(c.binds[2].recursive);

    c = ok({"--bind=+/var/tmp"});  // relative to the tree; destination drops the '+'
    EXPECT_EQ(c.binds[0].source, "+/var/tmp");
    EXPECT_EQ(c.binds[0].target, "/var/tmp");

    c = ok({"--bind=+/a:/b"});
    EXPECT_EQ(c.binds[0].source, "+/a");
    EXPECT_EQ(c.binds[0].target, "/b");

    c = ok({"--bind=/with\\:colon:/x"});  // backslash escapes ':'
    EXPECT_EQ(c.binds[0].source, "/with:colon");
    EXPECT_EQ(c.binds[0].target, "/x");

    c = ok({"--bind=/a//b/:/c/./d/"});
    EXPECT_EQ(c.binds[0].source, "/a/b");
    EXPECT_EQ(c.binds[0].target, "/c/d");

    // A relative host source is taken from the current directory (nspawn 252).
    std::string cwd = std::filesystem::current_path().string();
    c = ok({"--bind=data:/data", "--bind-ro=sub/dir"});
    EXPECT_EQ(c.binds[0].source, cwd + "/data");
    EXPECT_EQ(c.binds[0].target, "/data");
    EXPECT_EQ(c.binds[1].source, cwd + "/sub/dir");
    EXPECT_EQ(c.binds[1].target, cwd + "/sub/dir");

    c = ok({"--bind=/a:/b:noidmap"});
    EXPECT_TRUE(c.binds[0].recursive);
}

TEST(OptionsMounts, BindErrors) {
    EXPECT_NE(err({"--bind=/x:y"}).find("Invalid --bind: '/x:y'"), std::string::npos);
    EXPECT_NE(err({"--bind-ro=x:y"}).find("Invalid --bind-ro: 'x:y'"), std::string::npos);
    EXPECT_NE(err({"--bind="}).find("empty source"), std::string::npos);
    EXPECT_NE(err({"--bind=:/x"}).find("empty source"), std::string::npos);
    EXPECT_NE(err({"--bind=+x"}).find("'+' must continue with an absolute path"), std::string::npos);
    EXPECT_NE(err({"--bind=+"}).find("'+' must continue with an absolute path"), std::string::npos);
    EXPECT_NE(err({"--bind=/x:"}).find("destination"), std::string::npos);
    EXPECT_NE(err({"--bind=/x:/../etc"}).find("destination"), std::string::npos);
    EXPECT_NE(err({"--bind=+/../x:/y"}).find("'..'"), std::string::npos);
    EXPECT_EQ(err({"--bind=/x:/y:foo"}), "Invalid --bind: '/x:/y:foo' (unknown bind mount option 'foo')");
    EXPECT_NE(err({"--bind=/x:/y:rbind,bogus"}).find("'bogus'"), std::string::npos);
    EXPECT_EQ(err({"--bind=/x:/y:idmap"}), "--bind=/x: idmap and rootidmap need a user namespace (-U or --private-users)");
    EXPECT_NE(err({"-U", "--bind=+/x:/y:rootidmap"}).find("take a host path"), std::string::npos);
    EXPECT_EQ(ok({"-U", "--bind=/x:/y:idmap"}).binds[0].idmap, BindIdmap::Idmap);
    EXPECT_EQ(ok({"-U", "--bind-ro=/x:/y:norbind,rootidmap"}).binds[0].idmap, BindIdmap::RootIdmap);
    EXPECT_EQ(ok({"-U", "--bind=/x:/y:idmap,noidmap"}).binds[0].idmap, BindIdmap::None);
    EXPECT_NE(err({"--bind=/x:/y:"}).find("unknown bind mount option ''"), std::string::npos);
    EXPECT_NE(err({"--bind=/x:/y:rbind:extra"}).find("unknown bind mount option"), std::string::npos);
}

TEST(OptionsMounts, Tmpfs) {
    Config c = ok({"--tmpfs=/tmp", "--tmpfs", "/var/cache:mode=0700,size=10M", "--tmpfs=/run/x:"});
    ASSERT_EQ(c.tmpfs.size(), 3u);
    EXPECT_EQ(c.tmpfs[0].target, "/tmp");
    EXPECT_EQ(c.tmpfs[0].options, "mode=0755");
    EXPECT_EQ(c.tmpfs[1].target, "/var/cache");
    EXPECT_EQ(c.tmpfs[1].options, "mode=0700,size=10M");
    EXPECT_EQ(c.tmpfs[2].options, "mode=0755");
    EXPECT_EQ(err({"--tmpfs=x"}), "Invalid --tmpfs: 'x' (path must be absolute, without '..')");
    EXPECT_NE(err({"--tmpfs="}).find("Invalid --tmpfs: ''"), std::string::npos);
    EXPECT_NE(err({"--tmpfs=/a/../b"}).find("Invalid --tmpfs"), std::string::npos);
}

TEST(OptionsMounts, ReadOnly) {
    EXPECT_TRUE(ok({"--read-only"}).read_only);
    EXPECT_FALSE(ok({}).read_only);
}

// ---- registration and units ----------------------------------------------------

TEST(OptionsIntegration, Register) {
    EXPECT_EQ(ok({"--register=yes"}).register_mode, RegisterMode::Yes);
    EXPECT_EQ(ok({"--register=no"}).register_mode, RegisterMode::No);
    EXPECT_EQ(ok({"--register=auto"}).register_mode, RegisterMode::Auto);
    EXPECT_EQ(ok({"--register", "true"}).register_mode, RegisterMode::Yes);
    EXPECT_EQ(ok({"--register=0"}).register_mode, RegisterMode::No);
    EXPECT_EQ(ok({"--register=off"}).register_mode, RegisterMode::No);
    EXPECT_EQ(ok({"--register=1"}).register_mode, RegisterMode::Yes);
    EXPECT_EQ(err({"--register=maybe"}), "Invalid --register: 'maybe' (expected yes, no or auto)");
    EXPECT_NE(err({"--register="}).find("Invalid --register: ''"), std::string::npos);
}

TEST(OptionsIntegration, KeepUnitSliceProperty) {
    Config c = ok({"--keep-unit", "-S", "foo", "--property=MemoryMax=1G", "--property", "TasksMax=10"});
    EXPECT_TRUE(c.keep_unit);
    EXPECT_EQ(c.slice, "foo.slice");
    EXPECT_EQ(c.properties, (Cmd{"MemoryMax=1G", "TasksMax=10"}));
    EXPECT_EQ(ok({"--slice=machine.slice"}).slice, "machine.slice");
    EXPECT_EQ(ok({"-Sa-b.slice"}).slice, "a-b.slice");
    EXPECT_EQ(err({"--slice="}), "Invalid --slice: '' (empty slice name)");
    EXPECT_EQ(err({"-S", "a b"}), "Invalid --slice: 'a b' (not a valid unit name)");
    EXPECT_EQ(err({"--property=x"}), "Invalid --property: 'x' (expected NAME=VALUE)");
    EXPECT_EQ(err({"--property=="}), "Invalid --property: '=' (expected NAME=VALUE)");
    EXPECT_NE(err({"--property="}).find("Invalid --property: ''"), std::string::npos);
    EXPECT_NE(err({"--property=Mem-Max=1"}).find("alphanumeric"), std::string::npos);
}

TEST(OptionsIntegration, LinkJournal) {
    EXPECT_EQ(ok({"--link-journal=no"}).link_journal, LinkJournal::No);
    EXPECT_EQ(ok({"--link-journal=host"}).link_journal, LinkJournal::Host);
    EXPECT_EQ(ok({"--link-journal=try-host"}).link_journal, LinkJournal::TryHost);
    EXPECT_EQ(ok({"--link-journal=guest"}).link_journal, LinkJournal::Guest);
    EXPECT_EQ(ok({"--link-journal", "try-guest"}).link_journal, LinkJournal::TryGuest);
    EXPECT_EQ(ok({"--link-journal=auto"}).link_journal, LinkJournal::Auto);
    EXPECT_EQ(ok({"-j"}).link_journal, LinkJournal::TryGuest);
    EXPECT_EQ(ok({"-jb"}).link_journal, LinkJournal::TryGuest);
    EXPECT_EQ(err({"--link-journal=x"}),
              "Invalid --link-journal: 'x' (expected no, host, try-host, guest, try-guest or auto)");
    EXPECT_EQ(link_journal_name(LinkJournal::TryHost), "try-host");
}

TEST(OptionsIntegration, Quiet) {
    EXPECT_TRUE(ok({"-q"}).quiet);
    EXPECT_TRUE(ok({"--quiet"}).quiet);
}

// ---- networking ----------------------------------------------------------------

TEST(OptionsNetwork, PrivateAndVeth) {
    Config c = ok({"--private-network"});
    EXPECT_TRUE(c.net.private_network);
    EXPECT_FALSE(c.net.veth);
    c = ok({"-n"});
    EXPECT_TRUE(c.net.veth && c.net.private_network);
    c = ok({"--network-veth"});
    EXPECT_TRUE(c.net.veth && c.net.private_network);
}

TEST(OptionsNetwork, VethExtra) {
    Config c = ok({"--network-veth-extra=ve-a", "--network-veth-extra", "ve-b:inner"});
    EXPECT_EQ(c.net.veth_extra, (Cmd{"ve-a:ve-a", "ve-b:inner"}));
    EXPECT_EQ(ok({"--network-veth-extra=ve-c:"}).net.veth_extra, Cmd{"ve-c:ve-c"});
    EXPECT_TRUE(c.net.private_network);
    EXPECT_FALSE(c.net.veth);
    for (const char* bad : {"a:b:c", "", ":b", ":", "a/b", "1234567890123456", "a:b/c"})
        EXPECT_NE(err({std::string("--network-veth-extra=") + bad}).find(std::string("Invalid --network-veth-extra: '") + bad + "'"),
                  std::string::npos);
}

TEST(OptionsNetwork, BridgeAndZone) {
    Config c = ok({"--network-bridge=br0"});
    EXPECT_EQ(c.net.bridge, "br0");
    EXPECT_TRUE(c.net.veth && c.net.private_network);
    c = ok({"--network-zone=web"});
    EXPECT_EQ(c.net.zone, "web");
    EXPECT_TRUE(c.net.veth && c.net.private_network);
    EXPECT_EQ(ok({"--network-zone=abcdefghijkl"}).net.zone, "abcdefghijkl");  // vz- + 12 = 15
    EXPECT_EQ(err({"--network-zone=abcdefghijklm"}),
              "Invalid --network-zone: 'abcdefghijklm' (vz-abcdefghijklm is not a valid interface name)");
    EXPECT_NE(err({"--network-zone="}).find("Invalid --network-zone: ''"), std::string::npos);
    EXPECT_EQ(err({"--network-bridge=a/b"}), "Invalid --network-bridge: 'a/b' (not a valid interface name)");
    EXPECT_NE(err({"--network-bridge="}).find("Invalid --network-bridge: ''"), std::string::npos);
    EXPECT_NE(err({"--network-bridge=0123456789abcdef"}).find("Invalid --network-bridge"), std::string::npos);
    EXPECT_EQ(err({"--network-bridge=br0", "--network-zone=z"}),
              "--network-bridge= and --network-zone= may not be combined.");
}

TEST(OptionsNetwork, InterfaceMacvlanIpvlan) {
    Config c = ok({"--network-interface=eth1", "--network-interface=eth2", "--network-interface=eth1",
                   "--network-macvlan=eth0", "--network-ipvlan", "dummy0"});
    EXPECT_EQ(c.net.interfaces, (Cmd{"eth1", "eth2"}));  // duplicates collapse
    EXPECT_EQ(c.net.macvlan, Cmd{"eth0"});
    EXPECT_EQ(c.net.ipvlan, Cmd{"dummy0"});
    EXPECT_TRUE(c.net.private_network);
    EXPECT_FALSE(c.net.veth);
    EXPECT_EQ(err({"--network-interface=a:b"}), "Invalid --network-interface: 'a:b' (not a valid interface name)");
    EXPECT_EQ(err({"--network-macvlan=a b"}), "Invalid --network-macvlan: 'a b' (not a valid interface name)");
    EXPECT_EQ(err({"--network-ipvlan="}), "Invalid --network-ipvlan: '' (not a valid interface name)");
    EXPECT_EQ(err({"--network-ipv=x/y"}), "Invalid --network-ipvlan: 'x/y' (not a valid interface name)");
}

TEST(OptionsNetwork, NamespacePath) {
    Config c = ok({"--network-namespace-path=/run/netns/test"});
    EXPECT_EQ(c.net.netns_path, "/run/netns/test");
    EXPECT_FALSE(c.net.private_network);
    EXPECT_EQ(ok({"--network-namespace-path", "rel/ns"}).net.netns_path,
              std::filesystem::current_path().string() + "/rel/ns");
    EXPECT_NE(err({"--network-namespace-path="}).find("Invalid --network-namespace-path: ''"), std::string::npos);
    // As nspawn 252: --private-network may be combined with it, nothing else.
    EXPECT_TRUE(ok({"--network-namespace-path=/x", "--private-network"}).net.private_network);
    const char* msg = "--network-namespace-path= cannot be combined with other network options.";
    EXPECT_EQ(err({"--network-namespace-path=/x", "-n"}), msg);
    EXPECT_EQ(err({"--network-veth", "--network-namespace-path=/x"}), msg);
    EXPECT_EQ(err({"--network-namespace-path=/x", "--network-bridge=br0"}), msg);
    EXPECT_EQ(err({"--network-namespace-path=/x", "--network-zone=z"}), msg);
    EXPECT_EQ(err({"--network-namespace-path=/x", "--network-interface=eth0"}), msg);
    EXPECT_EQ(err({"--network-namespace-path=/x", "--network-macvlan=eth0"}), msg);
    EXPECT_EQ(err({"--network-namespace-path=/x", "--network-ipvlan=eth0"}), msg);
    EXPECT_EQ(err({"--network-namespace-path=/x", "--network-veth-extra=a"}), msg);
}

TEST(OptionsNetwork, Ports) {
    Config c = ok({"-n", "-p", "80", "--port=tcp:8080:80", "-pudp:53:5353", "--port", "127.0.0.1:2222:22",
                   "-p", "[::1]:8443:443", "-p", "udp:[fd00::1]:9000", "-p", "tcp:10.0.0.1:99"});
    auto& p = c.net.ports;
    ASSERT_EQ(p.size(), 7u);
    EXPECT_EQ(p[0].protocol, PortProtocol::Tcp);
    EXPECT_EQ(p[0].host_address, "");
    EXPECT_EQ(p[0].host_port, 80);
    EXPECT_EQ(p[0].container_port, 80);
    EXPECT_EQ(p[1].host_port, 8080);
    EXPECT_EQ(p[1].container_port, 80);
    EXPECT_EQ(p[2].protocol, PortProtocol::Udp);
    EXPECT_EQ(p[2].host_port, 53);
    EXPECT_EQ(p[2].container_port, 5353);
    EXPECT_EQ(p[3].host_address, "127.0.0.1");
    EXPECT_EQ(p[3].host_port, 2222);
    EXPECT_EQ(p[3].container_port, 22);
    EXPECT_EQ(p[4].host_address, "::1");
    EXPECT_EQ(p[4].host_port, 8443);
    EXPECT_EQ(p[4].container_port, 443);
    EXPECT_EQ(p[5].protocol, PortProtocol::Udp);
    EXPECT_EQ(p[5].host_address, "fd00::1");
    EXPECT_EQ(p[5].container_port, 9000);
    EXPECT_EQ(p[6].host_address, "10.0.0.1");
    EXPECT_EQ(p[6].host_port, 99);
    EXPECT_EQ(p[6].container_port, 99);

    // Same port on two protocols or two addresses is fine; the same twice is not.
    EXPECT_EQ(ok({"-n", "-p", "80", "-p", "udp:80"}).net.ports.size(), 2u);
    EXPECT_EQ(ok({"-n", "-p", "80", "-p", "127.0.0.1:80"}).net.ports.size(), 2u);
    EXPECT_EQ(err({"-n", "-p", "80", "-p", "tcp:80:81"}),
              "Invalid --port: 'tcp:80:81' (duplicate port specification)");
}

TEST(OptionsNetwork, PortErrors) {
    for (const char* bad : {"x:1", "0", "65536", "70000", "80:0", "80:x", "", "tcp:", "sctp:80", "1.2.3:80",
                            "1.2.3.4", "1.2.3.4:", "[::1]", "[::1]80", "[::1:80", "[zz::1]:80", "80:90:100",
                            "-1", "[]:80", "1.2.3.4:5:6:7"})
        EXPECT_EQ(err({"-n", "-p", bad}).rfind(std::string("Invalid --port: '") + bad + "'", 0), 0u) << bad;
    EXPECT_EQ(err({"-p", "80"}), "Cannot use --port= without private networking.");
    EXPECT_EQ(err({"-p", "80", "--network-namespace-path=/x"}), "Cannot use --port= without private networking.");
    EXPECT_EQ(err({"-qp80", "-D/x"}), "Cannot use --port= without private networking.");
    EXPECT_TRUE(parse({"-p", "80", "--network-namespace-path=/x", "--private-network"}).ok());
}

TEST(OptionsNetwork, PortWithEveryPrivateNetworkOption) {
    for (const char* opt : {"--private-network", "-n", "--network-bridge=br0", "--network-zone=z",
                            "--network-interface=eth1", "--network-macvlan=eth0", "--network-ipvlan=eth0",
                            "--network-veth-extra=a"})
        EXPECT_TRUE(parse({opt, "-p", "80"}).ok()) << opt;
}

TEST(OptionsNetwork, Addresses) {
    Config c = ok({"-n", "--network-address=10.0.0.2/24,10.0.0.1", "--network-address", "fd00::2/64"});
    ASSERT_EQ(c.net.addresses.size(), 2u);
    EXPECT_EQ(c.net.addresses[0].address, "10.0.0.2/24");
    EXPECT_EQ(c.net.addresses[0].gateway, "10.0.0.1");
    EXPECT_EQ(c.net.addresses[1].address, "fd00::2/64");
    EXPECT_EQ(c.net.addresses[1].gateway, "");
    EXPECT_EQ(ok({"--network-bridge=br0", "--network-address=10.0.0.2/24"}).net.addresses.size(), 1u);
    EXPECT_EQ(ok({"--network-zone=z", "--network-address=10.0.0.2/24"}).net.addresses.size(), 1u);
    for (const char* bad : {"10.0.0.2", "10.0.0.2/33", "fd00::2/129", "x/24", "10.0.0.2/24,fd00::1",
                            "10.0.0.2/24,", "10.0.0.2/", "/24", ""})
        EXPECT_EQ(err({"-n", std::string("--network-address=") + bad})
                      .rfind(std::string("Invalid --network-address: '") + bad + "'", 0),
                  0u)
            << bad;
    EXPECT_NE(err({"--network-address=10.0.0.2/24"}).find("without a veth link"), std::string::npos);
    EXPECT_NE(err({"--private-network", "--network-address=10.0.0.2/24"}).find("without a veth link"),
              std::string::npos);
}

// ---- help --------------------------------------------------------------------

TEST(OptionsHelp, MentionsEveryOption) {
    std::string h = spawn_usage("spawn");
    for (const char* o :
         {"--help", "--version", "--quiet", "--directory", "--read-only", "--as-pid2", "--boot", "--chdir",
          "--setenv", "--user", "--kill-signal", "--machine", "--hostname", "--uuid", "--slice", "--property",
          "--private-network", "--network-interface", "--network-macvlan", "--network-ipvlan", "--network-veth",
          "--network-veth-extra", "--network-bridge", "--network-zone", "--network-namespace-path",
          "--network-address", "--port", "--bind", "--bind-ro", "--tmpfs", "--register", "--keep-unit",
          "--link-journal", "-j ", "--console", "--pipe", "--capability", "--drop-capability",
          "--system-call-filter", " -P ", " -n ", " -p ", " -S ", " -E ", " -u ", " -M ",
          " -D ", " -a ", " -b ", " -q ", " -h "})
        EXPECT_NE(h.find(o), std::string::npos) << o;
    for (const auto& name : spawn_long_option_names()) EXPECT_NE(h.find("--" + name), std::string::npos) << name;
    EXPECT_EQ(h.rfind("spawn [OPTIONS...]", 0), 0u);
    EXPECT_EQ(spawn_version().rfind("spawn ", 0), 0u);
}

TEST(OptionsHelp, ManPageDocumentsEveryOption) {
    const char* root = getenv("SPAWN_SOURCE_ROOT");
    if (!root) GTEST_SKIP() << "SPAWN_SOURCE_ROOT not set (run through meson test)";
    std::ifstream in(std::string(root) + "/man/spawn.1.scd");
    ASSERT_TRUE(in.good()) << root << "/man/spawn.1.scd";
    std::stringstream ss;
    ss << in.rdbuf();
    std::string man = ss.str();
    for (const auto& name : spawn_long_option_names()) EXPECT_NE(man.find("*--" + name), std::string::npos) << name;
    for (const char* s : {"*-h*", "*-q*", "*-D*", "*-a*", "*-b*", "*-E*", "*-u*", "*-M*", "*-S*", "*-n*", "*-p*",
                          "*-j*", "*-P*", "# EXIT STATUS", "133", "container=spawn", "container_uuid",
                          "/var/lib/machines", "# SEE ALSO"})
        EXPECT_NE(man.find(s), std::string::npos) << s;
}

// --capability / --drop-capability (security area), as nspawn 252.
TEST(OptionsSecurity, Capabilities) {
    auto c = ok({"--capability=CAP_SYS_TIME,cap_net_admin", "--capability=SYS_MODULE", "--drop-capability=CAP_MKNOD"});
    EXPECT_EQ(c.capability_add, (1ULL << CAP_SYS_TIME) | (1ULL << CAP_NET_ADMIN) | (1ULL << CAP_SYS_MODULE));
    EXPECT_EQ(c.capability_drop, 1ULL << CAP_MKNOD);
    auto all = ok({"--capability=all", "--drop-capability=all"});
    EXPECT_EQ(all.capability_add & (1ULL << CAP_SYS_RAWIO), 1ULL << CAP_SYS_RAWIO);
    EXPECT_EQ(all.capability_drop & (1ULL << CAP_CHOWN), 1ULL << CAP_CHOWN);
    EXPECT_EQ(ok({}).capability_add, 0u);
    EXPECT_EQ(ok({}).capability_drop, 0u);
}

TEST(OptionsSecurity, CapabilityErrorsNameOptionAndValue) {
    EXPECT_EQ(err({"--capability=CAP_NOPE"}),
              "Invalid --capability: 'CAP_NOPE' (unknown capability 'CAP_NOPE'; expected names such as "
              "CAP_NET_ADMIN, comma-separated, or all)");
    EXPECT_EQ(err({"--drop-capability=CAP_CHOWN,,x"}),
              "Invalid --drop-capability: 'CAP_CHOWN,,x' (unknown capability ''; expected names such as "
              "CAP_NET_ADMIN, comma-separated, or all)");
    EXPECT_EQ(err({"--capability="}),
              "Invalid --capability: '' (expected capability names such as CAP_NET_ADMIN, comma-separated, or all)");
    EXPECT_EQ(err({"--capability=12"}).substr(0, 26), "Invalid --capability: '12'");
}

// --system-call-filter (security area), as nspawn 252: names and @groups,
// space-separated, '~' for a deny list, repeatable.
TEST(OptionsSecurity, SystemCallFilter) {
    auto c = ok({"--system-call-filter=@clock settimeofday", "--system-call-filter=~@mount  keyctl",
                 "--system-call-filter", "@debug\t@clock", "--system-call-filter=~bpf"});
    EXPECT_EQ(c.syscall_filter.allow, (Cmd{"@clock", "settimeofday", "@debug"}));
    EXPECT_EQ(c.syscall_filter.deny, (Cmd{"@mount", "keyctl", "bpf"}));
    EXPECT_TRUE(ok({}).syscall_filter.empty());
    // Direct use (settings files, the machine state file).
    SyscallFilter f;
    ASSERT_TRUE(parse_syscall_filter("~@swap", f).ok());
    EXPECT_EQ(f.deny, Cmd{"@swap"});
    EXPECT_TRUE(f.allow.empty());
}

TEST(OptionsSecurity, SystemCallFilterErrorsNameOptionAndValue) {
    EXPECT_EQ(err({"--system-call-filter=@clock @bogus"}),
              "Invalid --system-call-filter: '@clock @bogus' (unknown system call group '@bogus'; the groups are "
              "those of `systemd-analyze syscall-filter`)");
    EXPECT_EQ(err({"--system-call-filter=~no_such_call"}),
              "Invalid --system-call-filter: '~no_such_call' (unknown system call 'no_such_call')");
    const char* empty = "(expected system call names or @groups separated by spaces, with a leading ~ for a deny list)";
    EXPECT_EQ(err({"--system-call-filter="}), std::string("Invalid --system-call-filter: '' ") + empty);
    EXPECT_EQ(err({"--system-call-filter=~"}), std::string("Invalid --system-call-filter: '~' ") + empty);
    EXPECT_EQ(err({"--system-call-filter=  "}), std::string("Invalid --system-call-filter: '  ' ") + empty);
    // A failing item leaves the filter as it was.
    SyscallFilter f;
    EXPECT_FALSE(parse_syscall_filter("@clock @nope", f).ok());
    EXPECT_TRUE(f.empty());
}

// ---- the payload process (config/payload_options.hpp), as nspawn 252 ------

TEST(OptionsPayload, NoNewPrivileges) {
    EXPECT_FALSE(ok({}).no_new_privileges);
    EXPECT_TRUE(ok({"--no-new-privileges=yes"}).no_new_privileges);
    EXPECT_TRUE(ok({"--no-new-privileges", "on"}).no_new_privileges);
    EXPECT_FALSE(ok({"--no-new-privileges=1", "--no-new-privileges=false"}).no_new_privileges);
    EXPECT_EQ(err({"--no-new-privileges"}), "Option --no-new-privileges requires an argument");
    EXPECT_EQ(err({"--no-new-privileges="}), "Invalid --no-new-privileges: '' (expected a boolean: yes or no)");
    EXPECT_EQ(err({"--no-new-privileges=maybe"}),
              "Invalid --no-new-privileges: 'maybe' (expected a boolean: yes or no)");
}

TEST(OptionsPayload, AmbientCapabilitiesAddUp) {
    EXPECT_EQ(ok({}).ambient_capabilities, 0u);
    auto c = ok({"--ambient-capability=CAP_NET_RAW,chown", "--ambient-capability", "CAP_KILL"});
    EXPECT_EQ(c.ambient_capabilities, (1ULL << CAP_NET_RAW) | (1ULL << CAP_CHOWN) | (1ULL << CAP_KILL));
}

TEST(OptionsPayload, AmbientCapabilityErrors) {
    EXPECT_EQ(err({"--ambient-capability"}), "Option --ambient-capability requires an argument");
    EXPECT_EQ(err({"--ambient-capability="}),
              "Invalid --ambient-capability: '' (expected capability names such as CAP_NET_ADMIN, comma-separated, "
              "or all)");
    EXPECT_EQ(err({"--ambient-capability=CAP_NOPE"}),
              "Invalid --ambient-capability: 'CAP_NOPE' (unknown capability 'CAP_NOPE'; expected names such as "
              "CAP_NET_ADMIN, comma-separated, or all)");
    // As nspawn: the ambient set is never "all".
    EXPECT_EQ(err({"--ambient-capability=CAP_CHOWN,all"}),
              "Invalid --ambient-capability: 'CAP_CHOWN,all' (all is refused, as by systemd-nspawn: name the "
              "capabilities)");
    EXPECT_EQ(err({"-b", "--ambient-capability=CAP_CHOWN"}),
              "--ambient-capability= is not useful with --boot (an init keeps no ambient set).");
}

TEST(OptionsPayload, RlimitNamesAndValues) {
    auto c = ok({"--rlimit=NOFILE=100:200", "--rlimit=RLIMIT_CORE=infinity", "--rlimit=LimitNPROC=50",
                 "--rlimit", "AS=1G:infinity"});
    EXPECT_EQ(c.rlimits[RLIMIT_NOFILE], (ResourceLimit{100, 200}));
    EXPECT_EQ(c.rlimits[RLIMIT_CORE], (ResourceLimit{kRlimitInfinity, kRlimitInfinity}));
    EXPECT_EQ(c.rlimits[RLIMIT_NPROC], (ResourceLimit{50, 50}));
    EXPECT_EQ(c.rlimits[RLIMIT_AS], (ResourceLimit{1ULL << 30, kRlimitInfinity}));
    EXPECT_FALSE(c.rlimits[RLIMIT_CPU]);
    // Repeated: the last one of a limit wins.
    EXPECT_EQ(ok({"--rlimit=NOFILE=10", "--rlimit=NOFILE=20"}).rlimits[RLIMIT_NOFILE], (ResourceLimit{20, 20}));
    // Every name nspawn accepts.
    for (const char* n : {"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NOFILE", "AS", "NPROC", "MEMLOCK", "LOCKS",
                          "SIGPENDING", "MSGQUEUE", "RTPRIO", "RTTIME"}) {
        auto r = parse_rlimit(std::string("RLIMIT_") + n + "=1:infinity");
        ASSERT_TRUE(r.ok()) << n << ": " << r.error().message();
        EXPECT_EQ(rlimit_name(r->first), n);
        EXPECT_EQ(r->second, (ResourceLimit{1, kRlimitInfinity})) << n;
    }
    EXPECT_EQ(parse_rlimit("RLIMIT_NICE=1:40")->second, (ResourceLimit{1, 40}));
}

TEST(OptionsPayload, RlimitUnitsAsNspawn) {
    auto v = [](const char* s) {
        auto r = parse_rlimit(s);
        EXPECT_TRUE(r.ok()) << s << ": " << (r.ok() ? "" : r.error().message());
        return r.ok() ? r->second : ResourceLimit{};
    };
    EXPECT_EQ(v("CPU=1h"), (ResourceLimit{3600, 3600}));
    EXPECT_EQ(v("CPU=1min 30s:infinity"), (ResourceLimit{90, kRlimitInfinity}));
    EXPECT_EQ(v("CPU=90"), (ResourceLimit{90, 90}));
    EXPECT_EQ(v("CPU=1500ms"), (ResourceLimit{2, 2}));  // rounded up
    EXPECT_EQ(v("RTTIME=5s"), (ResourceLimit{5000000, 5000000}));
    EXPECT_EQ(v("RTTIME=5000"), (ResourceLimit{5000, 5000}));
    EXPECT_EQ(v("FSIZE=1M:2G"), (ResourceLimit{1 << 20, 1ULL << 31}));
    EXPECT_EQ(v("FSIZE=1.5K"), (ResourceLimit{1536, 1536}));
    EXPECT_EQ(v("MEMLOCK=64K"), (ResourceLimit{65536, 65536}));
    EXPECT_EQ(v("NICE=-5"), (ResourceLimit{25, 25}));
    EXPECT_EQ(v("NICE=+5:+3"), (ResourceLimit{15, 17}));
    EXPECT_EQ(v("NICE=0"), (ResourceLimit{0, 0}));
}

TEST(OptionsPayload, RlimitErrors) {
    EXPECT_EQ(err({"--rlimit"}), "Option --rlimit requires an argument");
    const std::string form = "(expected NAME=SOFT[:HARD], e.g. NOFILE=1024:4096)";
    EXPECT_EQ(err({"--rlimit="}), "Invalid --rlimit: '' " + form);
    EXPECT_EQ(err({"--rlimit=NOFILE"}), "Invalid --rlimit: 'NOFILE' " + form);
    EXPECT_EQ(err({"--rlimit=NOFILE=1:2:3"}), "Invalid --rlimit: 'NOFILE=1:2:3' " + form);
    EXPECT_TRUE(err({"--rlimit=nofile=5"}).starts_with(
        "Invalid --rlimit: 'nofile=5' (unknown resource limit 'nofile'; expected CPU, "));  // upper case, as nspawn
    EXPECT_NE(err({"--rlimit=FOO=1"}).find("expected CPU, FSIZE, DATA, STACK, CORE, RSS, NPROC, NOFILE, MEMLOCK, AS, "
                                           "LOCKS, SIGPENDING, MSGQUEUE, NICE, RTPRIO, RTTIME"),
              std::string::npos);
    const std::string number = "(NOFILE takes a number or infinity, as SOFT[:HARD])";
    for (const char* bad : {"NOFILE=", "NOFILE=abc", "NOFILE=:5", "NOFILE=5:", "NOFILE=-1", "NOFILE=1K",
                            "NOFILE=18446744073709551615"})
        EXPECT_EQ(err({std::string("--rlimit=") + bad}), std::string("Invalid --rlimit: '") + bad + "' " + number);
    EXPECT_EQ(err({"--rlimit=NOFILE=200:100"}),
              "Invalid --rlimit: 'NOFILE=200:100' (soft limit 200 exceeds hard limit 100)");
    EXPECT_EQ(err({"--rlimit=CORE=infinity:0"}),
              "Invalid --rlimit: 'CORE=infinity:0' (soft limit unlimited exceeds hard limit 0)");
    EXPECT_NE(err({"--rlimit=CPU=5 parsecs"}).find("CPU takes seconds or a time span"), std::string::npos);
    EXPECT_NE(err({"--rlimit=FSIZE=1k"}).find("FSIZE takes a size in bytes"), std::string::npos);
    EXPECT_NE(err({"--rlimit=NICE=+20"}).find("NICE takes a limit from 0 to 40"), std::string::npos);
    EXPECT_NE(err({"--rlimit=NICE=41"}).find("NICE takes"), std::string::npos);
    EXPECT_NE(err({"--rlimit=NICE=infinity"}).find("NICE takes"), std::string::npos);
}

TEST(OptionsPayload, OomScoreAdjust) {
    EXPECT_FALSE(ok({}).oom_score_adjust);
    EXPECT_EQ(ok({"--oom-score-adjust=500"}).oom_score_adjust, 500);
    EXPECT_EQ(ok({"--oom-score-adjust", "-1000"}).oom_score_adjust, -1000);
    EXPECT_EQ(ok({"--oom-score-adjust=+1000"}).oom_score_adjust, 1000);
    EXPECT_EQ(ok({"--oom-score-adjust=0"}).oom_score_adjust, 0);
    EXPECT_EQ(err({"--oom-score-adjust"}), "Option --oom-score-adjust requires an argument");
    for (const char* bad : {"", "1001", "-1001", "abc", "5x", "+-5", "0x10"})
        EXPECT_EQ(err({std::string("--oom-score-adjust=") + bad}),
                  std::string("Invalid --oom-score-adjust: '") + bad + "' (expected a number from -1000 to 1000)");
}

TEST(OptionsPayload, CpuAffinity) {
    using Cpus = std::vector<unsigned>;
    EXPECT_TRUE(ok({}).cpu_affinity.empty());
    EXPECT_EQ(ok({"--cpu-affinity=0,2-3"}).cpu_affinity, (Cpus{0, 2, 3}));
    EXPECT_EQ(ok({"--cpu-affinity", "3 1-2,,1"}).cpu_affinity, (Cpus{1, 2, 3}));
    EXPECT_EQ(ok({"--cpu-affinity=8191"}).cpu_affinity, (Cpus{8191}));
    EXPECT_EQ(ok({"--cpu-affinity=0-1", "--cpu-affinity=1"}).cpu_affinity, (Cpus{1}));  // replaces, as nspawn
    EXPECT_EQ(err({"--cpu-affinity"}), "Option --cpu-affinity requires an argument");
    const std::string form = "(expected CPU numbers and ranges separated by ',' or spaces, such as 0,2-3)";
    for (const char* bad : {"", " , ", "abc", "0-", "-1", "1-2-3", "all"})
        EXPECT_EQ(err({std::string("--cpu-affinity=") + bad}), std::string("Invalid --cpu-affinity: '") + bad + "' " + form);
    EXPECT_EQ(err({"--cpu-affinity=0,3-1"}), "Invalid --cpu-affinity: '0,3-1' (range 3-1 is reversed)");
    EXPECT_EQ(err({"--cpu-affinity=99999"}),
              "Invalid --cpu-affinity: '99999' (CPU 99999 is beyond the largest CPU number, 8191)");
}

TEST(OptionsPayload, Personality) {
    EXPECT_FALSE(ok({}).personality);
#if defined(__x86_64__)
    EXPECT_EQ(ok({"--personality=x86-64"}).personality, PER_LINUX);
    EXPECT_EQ(ok({"--personality", "x86"}).personality, PER_LINUX32);
    EXPECT_EQ(err({"--personality=arm64"}),
              "Invalid --personality: 'arm64' (not supported on this x86-64 host; expected x86-64 or x86)");
    for (const char* bad : {"", "i386", "X86", "x86_64", "amd64"})
        EXPECT_EQ(err({std::string("--personality=") + bad}),
                  std::string("Invalid --personality: '") + bad + "' (unknown architecture; expected x86-64 or x86)");
#else
    GTEST_SKIP() << "the personality names tested are those of an x86-64 build";
#endif
    EXPECT_EQ(err({"--personality"}), "Option --personality requires an argument");
}

TEST(OptionsParsing, NotifyReady) {
    EXPECT_FALSE(ok({"-b"}).notify_ready);
    EXPECT_TRUE(ok({"-b", "--notify-ready=yes"}).notify_ready);
    EXPECT_FALSE(ok({"--notify-ready=no"}).notify_ready);
    EXPECT_EQ(err({"--notify-ready"}), "Option --notify-ready requires an argument");
    EXPECT_EQ(err({"--notify-ready="}), "Invalid --notify-ready: '' (expected yes or no)");
    EXPECT_EQ(err({"--notify-ready=maybe"}), "Invalid --notify-ready: 'maybe' (expected yes or no)");
    EXPECT_EQ(err({"--notify-ready=yes", "/bin/true"}),
              "--notify-ready=yes needs --boot (only a booted init gets a notify socket from spawn)");
}

// -x, --volatile, --template, --overlay(-ro): nspawn's syntax and refusals.
TEST(RootOptions, VolatileOverlayAndTemplateParse) {
    EXPECT_TRUE(ok({"-x"}).ephemeral);
    EXPECT_TRUE(ok({"-bx"}).ephemeral);
    EXPECT_EQ(ok({"--volatile"}).volatile_mode, VolatileMode::Yes);
    EXPECT_EQ(ok({"--volatile=no"}).volatile_mode, VolatileMode::No);
    EXPECT_EQ(ok({"--volatile=state"}).volatile_mode, VolatileMode::State);
    EXPECT_EQ(ok({"--volatile=overlay"}).volatile_mode, VolatileMode::Overlay);
    EXPECT_EQ(err({"--volatile=bad"}), "Invalid --volatile: 'bad' (expected yes, no, state or overlay)");
    EXPECT_EQ(ok({"--template=/srv/t"}).template_dir, "/srv/t");
    EXPECT_EQ(ok({"--overlay=/a:/b:/c:/d"}).overlays[0], (OverlayMount{{"/a", "/b"}, "/c", "/d", false}));
    EXPECT_EQ(ok({"--overlay=/a:/b"}).overlays[0], (OverlayMount{{"/a"}, "/b", "/b", false}));
    EXPECT_EQ(ok({"--overlay=+/var::/var"}).overlays[0], (OverlayMount{{"+/var"}, "", "/var", false}));
    EXPECT_EQ(ok({"--overlay-ro=/a:/b"}).overlays[0], (OverlayMount{{"/a", "/b"}, "", "/b", true}));
    EXPECT_EQ(ok({"--overlay=/a\\:b:/c:/d"}).overlays[0].lowers[0], "/a:b");
    EXPECT_EQ(err({"--overlay=/a"}), "Invalid --overlay: '/a' (needs at least two colon-separated directories)");
    EXPECT_EQ(err({"--overlay-ro=/a::/c"}),
              "Invalid --overlay-ro: '/a::/c' (only the upper directory of --overlay may be empty)");
    EXPECT_EQ(err({"--overlay=/a:/b:rel"}),
              "Invalid --overlay: '/a:/b:rel' (destination must be an absolute path without '..')");
    EXPECT_EQ(err({"--overlay=+rel:/b:/c"}),
              "Invalid --overlay: '+rel:/b:/c' (a path starting with '+' must continue with an absolute path without '..')");
}

TEST(RootOptions, ThrowawayRootsRefuseWhatWouldWriteTheTree) {
    auto check = [](std::vector<std::string> args) {
        auto c = test::parse_spawn_args(args);
        if (!c) return c.error().message();
        auto v = validate_config(*c);
        return v ? std::string() : v.error().message();
    };
    EXPECT_EQ(check({"-x", "--template=/t"}), "--ephemeral and --template= may not be combined.");
    EXPECT_EQ(check({"-x", "-U", "--private-users-ownership=chown"}).rfind(
                  "--private-users-ownership=chown cannot be combined with --ephemeral", 0),
              0u);
    EXPECT_EQ(check({"--volatile=state", "-U", "--private-users-ownership=chown"}).rfind(
                  "--private-users-ownership=chown cannot be combined with --volatile=state", 0),
              0u);
    EXPECT_EQ(check({"-x", "-U"}), "");
    EXPECT_EQ(check({"--volatile", "--read-only"}), "");
}

TEST(RootOptions, VerityOptionsParse) {
    const std::string hash(64, 'a');
    EXPECT_EQ(ok({"--root-hash=" + std::string(64, 'A')}).root_hash, hash);
    EXPECT_EQ(err({"--root-hash=abc"}), "Invalid --root-hash: 'abc' (expected hexadecimal digits)");
    EXPECT_EQ(err({"--root-hash=zz"}), "Invalid --root-hash: 'zz' (expected hexadecimal digits)");
    EXPECT_EQ(err({"--root-hash=abcd"}), "Invalid --root-hash: 'abcd' (a root hash has at least 128 bits)");
    EXPECT_EQ(ok({"--root-hash-sig=base64:AAAA"}).root_hash_sig, "base64:AAAA");
    EXPECT_EQ(ok({"--root-hash-sig=/srv/h.p7s"}).root_hash_sig, "/srv/h.p7s");
    EXPECT_EQ(ok({"--verity-data=/srv/d.verity"}).verity_data, "/srv/d.verity");
}
