// --resolv-conf and --timezone: each mode, checked inside the container (the
// file's content, the bind in the mount table, the link) and in the tree
// afterwards; and a guest whose /etc/resolv.conf, /etc/localtime or /etc
// point at a host path gets nothing written there. The host's side is varied
// in a private mount namespace (a copy of /etc bound over /etc), never
// changed.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "core_util.hpp"
#include "harness.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;

namespace {

const std::string kFakeResolv = "nameserver 192.0.2.53 # spawn-test\n";

// A copy of the host's /etc with resolv.conf and localtime of the test's
// choosing; run() runs argv with it bound over /etc in a private mount
// namespace of its own.
class HostEtc {
public:
    explicit HostEtc(const std::string& zone = "Europe/Berlin") {
        etc_ = dir_.path() / "etc";
        fs::create_directory(etc_);
        EXPECT_EQ(sh("cp -a /etc/. " + etc_.string() + "/").status, 0);
        fs::remove(etc_ / "resolv.conf");
        std::ofstream(etc_ / "resolv.conf") << kFakeResolv;
        fs::remove(etc_ / "localtime");
        fs::create_symlink("/usr/share/zoneinfo/" + zone, etc_ / "localtime");
    }
    RunResult run(std::vector<std::string> args) const {
        std::vector<std::string> argv = {"unshare", "-m", "--propagation", "private", "sh", "-c",
                                         "mount --bind \"$0\" /etc && exec \"$@\"", etc_.string(), spawn_bin(), "-q",
                                         "--register=no"};
        argv.insert(argv.end(), args.begin(), args.end());
        return spawn::test::run(argv);
    }
    std::string localtime_content() const { return read_file(etc_ / "localtime"); }

private:
    ScratchDir dir_;
    fs::path etc_;
};

bool link_at(const fs::path& p) { return fs::is_symlink(fs::symlink_status(p)); }

}  // namespace

TEST(EtcFiles, ResolvConfEachMode) {
    HostEtc host;
    struct Case {
        const char* mode;
        bool guest_symlink;  // the guest's /etc/resolv.conf is a symlink to ../run/resolv
        std::string inside;  // what the guest reads
        bool bound;          // a bind mount on /etc/resolv.conf
        std::string after;   // the tree's file afterwards ("<symlink>", "<none>", or content)
    };
    const std::string guest = "nameserver 198.51.100.1 # the guest's\n";
    const Case cases[] = {
        {"copy-host", false, kFakeResolv, false, kFakeResolv},
        {"copy-host", true, "", false, "<symlink>"},
        {"replace-host", true, kFakeResolv, false, kFakeResolv},
        {"bind-host", false, kFakeResolv, true, guest},
        {"delete", false, "", false, "<none>"},
        {"off", false, guest, false, guest},
        {"auto", false, kFakeResolv, false, kFakeResolv},
        {"copy-static", false, read_file("/usr/lib/systemd/resolv.conf"), false, read_file("/usr/lib/systemd/resolv.conf")},
    };
    for (const auto& c : cases) {
        TempTree t("busybox");
        auto file = t.path() / "etc/resolv.conf";
        fs::remove(file);
        if (c.guest_symlink)
            fs::create_symlink("../run/resolv", file);
        else
            std::ofstream(file) << guest;
        auto r = host.run({"-D", t.str(), std::string("--resolv-conf=") + c.mode, "/bin/sh", "-c",
                           "cat /etc/resolv.conf 2>/dev/null; echo ---; grep ' /etc/resolv.conf ' /proc/self/mountinfo; true"});
        ASSERT_EQ(r.status, 0) << c.mode << ": " << r.err;
        auto sep = r.out.find("---\n");
        ASSERT_NE(sep, std::string::npos) << c.mode << ": " << r.out << r.err;
        EXPECT_EQ(r.out.substr(0, sep), c.inside) << c.mode;
        EXPECT_EQ(r.out.size() > sep + 4, c.bound) << c.mode << ": " << r.out;
        std::string after = link_at(file) ? "<symlink>" : fs::exists(file) ? read_file(file) : "<none>";
        EXPECT_EQ(after, c.after) << c.mode;
        EXPECT_EQ(r.err, "") << c.mode;
    }
}

