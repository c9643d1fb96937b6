// A fault at every stage of a start leaves nothing (issue 15). spawn built
// with -Dfault_injection=true (tools/test builds it so) names every point of
// a start where it has changed the host or the container's namespaces
// (util/fault.hpp). The walk learns the points of a start by recording one,
// then for each point: spawn made to fail there exits 1 with one line naming
// it, and spawn SIGKILLed there (stopped at the point first) is followed by a
// start of the same name and tree that works; both leave the host as it was:
// no mount, cgroup, link, nftables table, lock or state file under /run, UID
// range lock or machined registration more. A stage added later is walked
// as soon as it has a fault point.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "bus_fixture.hpp"
#include "core_util.hpp"
#include "harness.hpp"
#include "machined/registry.hpp"

using namespace spawn;
using namespace spawn::test;
namespace fs = std::filesystem;

namespace {

// Files below dir (recursively), but not the caches every start may fill.
void files_below(const fs::path& dir, std::vector<std::string>& out) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const std::string p = it->path().string();
        if (p.find("/seccomp") != std::string::npos || p.find("/log") != std::string::npos) continue;
        out.push_back(p);
    }
}

// What a start may change on the host, for one machine name.
struct HostState {
    std::vector<std::string> mounts, cgroups, links, nft_tables, run_files;
    bool registered = false;
};

// What `after` has that `before` has not, and the other way round: "" when equal.
std::string changes(const HostState& before, const HostState& after) {
    std::string out;
    auto diff = [&](const char* what, const std::vector<std::string>& a, const std::vector<std::string>& b) {
        for (const auto& x : b)
            if (std::find(a.begin(), a.end(), x) == a.end()) out += fmt::format("+{} {}\n", what, x);
        for (const auto& x : a)
            if (std::find(b.begin(), b.end(), x) == b.end()) out += fmt::format("-{} {}\n", what, x);
    };
    diff("mount", before.mounts, after.mounts);
    diff("cgroup", before.cgroups, after.cgroups);
    diff("link", before.links, after.links);
    diff("nft", before.nft_tables, after.nft_tables);
    diff("file", before.run_files, after.run_files);
    if (before.registered != after.registered) out += fmt::format("registered: {}\n", after.registered);
    return out;
}

HostState host_state(const std::string& name) {
    HostState s;
    s.mounts = host_mount_points();
    std::sort(s.mounts.begin(), s.mounts.end());
    const std::string scope = machined::scope_unit_name(name);
    std::error_code ec;
    for (const auto& h : fs::directory_iterator("/sys/fs/cgroup", ec)) {
        for (const fs::path& d : {h.path() / "machine.slice" / scope, fs::path("/sys/fs/cgroup/machine.slice") / scope})
            if (fs::exists(d, ec)) s.cgroups.push_back(d.string());
    }
    std::sort(s.cgroups.begin(), s.cgroups.end());
    s.cgroups.erase(std::unique(s.cgroups.begin(), s.cgroups.end()), s.cgroups.end());
    for (const auto& l : lines_of(sh("ip -o link show | cut -d: -f2 | cut -d@ -f1").out)) s.links.push_back(l);
    std::sort(s.links.begin(), s.links.end());
    s.nft_tables = lines_of(sh("nft list tables 2>/dev/null").out);
    std::sort(s.nft_tables.begin(), s.nft_tables.end());
    // The machine's own files (lock, state, port rules), the network locks and
    // the UID range locks; not the directories a first start makes.
    std::vector<std::string> files;
    files_below("/run/spawn", files);
    files_below("/run/systemd/nspawn-uid", files);
    for (const auto& f : files)
        if (f.find(name) != std::string::npos || f.starts_with("/run/spawn/network/") || f.starts_with("/run/systemd/nspawn-uid/"))
            s.run_files.push_back(f);
    std::sort(s.run_files.begin(), s.run_files.end());
    s.registered = machine_listed(name);
    return s;
}

