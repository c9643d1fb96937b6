// -x/--ephemeral, --volatile, --overlay(-ro) and --template on the busybox
// tree: what the container sees, that the tree is never written (its
// listing compared before and after), that nothing is left on the host (the
// mount table), even when spawn is killed, and that bad input stops first.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "core_util.hpp"
#include "harness.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;

namespace {

// The lines of one listing that the other lacks (empty when equal).
std::vector<std::string> changed(const std::string& before, const std::string& after) {
    auto a = lines_of(before), b = lines_of(after);
    std::vector<std::string> out;
    std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

}  // namespace

TEST(RootLayers, EphemeralWritesStayInTheContainer) {
    TempTree t("busybox");
    const std::string before = tree_listing(t.path());
    auto mounts = host_mount_points();
    auto r = run(spawn_cmd({"-x", "-D", t.str(), "/bin/sh", "-c",
                            "echo hi > /written && rm /etc/hostname; echo x >> /etc/passwd;"
                            " cat /written; test -e /etc/hostname || echo removed; hostname;"
                            " grep ' / ' /proc/mounts | cut -d' ' -f3"}));
    ASSERT_EQ(r.status, 0) << r.err;
    auto out = lines_of(r.out);
    ASSERT_EQ(out.size(), 4u) << r.out;
    EXPECT_EQ(out[0], "hi");
    EXPECT_EQ(out[1], "removed");
    EXPECT_EQ(out[2].rfind(t.path().filename().string() + "-", 0), 0u) << "the name gets a random suffix: " << out[2];
    EXPECT_EQ(out[2].size(), t.path().filename().string().size() + 17) << out[2];
    EXPECT_EQ(out[3], "overlay");
    EXPECT_EQ(changed(before, tree_listing(t.path())), std::vector<std::string>{}) << "the tree was written";
    EXPECT_EQ(leaked_mounts(mounts, t.str()), std::vector<std::string>{});
}

TEST(RootLayers, ManyEphemeralMachinesOfOneTreeAtOnceAndNothingLeftAfterSigkill) {
    TempTree t("busybox");
    const std::string before = tree_listing(t.path());
    auto mounts = host_mount_points();
    const std::string marker = "spawn-x-marker-" + std::to_string(getpid());
    Background a(spawn_cmd({"-x", "-D", t.str(), "/bin/sh", "-c", "echo a > /f; echo ready; sleep 1000; : " + marker}));
    Background b(spawn_cmd({"-x", "-D", t.str(), "/bin/sh", "-c", "echo b > /f; echo ready; sleep 1000; : " + marker}));
    // (Not the marker: spawn's own command line has it before spawn locks the tree.)
    ASSERT_TRUE(eventually([&] { return a.out() == "ready\n" && b.out() == "ready\n"; }, std::chrono::seconds(10)))
        << "both did not start: " << a.err() << b.err();
    // The tree is shared by throwaway machines and refused to one that writes it.
    auto w = run(spawn_cmd({"-D", t.str(), "true"}));
    EXPECT_NE(w.err.find("is currently busy"), std::string::npos) << w.err;
    kill(a.pid(), SIGKILL);
    kill(b.pid(), SIGKILL);
    EXPECT_EQ(a.wait(std::chrono::seconds(5)), 128 + SIGKILL);
    EXPECT_EQ(b.wait(std::chrono::seconds(5)), 128 + SIGKILL);
    EXPECT_TRUE(eventually([&] { return pids_with_marker(marker).empty(); }, std::chrono::seconds(2)));
    EXPECT_TRUE(mounts_under(t.path()).empty());
    EXPECT_EQ(leaked_mounts(mounts, t.str()), std::vector<std::string>{});
    EXPECT_EQ(changed(before, tree_listing(t.path())), std::vector<std::string>{}) << "the tree was written";
    auto again = run(spawn_cmd({"-D", t.str(), "echo", "again"}));
    EXPECT_EQ(again.out, "again\n") << again.err;
}

TEST(RootLayers, EveryVolatileModeKeepsTheTreeAsItWas) {
    TempTree t("busybox");
    const std::string before = tree_listing(t.path());
    struct Mode {
        const char* option;
        const char* root_fs;   // the file system type of /
        bool etc_writable;
        const char* usr;       // /usr's mount options start
    };
    for (Mode m : {Mode{"--volatile=yes", "tmpfs", true, "ro"}, Mode{"--volatile=state", "ext4|xfs|btrfs", false, ""},
                   Mode{"--volatile=overlay", "overlay", true, ""}, Mode{"--volatile", "tmpfs", true, "ro"}}) {
        SCOPED_TRACE(m.option);
        auto r = run(spawn_cmd({m.option, "-D", t.str(), "/bin/sh", "-c",
                                "echo x > /var/v && echo var; echo x > /etc/e 2>/dev/null && echo etc;"
                                " grep ' / ' /proc/mounts | cut -d' ' -f3; grep ' /usr ' /proc/mounts | cut -d' ' -f4;"
                                " ls /usr/bin/ > /dev/null && echo usr"}));
        ASSERT_EQ(r.status, 0) << r.err;
        auto out = lines_of(r.out);
        ASSERT_GE(out.size(), 3u) << r.out;
        EXPECT_EQ(out[0], "var");
        size_t i = 1;
        if (m.etc_writable) EXPECT_EQ(out[i++], "etc");
        else EXPECT_NE(out[i], "etc");
        ASSERT_LT(i, out.size()) << r.out;
        EXPECT_NE(std::string(m.root_fs).find(out[i]), std::string::npos) << "/ is " << out[i];
        if (*m.usr) {
            EXPECT_EQ(out[i + 1].rfind(m.usr, 0), 0u) << "/usr: " << out[i + 1];
        }
        EXPECT_EQ(out.back(), "usr");
        EXPECT_EQ(changed(before, tree_listing(t.path())), std::vector<std::string>{}) << "the tree was written";
    }
    EXPECT_TRUE(mounts_under(t.path()).empty());
}

// A throwaway root's memory is capped as nspawn caps it (systemd's
// TMPFS_LIMITS_ROOTFS: a quarter of RAM, 1M inodes): a guest writing to /
// (or to /var under state) stops at ENOSPC, not at the host's memory.
TEST(RootLayers, ThrowawayRootsAreCappedAtAQuarterOfMemoryAsNspawnCapsThem) {
    TempTree t("busybox");
    long long mem_kb = 0;
    {
        std::ifstream in("/proc/meminfo");
        std::string key;
        in >> key >> mem_kb;
        ASSERT_EQ(key, "MemTotal:");
    }
    for (auto [option, path] : {std::pair{"-x", "/"}, {"--volatile=yes", "/"}, {"--volatile=overlay", "/"},
                                {"--volatile=state", "/var"}}) {
        SCOPED_TRACE(option);
        auto r = run(spawn_cmd({option, "-D", t.str(), "/bin/stat", "-f", "-c", "%b %S %c", path}));
        ASSERT_EQ(r.status, 0) << r.err;
        long long blocks = 0, block_size = 0, inodes = 0;
        std::istringstream(r.out) >> blocks >> block_size >> inodes;
        // As the kernel takes size=25%: a quarter of RAM in bytes (rounded
        // down), then rounded up to whole pages.
        long long quarter = mem_kb * 1024 * 25 / 100;
        EXPECT_EQ(blocks * block_size, (quarter + 4095) / 4096 * 4096) << r.out << " MemTotal " << mem_kb << " kB";
        EXPECT_EQ(inodes, 1 << 20) << r.out;
    }
}

TEST(RootLayers, OverlaysStackHostAndTreeDirectories) {
    TempTree t("busybox");
    ScratchDir d;
    for (const char* dir : {"l1", "l2", "up"}) fs::create_directories(d.path() / dir);
    std::ofstream(d.path() / "l1/a") << "l1\n";
    std::ofstream(d.path() / "l1/only1") << "only1\n";
    std::ofstream(d.path() / "l2/a") << "l2\n";
    const std::string l1 = (d.path() / "l1").string(), l2 = (d.path() / "l2").string(), up = (d.path() / "up").string();
    fs::create_directories(t.path() / "mnt/rw");  // mount points are made in the tree, as for --bind
    fs::create_directories(t.path() / "mnt/ro");
    const std::string before = tree_listing(t.path());
    auto r = run(spawn_cmd({"-D", t.str(), "--overlay=" + l1 + ":" + l2 + ":" + up + ":/mnt/rw",
                            "--overlay-ro=" + l1 + ":" + l2 + ":/mnt/ro", "--overlay=+/etc::/etc", "/bin/sh", "-c",
                            "cat /mnt/rw/a /mnt/rw/only1; echo new > /mnt/rw/new; echo no > /mnt/ro/x 2>/dev/null || echo ro;"
                            " cat /mnt/ro/a; echo e > /etc/over && echo etc"}));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "l2\nonly1\nro\nl2\netc\n");
    EXPECT_EQ(read_file(d.path() / "up/new"), "new\n") << "the upper layer takes the writes";
    EXPECT_FALSE(fs::exists(d.path() / "l2/new"));
    EXPECT_EQ(changed(before, tree_listing(t.path())), std::vector<std::string>{}) << "an empty upper is a tmpfs: the tree stays as it was";
    EXPECT_TRUE(mounts_under(t.path()).empty());
}