TEST(EtcFiles, ResolvConfAutoFollowsNetworkAndReadOnly) {
    HostEtc host;
    TempTree t("busybox");
    const std::string guest = "nameserver 198.51.100.1 # the guest's\n";
    std::ofstream(t.path() / "etc/resolv.conf") << guest;
    // A private network: the guest's own file.
    auto priv = host.run({"-D", t.str(), "--private-network", "cat", "/etc/resolv.conf"});
    EXPECT_EQ(priv.out, guest) << priv.err;
    // Read-only: the host's, bound (the tree is not written).
    auto ro = host.run({"-D", t.str(), "--read-only", "/bin/sh", "-c", "cat /etc/resolv.conf; grep -c ' /etc/resolv.conf ' /proc/self/mountinfo"});
    EXPECT_EQ(ro.out, kFakeResolv + "1\n") << ro.err;
    EXPECT_EQ(read_file(t.path() / "etc/resolv.conf"), guest);
    // A settings file's ResolvConf= takes effect like the option.
    std::ofstream(t.path().parent_path() / (t.path().filename().string() + ".nspawn")) << "[Exec]\nResolvConf=off\n";
    auto off = host.run({"-D", t.str(), "cat", "/etc/resolv.conf"});
    fs::remove(t.path().parent_path() / (t.path().filename().string() + ".nspawn"));
    EXPECT_EQ(off.out, guest) << off.err;
}

TEST(EtcFiles, TimezoneEachMode) {
    HostEtc host("Europe/Berlin");
    const std::string host_zone = host.localtime_content();
    ASSERT_FALSE(host_zone.empty()) << "no /usr/share/zoneinfo/Europe/Berlin on the host (tzdata)";
    struct Case {
        const char* mode;
        bool guest_has_zone;  // the tree has usr/share/zoneinfo/Europe/Berlin
        const char* link;     // expected readlink inside ("" = not a link)
        bool bound;
        bool same_content;    // the guest reads the host's zone file
        bool exists_after;
    };
    const Case cases[] = {
        {"symlink", true, "../usr/share/zoneinfo/Europe/Berlin", false, true, true},
        {"symlink", false, "", true, true, true},  // no such zone in the guest: bound instead
        {"auto", true, "../usr/share/zoneinfo/Europe/Berlin", false, true, true},
        {"copy", false, "", false, true, true},
        {"bind", false, "", true, true, true},
        {"delete", false, "", false, false, false},
        {"off", false, "", false, false, true},
    };
    for (const auto& c : cases) {
        TempTree t("busybox");
        std::ofstream(t.path() / "etc/localtime") << "the guest's zone\n";
        if (c.guest_has_zone) {
            fs::create_directories(t.path() / "usr/share/zoneinfo/Europe");
            fs::copy_file("/usr/share/zoneinfo/Europe/Berlin", t.path() / "usr/share/zoneinfo/Europe/Berlin");
        }
        auto r = host.run({"-D", t.str(), std::string("--timezone=") + c.mode, "/bin/sh", "-c",
                           "readlink /etc/localtime; echo ---; grep -c ' /etc/localtime ' /proc/self/mountinfo; "
                           "cat /etc/localtime 2>/dev/null | md5sum"});
        ASSERT_EQ(r.status, 0) << c.mode << ": " << r.err;
        std::istringstream in(r.out);
        std::string link, sep, count, sum;
        if (r.out.rfind("---", 0) != 0) std::getline(in, link);
        std::getline(in, sep);
        std::getline(in, count);
        std::getline(in, sum);
        EXPECT_EQ(link, c.link) << c.mode << "\n" << r.out;
        EXPECT_EQ(count == "1", c.bound) << c.mode << "\n" << r.out;
        auto host_sum = sh("md5sum < /usr/share/zoneinfo/Europe/Berlin").out;
        EXPECT_EQ(sum + "\n" == host_sum, c.same_content) << c.mode << "\n" << r.out;
        EXPECT_EQ(fs::exists(fs::symlink_status(t.path() / "etc/localtime")), c.exists_after) << c.mode;
        EXPECT_EQ(r.err, "") << c.mode;
    }
}

