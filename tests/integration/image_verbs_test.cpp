// mctl clone, rename, read-only and remove on real images in
// /var/lib/machines (and, in a private mount namespace, on a loop-mounted
// btrfs pool there): what each leaves (compared by listing), the settings
// file following the image, an image in use refused, and bad input.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "core_util.hpp"
#include "harness.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;

namespace {

const fs::path kPool = "/var/lib/machines";

RunResult mctl(std::vector<std::string> args) {
    args.insert(args.begin(), mctl_bin());
    return run(args);
}

// The RO column of list-images for name ("" when not listed).
std::string ro_of(const std::string& name) {
    auto l = mctl({"list-images", "--no-legend"});
    std::istringstream in(l.out);
    for (std::string line; std::getline(in, line);) {
        std::istringstream w(line);
        std::string n, type, ro;
        w >> n >> type >> ro;
        if (n == name) return ro;
    }
    return "";
}

// Unique image names in the pool, removed afterwards whatever happens.
struct PoolNames {
    std::string a, b, c, d;
    PoolNames() {
        const std::string p = "spawn-t-iv" + std::to_string(getpid()) + "-";
        a = p + "a", b = p + "b", c = p + "c", d = p + "d";
    }
    ~PoolNames() {
        for (const auto& n : {a, b, c, d}) {
            sh("chattr -i '" + (kPool / n).string() + "' 2>/dev/null; rm -rf '" + (kPool / n).string() + "' '" +
               (kPool / (n + ".raw")).string() + "' '" + (kPool / (n + ".nspawn")).string() + "'");
        }
    }
};

}  // namespace

TEST(ImageVerbs, CloneRenameReadOnlyAndRemoveADirectoryImage) {
    PoolNames n;
    fs::create_directories(kPool / n.a);
    ASSERT_EQ(sh("tar -xf '" + fixture_tarball("busybox").string() + "' -C '" + (kPool / n.a).string() + "'").status, 0);
    std::ofstream(kPool / (n.a + ".nspawn")) << "[Exec]\nHostname=cloned\n";
    const std::string original = tree_listing(kPool / n.a);

    auto c = mctl({"clone", n.a, n.b});
    ASSERT_EQ(c.status, 0) << c.err;
    EXPECT_EQ(tree_listing(kPool / n.b), original) << "a faithful copy";
    EXPECT_EQ(read_file(kPool / (n.b + ".nspawn")), "[Exec]\nHostname=cloned\n") << "the settings file follows";
    EXPECT_FALSE(fs::exists(kPool / (".#" + n.b + ".clone")));
    EXPECT_EQ(ro_of(n.b), "no");

    ASSERT_EQ(mctl({"clone", "--read-only", n.a, n.c}).status, 0);
    EXPECT_EQ(ro_of(n.c), "yes");
    ASSERT_EQ(mctl({"read-only", n.b}).status, 0);
    EXPECT_EQ(ro_of(n.b), "yes");
    ASSERT_EQ(mctl({"read-only", n.b, "no"}).status, 0);
    EXPECT_EQ(ro_of(n.b), "no");

    ASSERT_EQ(mctl({"read-only", n.b}).status, 0);
    auto r = mctl({"rename", n.b, n.d});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(fs::exists(kPool / n.b));
    EXPECT_TRUE(fs::exists(kPool / (n.d + ".nspawn")));
    EXPECT_EQ(ro_of(n.d), "yes") << "a read-only image stays read-only when renamed";

    auto rm = mctl({"remove", n.c, n.d});
    EXPECT_EQ(rm.status, 0) << rm.err;
    EXPECT_FALSE(fs::exists(kPool / n.c));
    EXPECT_FALSE(fs::exists(kPool / n.d));
    EXPECT_FALSE(fs::exists(kPool / (n.d + ".nspawn")));
    EXPECT_EQ(tree_listing(kPool / n.a), original) << "the source is untouched";
}

