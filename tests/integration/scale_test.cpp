// Scale: 50 machines started at once, registered with machined, each on a
// veth in one zone, all sharing one read-only tree. All are listed by mctl
// and by the real machinectl; all stopped at once leave nothing (no
// registration, cgroup, link or mount). In a network namespace of the test's
// own; the bus and machined come from the machined suite's fixture.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "bus_fixture.hpp"
#include "harness.hpp"
#include "netns_fixture.hpp"

using namespace spawn::test;
using namespace std::chrono_literals;

namespace {

constexpr int kMachines = 50;

// How many lines of LISTING name a machine starting with PREFIX.
int count_rows(const std::string& listing, const std::string& prefix) {
    int n = 0;
    size_t at = 0;
    while ((at = listing.find(prefix, at)) != std::string::npos) {
        if (at == 0 || listing[at - 1] == '\n' || listing[at - 1] == ' ') ++n;
        at += prefix.size();
    }
    return n;
}

// Scope directories of machines starting with PREFIX, in every hierarchy.
int machines_in_cgroups(const std::string& prefix) {
    auto r = sh("ls -d /sys/fs/cgroup/machine.slice/machine-" + prefix + "*.scope /sys/fs/cgroup/*/machine.slice/machine-" +
                prefix + "*.scope 2>/dev/null | wc -l");
    return std::stoi(r.out);
}

class Scale : public PrivateNetnsTest {};

}  // namespace

TEST_F(Scale, FiftyMachinesAtOnceAreListedAndLeaveNothing) {
    BusFixture::ensure_machined();
    TempTree t("busybox");
    const std::string prefix = "scale" + std::to_string(getpid()) + "-";
    auto mounts_before = host_mount_points();

    auto begin = std::chrono::steady_clock::now();
    std::vector<std::unique_ptr<BackgroundSpawn>> machines;
    for (int i = 0; i < kMachines; ++i)
        machines.push_back(std::make_unique<BackgroundSpawn>(std::vector<std::string>{
            "--register=yes", "--read-only", "-D", t.str(), "-M", prefix + std::to_string(i), "--network-zone=scl",
            "sleep", "1000"}));

    // Until mctl lists all of them.
    std::string listing;
    bool all = false;
    while (std::chrono::steady_clock::now() - begin < 180s) {
        auto r = run_mctl({"list", "--no-legend"});
        listing = r.out;
        if (count_rows(listing, prefix) == kMachines) {
            all = true;
            break;
        }
        std::this_thread::sleep_for(100ms);
    }
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin);
    ASSERT_TRUE(all) << count_rows(listing, prefix) << " of " << kMachines << " listed:\n" << listing;
    std::printf("[ scale    ] %d machines started and listed by mctl in %lld ms\n", kMachines,
                static_cast<long long>(took.count()));

    auto real = run(real_machinectl({"list", "--no-legend"}));
    EXPECT_EQ(real.status, 0) << real.err;
    EXPECT_EQ(count_rows(real.out, prefix), kMachines) << real.out;
    // One host-side link per machine on the zone's bridge.
    EXPECT_EQ(std::stoi(sh("ip -o link show master vz-scl | wc -l").out), kMachines);

    // All stopped at once.
    for (auto& m : machines) ::kill(m->pid(), SIGTERM);
    for (auto& m : machines) EXPECT_NE(m->stop(SIGTERM, 60000), -1);
    machines.clear();
    EXPECT_EQ(count_rows(run_mctl({"list", "--no-legend"}).out, prefix), 0);
    EXPECT_EQ(machines_in_cgroups(prefix), 0);
    EXPECT_FALSE(host_has_link("vz-scl"));
    EXPECT_EQ(sh("ip -o link show | grep -c 'vb-scale' || true").out, "0\n");
    EXPECT_TRUE(mounts_under(t.path()).empty());
    EXPECT_EQ(host_mount_points(), mounts_before);
}