// The guest's /etc/resolv.conf and /etc/localtime point at a host file, and
// its /etc at a host directory: no mode writes to, binds over or removes
// anything of the host.
TEST(EtcFiles, GuestSymlinksNeverReachTheHost) {
    HostEtc host;
    ScratchDir victims;
    auto victim = victims.path() / "victim";
    auto write_victim = [&] { std::ofstream(victim) << "untouched\n"; };
    for (const char* mode : {"--resolv-conf=copy-host", "--resolv-conf=replace-host", "--resolv-conf=bind-host",
                             "--resolv-conf=delete", "--timezone=copy", "--timezone=bind", "--timezone=symlink",
                             "--timezone=delete"}) {
        write_victim();
        TempTree t("busybox");
        fs::remove(t.path() / "etc/resolv.conf");
        fs::create_symlink(victim, t.path() / "etc/resolv.conf");
        fs::create_symlink(victim, t.path() / "etc/localtime");
        auto r = host.run({"-D", t.str(), mode, "/bin/true"});
        EXPECT_EQ(r.status, 0) << mode << ": " << r.err;
        EXPECT_EQ(read_file(victim), "untouched\n") << mode;
        EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(victim))) << mode;
    }
    // /etc itself a symlink to a host directory: resolved inside the tree, where it does not exist.
    TempTree t("busybox");
    fs::rename(t.path() / "etc", t.path() / "etc.real");
    fs::create_symlink(victims.path(), t.path() / "etc");
    auto r = host.run({"-D", t.str(), "--resolv-conf=replace-host", "--timezone=copy", "/bin/true"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(std::distance(fs::directory_iterator(victims.path()), fs::directory_iterator()), 1) << "only the victim";
    EXPECT_EQ(read_file(victim), "untouched\n");
}

// Credentials: a read-only ramfs at /run/host/credentials, files 0400 of the
// container's root (also in a user namespace), $CREDENTIALS_DIRECTORY set;
// a credential that cannot be read stops the start before anything is set up.
TEST(Credentials, PassedAsNspawnPassesThem) {
    TempTree t("busybox");
    ScratchDir d;
    std::ofstream(d.path() / "secret") << "from a file";
    const char* probe =
        "echo $CREDENTIALS_DIRECTORY; cd /run/host/credentials && ls -ln | awk 'NR>1 {print $1, $3, $9}';"
        " cat one; echo; cat two; echo; grep ' /run/host/credentials ' /proc/self/mountinfo |"
        " awk '{for (i = 7; i <= NF; i++) if ($i == \"-\") {print $6, $(i + 1); break}}';"
        " echo x > three 2>/dev/null || echo read-only";
    for (bool userns : {false, true}) {
        std::vector<std::string> args = {"-D", t.str(), "--set-credential=one:a\\tb",
                                         "--load-credential=two:" + (d.path() / "secret").string(), "/bin/sh", "-c",
                                         probe};
        if (userns) args.insert(args.begin(), "-U");
        auto r = run(spawn_cmd(args));
        ASSERT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(r.out, "/run/host/credentials\n-r-------- 0 one\n-r-------- 0 two\na\tb\nfrom a file\n"
                         "ro,nosuid,nodev,noexec,relatime ramfs\nread-only\n")
            << (userns ? "-U" : "");
    }
    // Without credentials: no directory, no variable.
    auto none = run(spawn_cmd({"-D", t.str(), "/bin/sh", "-c", "echo [$CREDENTIALS_DIRECTORY]; ls /run/host/credentials 2>&1 | wc -l"}));
    EXPECT_EQ(none.out, "[]\n1\n");
    // Unreadable, a directory, too large: one line, nothing left.
    auto before = host_mount_points();
    std::ofstream(d.path() / "big") << std::string((1 << 20) + 1, 'x');
    for (auto [arg, expect] : std::vector<std::pair<std::string, std::string>>{
             {"--load-credential=x:" + (d.path() / "missing").string(), "cannot open"},
             {"--load-credential=x:" + d.str(), "is not a regular file"},
             {"--load-credential=x:" + (d.path() / "big").string(), "is larger than 1048576 bytes"}}) {
        auto r = run(spawn_cmd({"-D", t.str(), "-M", "credbad", arg, "/bin/true"}));
        EXPECT_EQ(r.status, 1) << arg;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_NE(r.err.find(expect), std::string::npos) << r.err;
        EXPECT_TRUE(machine_cgroups("credbad").empty());
        EXPECT_EQ(leaked_mounts(before, t.str()), std::vector<std::string>{});
    }
}