TEST(ImageVerbs, RawImages) {
    PoolNames n;
    ASSERT_EQ(sh("head -c 3000000 /dev/urandom > '" + (kPool / (n.a + ".raw")).string() + "'").status, 0);
    ASSERT_EQ(mctl({"clone", n.a, n.b}).status, 0);
    EXPECT_EQ(sh("cmp '" + (kPool / (n.a + ".raw")).string() + "' '" + (kPool / (n.b + ".raw")).string() + "'").status, 0);
    ASSERT_EQ(mctl({"read-only", n.b}).status, 0);
    struct stat st {};
    ASSERT_EQ(stat((kPool / (n.b + ".raw")).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0444u);
    EXPECT_EQ(ro_of(n.b), "yes");
    ASSERT_EQ(mctl({"remove", n.b}).status, 0);
    EXPECT_FALSE(fs::exists(kPool / (n.b + ".raw")));
}

TEST(ImageVerbs, AnImageInUseIsLeftAlone) {
    PoolNames n;
    fs::create_directories(kPool / n.a);
    ASSERT_EQ(sh("tar -xf '" + fixture_tarball("busybox").string() + "' -C '" + (kPool / n.a).string() + "'").status, 0);
    const std::string marker = "spawn-iv-marker-" + std::to_string(getpid());
    Background bg(spawn_cmd({"-D", (kPool / n.a).string(), "/bin/sh", "-c", "echo ready; sleep 1000; : " + marker}));
    // (Not the marker: spawn's own command line has it before spawn locks the tree.)
    ASSERT_TRUE(eventually([&] { return bg.out() == "ready\n"; }, std::chrono::seconds(10))) << bg.err();
    const std::string busy = "mctl: Image '" + n.a + "' is in use by a running machine\n";
    for (std::vector<std::string> args : {std::vector<std::string>{"remove", n.a}, {"rename", n.a, n.b}, {"read-only", n.a},
                                          {"clone", n.a, n.b}}) {
        auto r = mctl(args);
        EXPECT_EQ(r.status, 1) << args[0];
        EXPECT_EQ(r.err, busy) << args[0];
    }
    EXPECT_TRUE(fs::exists(kPool / n.a));
    EXPECT_FALSE(fs::exists(kPool / n.b));
    kill(bg.pid(), SIGTERM);
    bg.wait(std::chrono::seconds(10));
    EXPECT_EQ(mctl({"remove", n.a}).status, 0);
}

TEST(ImageVerbs, BadInputIsOneLineAndChangesNothing) {
    PoolNames n;
    fs::create_directories(kPool / n.a / "usr");
    fs::create_directories(kPool / n.b / "usr");
    const std::string before = tree_listing(kPool);
    struct Case {
        std::vector<std::string> args;
        std::string err;
    } cases[] = {
        {{"clone", n.c, n.d}, "mctl: No image '" + n.c + "' known\n"},
        {{"clone", n.a, n.b}, "mctl: Image '" + n.b + "' already exists\n"},
        {{"rename", n.a, "a/b"}, "mctl: Invalid image name 'a/b'\n"},
        {{"clone", n.a, ".hidden"}, "mctl: Invalid image name '.hidden'\n"},
        {{"read-only", n.a, "maybe"}, "mctl: Failed to parse read-only boolean: maybe\n"},
        {{"remove", n.c}, "mctl: No image '" + n.c + "' known\n"},
    };
    for (const auto& c : cases) {
        auto r = mctl(c.args);
        EXPECT_EQ(r.status, 1) << c.args[0];
        EXPECT_EQ(r.err, c.err);
    }
    EXPECT_EQ(tree_listing(kPool), before);
}

// On a btrfs pool, clone snapshots a subvolume, and read-only sets its flag.
TEST(ImageVerbs, ABtrfsPoolClonesBySnapshot) {
    if (read_file("/proc/filesystems").find("\tbtrfs\n") == std::string::npos) GTEST_SKIP() << "no btrfs in this kernel";
    if (sh("command -v mkfs.btrfs && command -v btrfs").status != 0) GTEST_SKIP() << "btrfs-progs missing";
    ScratchDir d;
    const std::string img = (d.path() / "pool.img").string();
    ASSERT_EQ(sh("truncate -s 300M '" + img + "' && mkfs.btrfs -q '" + img + "'").status, 0);
    // A pool of its own, in a mount namespace of the test's: the host's stays as it is.
    auto r = sh("unshare -m sh -ec 'mount --make-rprivate /; mount -o loop " + img + " /var/lib/machines;"
                " btrfs subvolume create /var/lib/machines/src >/dev/null;"
                " tar -xf " + fixture_tarball("busybox").string() + " -C /var/lib/machines/src;"
                " " + mctl_bin() + " clone src dst; stat -c %i /var/lib/machines/dst;"
                " " + mctl_bin() + " read-only dst; btrfs property get -ts /var/lib/machines/dst ro;"
                " " + mctl_bin() + " set-limit dst 100M; " + mctl_bin() + " set-limit 200M;"
                " btrfs qgroup show -re --raw /var/lib/machines | grep -c -E \" (104857600|209715200) \";"
                " " + mctl_bin() + " image-status dst | grep -c -E \"^\\s+Usage: [0-9.]+[KM]( \\(exclusive: [0-9.]+[KM]\\))?$\";"
                " " + mctl_bin() + " image-status dst | grep Limit: | tr -d \"\\t \"; " + mctl_bin() + " show-image dst -p Limit --value;"
                " " + mctl_bin() + " list-images --no-legend | grep ^dst | tr -s \" \"; " + mctl_bin() + " remove dst;"
                " ls /var/lib/machines'");
    ASSERT_EQ(r.status, 0) << r.err;
    std::istringstream in(r.out);
    std::string ino, ro, limits, usage_lines, limit_line, limit_value, row, rest;
    std::getline(in, ino);
    std::getline(in, ro);
    std::getline(in, limits);
    std::getline(in, usage_lines);
    std::getline(in, limit_line);
    std::getline(in, limit_value);
    std::getline(in, row);
    std::getline(in, rest);
    EXPECT_EQ(ino, "256") << "a subvolume: a snapshot, not a copy";
    EXPECT_EQ(ro, "ro=true");
    EXPECT_EQ(limits, "2") << "the image's and the pool's quota group limits";
    EXPECT_EQ(usage_lines, "1") << "image-status shows the quota group's usage";
    EXPECT_EQ(limit_line, "Limit:100.0M") << "image-status shows the limit set-limit set";
    EXPECT_EQ(limit_value, "104857600");
    EXPECT_NE(row.find("subvolume yes"), std::string::npos) << row;
    EXPECT_EQ(rest, "src");
}

// clean removes the hidden leftovers no one holds; --all every image not in
// use, asking first (without a terminal: --force). In a private mount
// namespace with a tmpfs pool: the host's images are never at stake.
TEST(ImageVerbs, CleanRemovesLeftoversAndWithAllImagesNotInUse) {
    const std::string m = mctl_bin();
    auto r = sh("unshare -m sh -ec 'mount --make-rprivate /; mount -t tmpfs none /var/lib/machines; cd /var/lib/machines;"
                " mkdir -p .#a.clone/usr keep/usr gone/usr; touch .#b.partial .#held;"
                " exec 9< .#held; flock -s 9;"  // a start holding its leftover
                " " + m + " clean; ls -A | tr \"\\n\" \" \"; echo;"
                " " + m + " clean --all < /dev/null 2>&1 || echo refused; ls -A | tr \"\\n\" \" \"; echo;"
                " " + m + " set-limit 1G 2>&1 || echo no-quota;"
                " " + m + " clean --all --force; ls -A | tr \"\\n\" \" \"; echo'");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out,
              "Removed image '.#a.clone'.\n"
              "Removed image '.#b.partial'.\n"
              ".#held gone keep \n"
              "mctl: clean --all removes every image not in use: it asks first, on a terminal; add --force to skip that\n"
              "refused\n"
              ".#held gone keep \n"
              "mctl: The image pool /var/lib/machines is not a btrfs subvolume: disk quotas need btrfs\n"
              "no-quota\n"
              "Removed image 'gone'.\n"
              "Removed image 'keep'.\n"
              ".#held \n");
}