// The points a start passes, in order, from a recorded run.
std::vector<std::string> record_points(const std::vector<std::string>& argv) {
    RunOptions o;
    o.env = {"SPAWN_FAULT_RECORD=1"};
    auto r = run(argv, o);
    EXPECT_EQ(r.status, 0) << "the recorded start failed: " << r.err;
    std::vector<std::string> points;
    const std::string prefix = "spawn: fault point ";
    for (const auto& l : lines_of(r.err))
        if (l.rfind(prefix, 0) == 0) points.push_back(l.substr(prefix.size()));
    return points;
}

const auto* const kBus = ::testing::AddGlobalTestEnvironment(new BusFixture);

class FaultWalk : public ::testing::Test {
protected:
    void SetUp() override { BusFixture::ensure_machined(); }

    // Walks every point of the start argv (without the spawn binary) for
    // machine name; `required` are points the start must have.
    void walk(const std::string& name, std::vector<std::string> args, const std::vector<std::string>& required) {
        std::vector<std::string> argv = {spawn_bin()};
        argv.insert(argv.end(), args.begin(), args.end());
        // A first start clears what an earlier killed run of the name left.
        auto first = run(argv);
        ASSERT_EQ(first.status, 0) << first.err;
        const HostState before = host_state(name);
        const auto points = record_points(argv);
        if (points.empty()) GTEST_SKIP() << "spawn was built without -Dfault_injection=true (tools/test builds it with it)";
        for (const auto& p : required)
            EXPECT_NE(std::find(points.begin(), points.end(), p), points.end()) << "no fault point " << p;
        EXPECT_EQ(changes(before, host_state(name)), "") << "the recorded start left something";

        for (const auto& point : points) {
            SCOPED_TRACE("fault point " + point);
            // Made to fail there: one line, status 1, nothing left.
            RunOptions o;
            o.env = {"SPAWN_FAULT=" + point};
            auto r = run(argv, o);
            EXPECT_EQ(r.status, 1) << r.err;
            EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
            EXPECT_NE(r.err.find(point + ": injected fault"), std::string::npos) << r.err;
            EXPECT_EQ(changes(before, host_state(name)), "");

            // SIGKILLed there: the next start of the name and tree works, and
            // then nothing is left.
            std::vector<std::string> stop = {"env", "SPAWN_FAULT_STOP=" + point};
            stop.insert(stop.end(), argv.begin(), argv.end());
            {
                Interactive s(stop);
                ASSERT_TRUE(s.wait_err("spawn: stopped at " + point + "\n", std::chrono::seconds(20))) << s.err();
                ::kill(s.pid(), SIGKILL);
                EXPECT_EQ(s.wait_exit(std::chrono::seconds(10)), 128 + SIGKILL);
            }
            // The killed container's processes die with spawn (parent-death
            // signal); its last ones may still hold its cgroup for a moment.
            RunResult next;
            EXPECT_TRUE(eventually([&] { return (next = run(argv)).status == 0; }, std::chrono::seconds(10)))
                << "the next start failed: " << next.err;
            EXPECT_EQ(changes(before, host_state(name)), "");
        }
    }
};

// An executable /sbin/init that ends at once: -b passes the boot stages.
void quick_init(const TempTree& t) {
    fs::path init = t.path() / "usr/sbin/init";
    fs::remove(init);
    std::ofstream(init) << "#!/bin/sh\necho booted\n";
    fs::permissions(init, fs::perms(0755));
}

}  // namespace

TEST_F(FaultWalk, BootedInAUserNamespaceWithNetworkPortsAndRegistration) {
    TempTree t("busybox");
    quick_init(t);
    walk("spawn-f-walk",
         {"-q", "-D", t.str(), "-M", "spawn-f-walk", "-b", "-U", "--network-veth", "--network-address=192.168.251.2/24",
          "-p", "tcp:18095:80", "--register=yes"},
         {"name lock", "tree lock", "uid range", "journal link", "notify relay", "cgroup", "idmapped tree",
          "user namespace maps", "clone", "network veth", "network port rules", "registration", "mount /dev", "mount /run",
          "mount /sys", "guest interface"});
}

