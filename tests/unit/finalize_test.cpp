#include <gtest/gtest.h>

#include <signal.h>

#include <set>
#include <string>

#include "config/derived.hpp"
#include "config/finalize.hpp"
#include "config/options.hpp"

using namespace spawn;

namespace {

FsProbe fake_fs(std::set<std::string> dirs, std::string cwd = "/home/user/trees/my_tree") {
    FsProbe p;
    p.is_directory = [dirs](const std::string& path) { return dirs.count(path) > 0; };
    p.current_directory = [cwd] { return cwd; };
    p.random = [] { return uint64_t{0x0123456789abcdef}; };
    return p;
}

}  // namespace

TEST(Finalize, MachineWithoutDirectoryUsesSearchPath) {
    Config c;
    c.machine = "deb";
    ASSERT_TRUE(finalize_config(c, fake_fs({"/usr/lib/machines/deb", "/var/lib/container/deb"})).ok());
    EXPECT_EQ(c.directory, "/var/lib/container/deb");  // earlier entry of the search path wins
    EXPECT_EQ(c.machine, "deb");
    EXPECT_EQ(c.hostname, "deb");

    Config d;
    d.machine = "deb";
    ASSERT_TRUE(finalize_config(d, fake_fs({"/var/lib/machines/deb", "/usr/lib/machines/deb"})).ok());
    EXPECT_EQ(d.directory, "/var/lib/machines/deb");

    Config e;
    e.machine = "deb";
    ASSERT_TRUE(finalize_config(e, fake_fs({"/usr/local/lib/machines/deb"})).ok());
    EXPECT_EQ(e.directory, "/usr/local/lib/machines/deb");
}

TEST(Finalize, MachineWithoutImageFails) {
    Config c;
    c.machine = "nothere";
    auto r = finalize_config(c, fake_fs({"/var/lib/machines/other"}));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("No image for machine 'nothere'"), std::string::npos) << r.error().message();
    EXPECT_EQ(r.error().code(), ENOENT);
}

TEST(Finalize, NeitherDirectoryNorMachineUsesCwd) {
    Config c;
    ASSERT_TRUE(finalize_config(c, fake_fs({}, "/home/user/trees/my_tree")).ok());
    EXPECT_EQ(c.directory, "/home/user/trees/my_tree");
    EXPECT_EQ(c.machine, "mytree");
    EXPECT_EQ(c.hostname, "mytree");
}

TEST(Finalize, CwdUnknownFails) {
    Config c;
    auto r = finalize_config(c, fake_fs({}, ""));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("-D"), std::string::npos);
}

TEST(Finalize, DirectoryGivenMachineFromBasename) {
    Config c;
    c.directory = "/srv/trees/Deb-12/";
    ASSERT_TRUE(finalize_config(c, fake_fs({})).ok());
    EXPECT_EQ(c.directory, "/srv/trees/Deb-12");
    EXPECT_EQ(c.machine, "Deb-12");
    EXPECT_EQ(c.hostname, "Deb-12");
}

TEST(Finalize, ExplicitNamesKept) {
    Config c;
    c.directory = "/srv/x";
    c.machine = "m1";
    c.hostname = "h1";
    ASSERT_TRUE(finalize_config(c, fake_fs({"/var/lib/machines/m1"})).ok());
    EXPECT_EQ(c.directory, "/srv/x");  // -D wins over the search path
    EXPECT_EQ(c.machine, "m1");
    EXPECT_EQ(c.hostname, "h1");
}

TEST(Finalize, UnusableBasenameNeedsMachine) {
    Config c;
    c.directory = "/srv/___";
    auto r = finalize_config(c, fake_fs({}));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("-M"), std::string::npos);
    EXPECT_NE(r.error().message().find("/srv/___"), std::string::npos);
}

TEST(Finalize, InvalidMachineRefused) {
    Config c;
    c.directory = "/srv/x";
    c.machine = "bad_name";  // e.g. from a settings file
    auto r = finalize_config(c, fake_fs({}));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("bad_name"), std::string::npos);
}

