// Settings files (.spawn/.nspawn): every place spawn looks, every --settings
// mode, an untrusted file trying each privileged key, malformed files. Each
// outcome is checked inside the container (environment, hostname, binds,
// network, capabilities, limits) or on the host (nothing left behind).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core_util.hpp"
#include "harness.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;

namespace {

std::string tree_name(const TempTree& t) { return t.path().filename().string(); }

// A settings file written for the test and removed after it.
class SettingsFileAt {
public:
    SettingsFileAt(fs::path path, const std::string& text) : path_(std::move(path)) {
        fs::create_directories(path_.parent_path());
        std::ofstream(path_) << text;
    }
    ~SettingsFileAt() {
        std::error_code ec;
        fs::remove(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

fs::path in_etc(const TempTree& t, const char* ext = ".nspawn") {
    return fs::path("/etc/systemd/nspawn") / (tree_name(t) + ext);
}
fs::path in_run(const TempTree& t, const char* ext = ".nspawn") {
    return fs::path("/run/systemd/nspawn") / (tree_name(t) + ext);
}
fs::path beside(const TempTree& t, const char* ext = ".nspawn") {
    return t.path().parent_path() / (tree_name(t) + ext);
}


size_t count_lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

// What the container sees of each section of the test file.
const char* kProbe =
    "echo env=$FROM_FILE; echo host=$(hostname); echo bind=$(cat /mnt/fromfile/marker 2>/dev/null);"
    " echo links=$(ls /sys/class/net | tr '\\n' ' ')";

std::string every_section(const ScratchDir& data) {
    return "[Exec]\nEnvironment=FROM_FILE=yes\nHostname=fromfile\n"
           "[Files]\nBindReadOnly=" + data.str() + ":/mnt/fromfile\n"
           "[Network]\nPrivate=yes\n";
}

// A host directory holding "marker" (the test's bind source).
struct MarkedDir : ScratchDir {
    MarkedDir() { std::ofstream(path() / "marker") << "marked\n"; }
};

}  // namespace

TEST(Settings, TrustedPlacesApplyEverySection) {
    TempTree t("busybox");
    MarkedDir data;
    for (const auto& where : {in_etc(t), in_run(t)}) {
        SettingsFileAt f(where, every_section(data));
        auto r = run(spawn_cmd({"-D", t.str(), "/bin/sh", "-c", kProbe}));
        ASSERT_EQ(r.status, 0) << where << ": " << r.err;
        EXPECT_EQ(lines_of(r.out), (std::vector<std::string>{"env=yes", "host=fromfile", "bind=marked", "links=lo"}))
            << where;
        EXPECT_EQ(r.err, "") << where;
    }
}

TEST(Settings, FileBesideTheTreeIsUntrustedUnlessSaidSo) {
    TempTree t("busybox");
    MarkedDir data;
    SettingsFileAt f(beside(t), every_section(data));
    // Default: the harmless keys apply; the bind and the network are ignored with a warning each.
    auto r = run(spawn_cmd({"-D", t.str(), "/bin/sh", "-c", kProbe}));
    ASSERT_EQ(r.status, 0) << r.err;
    auto out = lines_of(r.out);
    ASSERT_EQ(out.size(), 4u) << r.out;
    EXPECT_EQ(out[0], "env=yes");
    EXPECT_EQ(out[1], "host=fromfile");
    EXPECT_EQ(out[2], "bind=");
    EXPECT_NE(out[3], "links=lo");  // the host's network
    EXPECT_NE(r.err.find("Ignoring BindReadOnly= in " + f.path().string() + ": the file is not trusted"),
              std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Ignoring Private= in " + f.path().string()), std::string::npos) << r.err;
    EXPECT_EQ(count_lines(r.err), 2u) << r.err;
    // --settings=trusted: all of it.
    auto tr = run(spawn_cmd({"--settings=trusted", "-D", t.str(), "/bin/sh", "-c", kProbe}));
    ASSERT_EQ(tr.status, 0) << tr.err;
    EXPECT_EQ(lines_of(tr.out), (std::vector<std::string>{"env=yes", "host=fromfile", "bind=marked", "links=lo"}));
    EXPECT_EQ(tr.err, "");
}

TEST(Settings, WhichFileWins) {
    TempTree t("busybox");
    SettingsFileAt b(beside(t), "[Exec]\nHostname=beside\n");
    auto host = [&] {
        auto r = run(spawn_cmd({"-D", t.str(), "hostname"}));
        EXPECT_EQ(r.status, 0) << r.err;
        return r.out;
    };
    EXPECT_EQ(host(), "beside\n");
    {
        SettingsFileAt run_file(in_run(t), "[Exec]\nHostname=run\n");
        EXPECT_EQ(host(), "run\n");
        {
            SettingsFileAt etc_file(in_etc(t), "[Exec]\nHostname=etc\n");
            EXPECT_EQ(host(), "etc\n");
            SettingsFileAt etc_spawn(in_etc(t, ".spawn"), "[Exec]\nHostname=etc-spawn\n");
            EXPECT_EQ(host(), "etc-spawn\n");  // .spawn before .nspawn in one place
        }
        SettingsFileAt run_spawn(in_run(t, ".spawn"), "[Exec]\nHostname=run-spawn\n");
        EXPECT_EQ(host(), "run-spawn\n");
    }
    // -M names the file: another machine name, another file.
    auto other = run(spawn_cmd({"-D", t.str(), "-M", "settings-other", "hostname"}));
    EXPECT_EQ(other.out, "settings-other\n") << other.err;
}

TEST(Settings, EachModeDecidesWhoWins) {
    TempTree t("busybox");
    MarkedDir data;
    SettingsFileAt f(in_run(t), every_section(data) + "[Exec]\nBoot=no\nParameters=/bin/echo from-file\n");
    auto go = [&](std::vector<std::string> extra) {
        std::vector<std::string> args = {"-D", t.str(), "--hostname=cmdline"};
        args.insert(args.end(), extra.begin(), extra.end());
        return run(spawn_cmd(args));
    };
    // yes (the default): the command line's hostname and command win; the rest is the file's.
    auto yes = go({"--settings=yes", "/bin/sh", "-c", kProbe});
    ASSERT_EQ(yes.status, 0) << yes.err;
    EXPECT_EQ(lines_of(yes.out), (std::vector<std::string>{"env=yes", "host=cmdline", "bind=marked", "links=lo"}));
    // override: the file's hostname, and its Parameters= replace the command.
    auto over = go({"--settings=override", "/bin/sh", "-c", kProbe});
    ASSERT_EQ(over.status, 0) << over.err;
    EXPECT_EQ(over.out, "from-file\n");
    // no: the file is not read at all.
    auto no = go({"--settings=no", "/bin/sh", "-c", kProbe});
    ASSERT_EQ(no.status, 0) << no.err;
    auto out = lines_of(no.out);
    ASSERT_EQ(out.size(), 4u);
    EXPECT_EQ(out[0], "env=");
    EXPECT_EQ(out[1], "host=cmdline");
    EXPECT_EQ(out[2], "bind=");
    EXPECT_NE(out[3], "links=lo");
    // Without a command, the file's Parameters= run.
    auto params = run(spawn_cmd({"-D", t.str()}));
    EXPECT_EQ(params.out, "from-file\n") << params.err;
}

TEST(Settings, OverrideFileHostnameBeatsTheCommandLine) {
    TempTree t("busybox");
    SettingsFileAt f(in_run(t), "[Exec]\nHostname=fromfile\n");
    auto r = run(spawn_cmd({"--settings=override", "-D", t.str(), "--hostname=cmdline", "hostname"}));
    EXPECT_EQ(r.out, "fromfile\n") << r.err;
    auto y = run(spawn_cmd({"-D", t.str(), "--hostname=cmdline", "hostname"}));
    EXPECT_EQ(y.out, "cmdline\n") << y.err;
}

// An untrusted file (beside the tree) trying every key that would raise
// privilege or reach the host: the container starts without any of it, and
// each key gets one warning naming it and the file.
TEST(Settings, UntrustedFileTryingEachPrivilegedKeyGetsNone) {
    TempTree t("busybox");
    MarkedDir data;
    SettingsFileAt f(beside(t), "[Exec]\n"
                                "Capability=CAP_SYS_MODULE\n"
                                "AmbientCapability=CAP_SYS_MODULE\n"
                                "LimitNOFILE=77777\n"
                                "OOMScoreAdjust=-999\n"
                                "CPUAffinity=0\n"
                                "MachineID=0123456789abcdef0123456789abcdef\n"
                                "PrivateUsers=pick\n"
                                "SystemCallFilter=@mount\n"
                                "LinkJournal=host\n"
                                "PivotRoot=/bin\n"
                                "Ephemeral=yes\n"
                                "[Files]\n"
                                "Bind=" + data.str() + ":/mnt/fromfile\n"
                                "BindReadOnly=/etc:/mnt/hostetc\n"
                                "TemporaryFileSystem=/mnt/tmpfs\n"
                                "Inaccessible=/bin\n"
                                "Overlay=/usr:/mnt/ov\n"
                                "BindUser=root\n"
                                "PrivateUsersOwnership=chown\n"
                                "[Network]\n"
                                "Interface=lo\n"
                                "MACVLAN=lo\n"
                                "Bridge=br-nope\n"
                                "Zone=nope\n"
                                "VirtualEthernet=yes\n"
                                "VirtualEthernetExtra=vx-nope\n"
                                "Port=8080\n"
                                "Private=yes\n");
    auto r = run(spawn_cmd({"-D", t.str(), "/bin/sh", "-c",
                            "grep ^CapBnd /proc/self/status; ulimit -n; cat /proc/self/oom_score_adj;"
                            " cat /proc/self/uid_map; echo mnt=$(ls /mnt 2>/dev/null); echo links=$(ls /sys/class/net | tr '\\n' ' ')"}));
    ASSERT_EQ(r.status, 0) << r.err;
    auto out = lines_of(r.out);
    ASSERT_EQ(out.size(), 6u) << r.out;
    unsigned long long capbnd = std::stoull(out[0].substr(out[0].find('\t') + 1), nullptr, 16);
    EXPECT_EQ(capbnd & (1ull << 16), 0u) << "CAP_SYS_MODULE kept: " << out[0];
    EXPECT_NE(out[1], "77777");
    EXPECT_EQ(out[2], "0");
    EXPECT_NE(out[3].find("0          0 4294967295"), std::string::npos) << "a user namespace: " << out[3];
    EXPECT_EQ(out[4], "mnt=");  // no bind, no tmpfs, no overlay
    EXPECT_NE(out[5], "links=lo");
    for (const char* key : {"Capability", "AmbientCapability", "LimitNOFILE", "OOMScoreAdjust", "CPUAffinity",
                            "MachineID", "PrivateUsers", "SystemCallFilter", "LinkJournal", "PivotRoot", "Ephemeral",
                            "Bind", "BindReadOnly", "TemporaryFileSystem", "Inaccessible", "Overlay", "BindUser",
                            "PrivateUsersOwnership", "Interface", "MACVLAN", "Bridge", "Zone", "VirtualEthernet",
                            "VirtualEthernetExtra", "Port", "Private"})
        EXPECT_NE(r.err.find(std::string("Ignoring ") + key + "= in " + f.path().string() + ":"), std::string::npos)
            << key << "\n" << r.err;
    EXPECT_EQ(count_lines(r.err), 26u) << r.err;
}

// A bad file stops the start before anything is set up: one line naming the
// file (and the line and key where there is one), exit 1, no mount and no
// cgroup left.
TEST(Settings, MalformedFilesAreOneLineAndLeaveNothing) {
    TempTree t("busybox");
    const std::string name = tree_name(t);
    auto before = host_mount_points();
    struct Case {
        std::string what, text, expect;
    };
    std::string big(10 << 20, 'x');
    const Case cases[] = {
        {"bad value", "[Exec]\nHostname=ok\nKillSignal=SIGNOPE\n", ":3: KillSignal=SIGNOPE: Invalid --kill-signal"},
        {"bad boolean", "[Files]\nReadOnly=perhaps\n", ":2: ReadOnly=perhaps: 'perhaps' is not a boolean"},
        {"not a key line", "[Exec]\nHostname\n", ":2: expected KEY=VALUE or [Section], got 'Hostname'"},
        {"binary garbage", std::string("[Exec]\nBoot=yes\n\x7f" "ELF\x02\x01\x01\x00\x00\xff", 26),
         ":3: not a settings file (binary data"},
        {"10 MB", "[Exec]\n#" + big + "\n", " is too large ("},
    };
    for (const auto& c : cases) {
        SettingsFileAt f(in_run(t), c.text);
        auto r = run(spawn_cmd({"-D", t.str(), "/bin/true"}));
        EXPECT_EQ(r.status, 1) << c.what;
        EXPECT_EQ(count_lines(r.err), 1u) << c.what << ": " << r.err;
        EXPECT_NE(r.err.find(f.path().string()), std::string::npos) << c.what << ": " << r.err;
        EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.what << ": " << r.err;
        EXPECT_TRUE(leaked_mounts(before, t.str()).empty()) << c.what;
        EXPECT_TRUE(machine_cgroups(name).empty()) << c.what;
    }
    // Unknown sections and keys: a warning with file:line each, and the container runs.
    SettingsFileAt f(in_run(t), "[Exec]\nFrobnicate=1\n[Wat]\nX=1\n[Exec]\nHostname=still\n");
    auto r = run(spawn_cmd({"-D", t.str(), "hostname"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "still\n");
    EXPECT_EQ(r.err, "spawn: warning: " + f.path().string() + ":2: Unknown key 'Frobnicate' in section [Exec], ignoring.\n"
                     "spawn: warning: " + f.path().string() + ":3: Unknown section 'Wat'. Ignoring.\n");
}

TEST(Settings, SomethingElseInPlaceOfTheFileIsRefusedWithoutHanging) {
    TempTree t("busybox");
    auto p = in_run(t);
    fs::create_directories(p.parent_path());
    ASSERT_EQ(mkfifo(p.c_str(), 0600), 0);
    RunOptions o;
    o.timeout = std::chrono::seconds(30);
    auto r = run(spawn_cmd({"-D", t.str(), "/bin/true"}), o);
    fs::remove(p);
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "spawn: Settings file " + p.string() + " is not a regular file\n");
    fs::create_directory(p);
    auto d = run(spawn_cmd({"-D", t.str(), "/bin/true"}), o);
    fs::remove(p);
    EXPECT_EQ(d.status, 1);
    EXPECT_EQ(d.err, "spawn: Settings file " + p.string() + " is not a regular file\n");
}

// spawn@.service's own command line (--settings=override) with a settings
// file that turns the boot into a command and the veth off: the file wins, as
// it does for systemd-nspawn@.service.
TEST(Settings, TheUnitsCommandLineLetsTheFileWin) {
    const char* root = getenv("SPAWN_SOURCE_ROOT");
    if (!root) GTEST_SKIP() << "SPAWN_SOURCE_ROOT is not set (run under meson test)";
    std::string unit = read_file(fs::path(root) / "units/spawn@.service.in");
    auto at = unit.find("ExecStart=@BINDIR@/spawn ");
    ASSERT_NE(at, std::string::npos);
    auto line = unit.substr(at, unit.find('\n', at) - at);
    TempTree t("busybox");
    std::vector<std::string> args = {spawn_bin()};
    std::istringstream words(line.substr(line.find(' ') + 1));
    for (std::string w; words >> w;) {
        if (w == "--keep-unit") continue;  // needs the service's own unit
        if (w == "--machine=%i") w = "--machine=" + tree_name(t);
        args.push_back(w);
    }
    ASSERT_NE(std::find(args.begin(), args.end(), "--settings=override"), args.end()) << line;
    args.insert(args.begin() + 1, {"--register=no", "-D", t.str()});
    SettingsFileAt f(in_run(t), "[Exec]\nBoot=no\nParameters=/bin/sh -c \"echo ran; ls /sys/class/net\"\n"
                                "[Network]\nVirtualEthernet=no\n");
    auto r = run(args);
    EXPECT_EQ(r.status, 0) << r.err;
    auto out = lines_of(r.out);
    ASSERT_FALSE(out.empty()) << r.err;
    EXPECT_EQ(out[0], "ran");
    // VirtualEthernet=no replaced the unit's --network-veth: no host0.
    EXPECT_EQ(std::find(out.begin(), out.end(), "host0"), out.end()) << r.out;
    EXPECT_NE(std::find(out.begin(), out.end(), "lo"), out.end()) << r.out;
}

// Beside the tree a symlink is not followed: whoever owns that directory
// could point it at any file root can read, and have spawn quote it. In the
// trusted places (root's own) it is.
TEST(Settings, SymlinkBesideTheTreeIsNotFollowed) {
    TempTree t("busybox");
    ScratchDir d;
    auto target = d.path() / "real.nspawn";
    std::ofstream(target) << "[Exec]\nHostname=vialink\n";
    auto link = beside(t);
    fs::create_symlink(target, link);
    auto r = run(spawn_cmd({"-D", t.str(), "hostname"}));
    fs::remove(link);
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "spawn: Settings file " + link.string() +
                         " is a symbolic link; not following it beside the tree (put the file itself there, or in "
                         "/etc/systemd/nspawn/)\n");
    fs::create_directories(in_run(t).parent_path());
    fs::create_symlink(target, in_run(t));
    auto ok = run(spawn_cmd({"-D", t.str(), "hostname"}));
    fs::remove(in_run(t));
    EXPECT_EQ(ok.out, "vialink\n") << ok.err;
}

// spawn reads its command line and settings file again when its monitor
// execs it back at the machine's end (spawn/monitor_stage.hpp). A file made
// malformed meanwhile: the error line, and still the exit the start decided
// (from the monitor's record), with nothing left.
TEST(Settings, AFileBrokenWhileTheMachineRunsDoesNotStopItsTeardown) {
    TempTree t("busybox");
    const std::string name = tree_name(t);
    SettingsFileAt f(in_run(t), "[Exec]\nHostname=fromfile\n");
    Interactive s(spawn_cmd({"-D", t.str(), "/bin/sh", "-c", "hostname; read code; exit $code"}));
    ASSERT_TRUE(s.wait_out("fromfile\n", std::chrono::seconds(20))) << s.err();
    // Once spawn is its monitor (the file is read again only after that).
    const std::string exe = "/proc/" + std::to_string(s.pid()) + "/exe";
    ASSERT_TRUE(eventually([&] {
        std::error_code ec;
        return fs::read_symlink(exe, ec).string().rfind("/memfd:spawn-monitor", 0) == 0;
    }, std::chrono::seconds(10)));
    std::ofstream(f.path()) << "[Exec]\nKillSignal=SIGNOPE\n";
    s.write("3\n");
    EXPECT_EQ(s.wait_exit(std::chrono::seconds(20)), 3) << s.err();
    EXPECT_EQ(count_lines(s.err()), 1u) << s.err();
    EXPECT_NE(s.err().find("KillSignal=SIGNOPE"), std::string::npos) << s.err();
    EXPECT_TRUE(machine_cgroups(name).empty());
    EXPECT_FALSE(fs::exists("/run/spawn/names/" + name + ".lock"));
}