TEST_F(FaultWalk, FromATemplateWithoutAUserNamespace) {
    TempTree golden("busybox");
    ScratchDir dir;
    const std::string tree = (dir.path() / "machine").string();
    walk("spawn-f-tmpl",
         {"-q", "-D", tree, "--template=" + golden.str(), "-M", "spawn-f-tmpl", "--network-veth", "--register=yes",
          "--read-only", "--bind-ro=/etc:/mnt", "--tmpfs=/scratch", "/bin/true"},
         {"name lock", "tree lock", "cgroup", "clone", "network veth", "registration", "mount /proc", "mount /mnt",
          "mount /scratch"});
}

TEST_F(FaultWalk, AnyStartClearsWhatAKilledMachineLeft) {
    TempTree a("busybox"), b("busybox");
    const std::string dead = "spawn-f-dead";
    const HostState before = host_state(dead);
    {
        Interactive s({spawn_bin(), "-q", "-D", a.str(), "-M", dead, "-U", "--register=no", "/bin/sh", "-c",
                       "echo ready; sleep 1000"});
        ASSERT_TRUE(s.wait_out("ready\n", std::chrono::seconds(20))) << s.err();
        ::kill(s.pid(), SIGKILL);
        EXPECT_EQ(s.wait_exit(std::chrono::seconds(10)), 128 + SIGKILL);
    }
    // Its scope cgroups, its name lock and its UID range lock are left...
    const std::string left = changes(before, host_state(dead));
    EXPECT_NE(left.find("+cgroup "), std::string::npos) << left;
    EXPECT_NE(left.find("+file /run/spawn/names/" + dead + ".lock"), std::string::npos) << left;
    EXPECT_NE(left.find("+file /run/systemd/nspawn-uid/"), std::string::npos) << left;
    // ...until another machine starts.
    RunResult other;
    EXPECT_TRUE(eventually([&] { return (other = run({spawn_bin(), "-q", "-D", b.str(), "-M", "spawn-f-other", "/bin/true"})).status == 0 &&
                                        changes(before, host_state(dead)).empty(); },
                           std::chrono::seconds(10)))
        << other.err << changes(before, host_state(dead));
}

namespace {

// The fd count and VmRSS (kB) of the systemd-machined on the bus.
std::pair<size_t, long> machined_fds_and_rss() {
    const std::string pid = sh("pgrep -o -x systemd-machine").out;  // (comm: 15 characters)
    if (pid.empty()) return {0, 0};
    const std::string p = "/proc/" + pid.substr(0, pid.size() - 1);
    size_t fds = 0;
    std::error_code ec;
    for (auto it = fs::directory_iterator(p + "/fd", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) ++fds;
    long rss = 0;
    for (const auto& l : lines_of(read_file(p + "/status")))
        if (l.rfind("VmRSS:", 0) == 0) rss = std::stol(l.substr(6));
    return {fds, rss};
}

}  // namespace

// 500 starts and stops of one name, registered, on a veth: nothing
// accumulates on the host (mounts, cgroups, links, nftables tables, /run
// files, UID range locks) and machined's fds and memory stay flat.
TEST_F(FaultWalk, FiveHundredStartsOfOneNameLeaveNothingBehind) {
    TempTree t("busybox");
    const std::string name = "spawn-f-cycle";
    const std::vector<std::string> argv = {spawn_bin(), "-q", "-D", t.str(), "-M", name, "--register=yes", "--network-veth",
                                           "/bin/true"};
    for (int i = 0; i < 20; ++i) ASSERT_EQ(run(argv).status, 0);  // warm-up: machined's caches, the filter cache
    const HostState before = host_state(name);
    const auto [fds_before, rss_before] = machined_fds_and_rss();
    ASSERT_GT(fds_before, 0u) << "systemd-machined not found";
    for (int i = 0; i < 500; ++i) {
        auto r = run(argv);
        ASSERT_EQ(r.status, 0) << "start " << i << ": " << r.err;
    }
    EXPECT_EQ(changes(before, host_state(name)), "");
    const auto [fds_after, rss_after] = machined_fds_and_rss();
    EXPECT_LE(fds_after, fds_before + 2) << "machined's fds grew";
    EXPECT_LE(rss_after, rss_before + 2048) << "machined's RSS grew (kB)";
    std::printf("[ cycles   ] 500 starts: machined fds %zu -> %zu, RSS %ld -> %ld kB\n", fds_before, fds_after, rss_before,
                rss_after);
}