// A pool with no room (issue 15, disk full): the clone fails in one line naming the image, and no
// partial image is left, hidden or not; the source is untouched. In a private
// mount namespace with a tiny tmpfs as the pool.
TEST(ImageVerbs, AFullPoolFailsACloneInOneLineAndLeavesNoPartialImage) {
    const std::string m = mctl_bin();
    auto r = sh("unshare -m sh -ec 'mount --make-rprivate /; mount -t tmpfs -o size=2m none /var/lib/machines;"
                " cd /var/lib/machines; mkdir -p src/usr; head -c 1500000 /dev/urandom > src/usr/blob;"
                " sum=$(md5sum src/usr/blob);"
                " " + m + " clone src dst 2>&1 && echo cloned; echo status=$?; ls -A | tr \"\\n\" \" \"; echo;"
                " echo \"$sum\" | md5sum -c --quiet && echo intact'");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto out = lines_of(r.out);
    ASSERT_EQ(out.size(), 4u) << r.out;
    EXPECT_EQ(out[0].rfind("mctl: ", 0), 0u) << out[0];
    EXPECT_NE(out[0].find("No space left on device"), std::string::npos) << out[0];
    EXPECT_NE(out[0].find("Could not clone image 'src'"), std::string::npos) << "names the image: " << out[0];
    EXPECT_EQ(out[1], "status=1");
    EXPECT_EQ(out[2], "src ") << "a partial image was left";
    EXPECT_EQ(out[3], "intact");
}