TEST(RootLayers, TemplateMakesTheTreeOnceAsAFaithfulCopy) {
    TempTree tpl("busybox");
    // What a faithful copy keeps: a hard link, a device node, an extended
    // attribute, an owner and a set-ID mode.
    fs::create_directories(tpl.path() / "srv");
    std::ofstream(tpl.path() / "srv/one") << "data\n";
    ASSERT_EQ(link((tpl.path() / "srv/one").c_str(), (tpl.path() / "srv/two").c_str()), 0);
    ASSERT_EQ(mknod((tpl.path() / "srv/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
    ASSERT_EQ(setxattr((tpl.path() / "srv/one").c_str(), "user.spawn", "v", 1, 0), 0) << "user xattrs on this fs";
    ASSERT_EQ(chown((tpl.path() / "srv/one").c_str(), 1234, 5678), 0);
    ASSERT_EQ(chmod((tpl.path() / "srv/one").c_str(), 04755), 0);
    std::ofstream(tpl.path() / "etc/machine-id") << "0123456789abcdef0123456789abcdef\n";
    ScratchDir d;
    const fs::path tree = d.path() / "made/deb";
    auto mounts = host_mount_points();
    auto r = run(spawn_cmd({"--template=" + tpl.str(), "-D", tree.string(), "/bin/sh", "-c",
                            "echo first > /mark; wc -c < /etc/machine-id"}));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "0\n") << "the machine id is not copied";
    EXPECT_EQ(tree_listing(tree / "srv"), tree_listing(tpl.path() / "srv")) << "types, modes, owners, sizes, times, links";
    struct stat one {}, two {}, null {};
    ASSERT_EQ(stat((tree / "srv/one").c_str(), &one), 0);
    ASSERT_EQ(stat((tree / "srv/two").c_str(), &two), 0);
    ASSERT_EQ(stat((tree / "srv/null").c_str(), &null), 0);
    EXPECT_EQ(one.st_ino, two.st_ino) << "hard link kept";
    EXPECT_EQ(one.st_uid, 1234u);
    EXPECT_EQ(one.st_gid, 5678u);
    EXPECT_EQ(one.st_mode & 07777, 04755u);
    EXPECT_TRUE(S_ISCHR(null.st_mode) && null.st_rdev == makedev(1, 3));
    char v[4] = {};
    EXPECT_EQ(getxattr((tree / "srv/one").c_str(), "user.spawn", v, sizeof v), 1);
    EXPECT_EQ(std::string(v), "v");
    EXPECT_FALSE(fs::exists(d.path() / "made/.#deb.template")) << "the temporary copy is renamed away";
    // The second start uses the tree as it is.
    std::ofstream(tpl.path() / "etc/later") << "later\n";
    auto again = run(spawn_cmd({"--template=" + tpl.str(), "-D", tree.string(), "/bin/sh", "-c",
                                "cat /mark; test -e /etc/later || echo not-copied-again"}));
    EXPECT_EQ(again.out, "first\nnot-copied-again\n") << again.err;
    EXPECT_EQ(leaked_mounts(mounts, tree.string()), std::vector<std::string>{});
}

// Disk full: a template that does not fit the machines' file system (a
// 512 KiB tmpfs) is one line, and the partial copy and the lock go.
TEST(RootLayers, ATemplateThatDoesNotFitIsOneLineAndLeavesThePoolAsItWas) {
    TempTree tpl("busybox");
    ScratchDir d;
    const fs::path pool = d.path() / "pool";
    fs::create_directories(pool);
    ASSERT_EQ(sh("mount -t tmpfs -o size=512k spawn-test-full " + pool.string()).status, 0);
    struct Unmount {
        std::string dir;
        ~Unmount() { sh("umount " + dir); }
    } unmount{pool.string()};
    auto mounts = host_mount_points();
    auto r = run(spawn_cmd({"--template=" + tpl.str(), "-D", (pool / "m").string(), "true"}));
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("--template=" + tpl.str()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
    EXPECT_EQ(sh("ls -A " + pool.string()).out, "") << "a partial copy or a lock is left";
    EXPECT_EQ(leaked_mounts(mounts, pool.string()), std::vector<std::string>{});
}

TEST(RootLayers, BadInputIsOneLineAndLeavesNothing) {
    TempTree t("busybox");
    ScratchDir d;
    const std::string before = tree_listing(t.path());
    const std::string missing_tree = (d.path() / "never").string();
    struct Case {
        std::vector<std::string> args;
        std::string error;
    } cases[] = {
        {{"-x", "--template=" + t.str(), "-D", missing_tree, "true"}, "--ephemeral and --template= may not be combined."},
        {{"--template=/nonexistent-spawn-template", "-D", missing_tree, "true"},
         "--template=/nonexistent-spawn-template: No such file or directory"},
        {{"--volatile=sometimes", "-D", t.str(), "true"}, "Invalid --volatile: 'sometimes'"},
        {{"--overlay=/nonexistent-spawn-lower:/mnt", "-D", t.str(), "true"}, "/nonexistent-spawn-lower: No such file"},
        {{"--overlay=/a", "-D", t.str(), "true"}, "needs at least two colon-separated directories"},
        {{"-x", "-U", "--private-users-ownership=chown", "-D", t.str(), "true"}, "cannot be combined with --ephemeral"},
    };
    auto mounts = host_mount_points();
    for (const auto& c : cases) {
        auto r = run(spawn_cmd(c.args));
        EXPECT_EQ(r.status, 1) << c.args[0];
        EXPECT_NE(r.err.find(c.error), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    EXPECT_FALSE(fs::exists(missing_tree));
    EXPECT_TRUE(fs::is_empty(d.path())) << "no template copy or lock left";
    EXPECT_EQ(changed(before, tree_listing(t.path())), std::vector<std::string>{});
    EXPECT_EQ(leaked_mounts(mounts, t.str()), std::vector<std::string>{});
    auto ok = run(spawn_cmd({"-D", t.str(), "echo", "fine"}));
    EXPECT_EQ(ok.out, "fine\n") << "no lock left: " << ok.err;
}

// -x on a btrfs subvolume runs on a snapshot of it, as nspawn does, deleted
// afterwards; the snapshot of a killed start is removed by the next -x start.
TEST(RootLayers, EphemeralOnABtrfsSubvolumeRunsOnASnapshot) {
    if (read_file("/proc/filesystems").find("\tbtrfs\n") == std::string::npos) GTEST_SKIP() << "no btrfs in this kernel";
    if (sh("command -v mkfs.btrfs && command -v btrfs").status != 0) GTEST_SKIP() << "btrfs-progs missing";
    ScratchDir d;
    const fs::path img = d.path() / "btrfs.img", mnt = d.path() / "mnt", tree = mnt / "deb";
    fs::create_directories(mnt);
    auto made = sh("truncate -s 300M '" + img.string() + "' && mkfs.btrfs -q '" + img.string() + "' && mount -o loop '" +
                   img.string() + "' '" + mnt.string() + "' && btrfs subvolume create '" + tree.string() +
                   "' >/dev/null && tar -xf '" + fixture_tarball("busybox").string() + "' -C '" + tree.string() + "'");
    struct Unmount {
        fs::path p;
        ~Unmount() { sh("umount -l '" + p.string() + "'"); }
    } unmount{mnt};
    ASSERT_EQ(made.status, 0) << made.err;
    auto snapshots = [&] {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(mnt))
            if (e.path().filename().string().starts_with(".#spawn-x.")) out.push_back(e.path().filename().string());
        return out;
    };
    auto r = run(spawn_cmd({"-x", "-D", tree.string(), "/bin/sh", "-c",
                            "grep ' / ' /proc/mounts | cut -d' ' -f3; echo x > /written && echo wrote"}));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "btrfs\nwrote\n") << "a snapshot, not an overlay";
    EXPECT_FALSE(fs::exists(tree / "written"));
    EXPECT_EQ(snapshots(), std::vector<std::string>{}) << "the snapshot is deleted";

    const std::string marker = "spawn-btrfs-marker-" + std::to_string(getpid());
    Background bg(spawn_cmd({"-x", "-D", tree.string(), "/bin/sh", "-c", "echo ready; sleep 1000; : " + marker}));
    ASSERT_TRUE(eventually([&] { return bg.out() == "ready\n"; }, std::chrono::seconds(10))) << bg.err();
    EXPECT_EQ(snapshots().size(), 1u);
    // A writer of the tree is refused while the snapshot is taken from it.
    EXPECT_NE(run(spawn_cmd({"-D", tree.string(), "true"})).err.find("is currently busy"), std::string::npos);
    kill(bg.pid(), SIGKILL);
    EXPECT_EQ(bg.wait(std::chrono::seconds(5)), 128 + SIGKILL);
    EXPECT_TRUE(eventually([&] { return pids_with_marker(marker).empty(); }, std::chrono::seconds(5)));
    EXPECT_EQ(snapshots().size(), 1u) << "a killed start leaves its snapshot";
    auto next = run(spawn_cmd({"-x", "-D", tree.string(), "true"}));
    EXPECT_EQ(next.status, 0) << next.err;
    EXPECT_EQ(snapshots(), std::vector<std::string>{}) << "the next -x start removes it";

    // --template from a subvolume on the same file system: a snapshot of it.
    std::ofstream(tree / "etc/machine-id") << "0123456789abcdef0123456789abcdef\n";
    auto snap = run(spawn_cmd({"--template=" + tree.string(), "-D", (mnt / "made").string(), "/bin/sh", "-c",
                               "wc -c < /etc/machine-id"}));
    EXPECT_EQ(snap.out, "0\n") << snap.err;
    struct stat st {};
    ASSERT_EQ(stat((mnt / "made").c_str(), &st), 0);
    EXPECT_EQ(st.st_ino, 256u) << "the tree is a subvolume: a snapshot, not a copy";
}