TEST(Finalize, HostRootRefused) {
    Config c;
    c.directory = "//";
    auto r = finalize_config(c, fake_fs({}));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("'/'"), std::string::npos);
}

// The default is derived (config/derived.hpp), not written into the Config:
// cfg.kill_signal stays what the user gave (0: nothing), so only an explicit
// --kill-signal becomes the machine's poweroff signal for mctl.
TEST(Finalize, KillSignalDefaults) {
    Config a;
    a.directory = "/srv/x";
    ASSERT_TRUE(finalize_config(a, fake_fs({})).ok());
    EXPECT_EQ(a.kill_signal, 0);
    EXPECT_EQ(effective_kill_signal(a), SIGKILL);

    Config b;
    b.directory = "/srv/x";
    b.boot = true;
    ASSERT_TRUE(finalize_config(b, fake_fs({})).ok());
    EXPECT_EQ(effective_kill_signal(b), SIGRTMIN + 3);

    Config c;
    c.directory = "/srv/x";
    c.boot = true;
    c.kill_signal = SIGTERM;
    ASSERT_TRUE(finalize_config(c, fake_fs({})).ok());
    EXPECT_EQ(c.kill_signal, SIGTERM);
    EXPECT_EQ(effective_kill_signal(c), SIGTERM);
}

TEST(Finalize, RevalidatesCrossOptionRules) {
    Config c;
    c.directory = "/srv/x";
    c.net.ports.push_back(PortForward{PortProtocol::Tcp, "", 80, 80});
    auto r = finalize_config(c, fake_fs({}));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), "Cannot use --port= without private networking.");
}

TEST(Finalize, RealProbeOnThisMachine) {
    FsProbe p = real_fs_probe();
    EXPECT_TRUE(p.is_directory("/"));
    EXPECT_FALSE(p.is_directory("/proc/self/status"));
    EXPECT_FALSE(p.is_directory("/nonexistent/path/for/spawn"));
    EXPECT_EQ(p.current_directory().front(), '/');
}

// -x without -M: many throwaway machines of one tree at once, as nspawn names
// them; the settings file keeps the tree's name.
TEST(Finalize, EphemeralMachinesGetARandomSuffix) {
    Config c;
    c.directory = "/srv/deb";
    c.ephemeral = true;
    ASSERT_TRUE(resolve_names(c, fake_fs({})).ok());
    EXPECT_EQ(c.machine, "deb");  // what the settings file is looked up by
    ASSERT_TRUE(finalize_config(c, fake_fs({})).ok());
    EXPECT_EQ(c.machine, "deb-0123456789abcdef");
    EXPECT_EQ(c.hostname, "deb-0123456789abcdef");
    Config named;
    named.directory = "/srv/deb";
    named.machine = "mine";
    named.ephemeral = true;
    ASSERT_TRUE(finalize_config(named, fake_fs({})).ok());
    EXPECT_EQ(named.machine, "mine");
}

// -i: the machine is named after the image; -M NAME alone finds NAME.raw in
// the search path when there is no directory NAME, as nspawn does.
TEST(Finalize, ImagesAreNamedAndFoundAsNspawnDoes) {
    Config c;
    c.image = "/srv/images/deb.raw";
    ASSERT_TRUE(finalize_config(c, fake_fs({})).ok());
    EXPECT_EQ(c.machine, "deb");
    EXPECT_TRUE(c.directory.empty());
    Config both;
    both.image = "/srv/deb.raw";
    both.directory = "/srv/deb";
    EXPECT_EQ(finalize_config(both, fake_fs({})).error().message(), "--directory= and --image= may not be combined.");
    Config by_name;
    by_name.machine = "web";
    FsProbe p = fake_fs({});
    p.is_file = [](const std::string& path) { return path == "/var/lib/container/web.raw"; };
    ASSERT_TRUE(finalize_config(by_name, p).ok());
    EXPECT_EQ(by_name.image, "/var/lib/container/web.raw");
    EXPECT_TRUE(by_name.directory.empty());
}
