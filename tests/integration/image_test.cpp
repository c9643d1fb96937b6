// -i/--image: raw disk images built here from the busybox fixture (sfdisk and
// mkfs.ext4 -d: a GPT with the root of the Discoverable Partitions
// Specification and a /home partition, a GPT with one Linux data partition,
// a single file system), run, written, refused; after each, the host's loop
// devices and mount table are compared with before, and the image's lock is
// free again. Skipped where the kernel has no loop devices.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core_util.hpp"
#include "harness.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kRoot = "4f68bce3-e8cd-4db1-96e7-fbcaf984b709";
constexpr const char* kHome = "933ac7e1-2eb4-4f13-b844-0e14e2aef915";
constexpr const char* kLinux = "0fc63daf-8483-4772-8e79-3d69d8477de4";

// The loop devices in use with their backing files.
std::string loop_devices() {
    std::string out;
    for (const auto& e : fs::directory_iterator("/sys/block")) {
        auto backing = e.path() / "loop/backing_file";
        if (fs::exists(backing)) out += e.path().filename().string() + " " + read_file(backing);
    }
    return out;
}

struct Partition {
    const char* type;
    int mib;
    std::string content;  // a directory made into its ext4 file system ("" none)
};

// A GPT image of the partitions (1 MiB aligned), each with its file system.
void make_gpt(const fs::path& image, const std::vector<Partition>& parts) {
    int total = 2;
    for (const auto& p : parts) total += p.mib;
    std::string table = "label: gpt\n";
    int start = 1;
    for (const auto& p : parts) {
        table += "start=" + std::to_string(start * 2048) + ", size=" + std::to_string(p.mib * 2048) + ", type=" + p.type + "\n";
        start += p.mib;
    }
    auto r = sh("truncate -s " + std::to_string(total) + "M '" + image.string() + "' && printf '" + table +
                "' | sfdisk -q '" + image.string() + "'");
    ASSERT_EQ(r.status, 0) << r.err;
    start = 1;
    for (const auto& p : parts) {
        if (!p.content.empty()) {
            auto m = sh("mkfs.ext4 -F -q -d '" + p.content + "' -E offset=" + std::to_string(start * 1048576) + " '" +
                        image.string() + "' " + std::to_string(p.mib) + "M");
            ASSERT_EQ(m.status, 0) << m.err;
        }
        start += p.mib;
    }
}

class Image : public ::testing::Test {
protected:
    void SetUp() override {
        if (!fs::exists("/dev/loop-control")) GTEST_SKIP() << "no loop devices (/dev/loop-control)";
        if (sh("command -v sfdisk && command -v mkfs.ext4").status != 0) GTEST_SKIP() << "sfdisk or mkfs.ext4 missing";
        loops_ = loop_devices();
        mounts_ = host_mount_points();
    }
    void TearDown() override {
        if (IsSkipped()) return;
        // The container's mounts went with it, and the loop devices with them.
        EXPECT_TRUE(eventually([&] { return loop_devices() == loops_; }, std::chrono::seconds(5)))
            << "loop devices left:\n" << loop_devices();
        EXPECT_EQ(leaked_mounts(mounts_, dir_.str()), std::vector<std::string>{});
    }
    TempTree tree_{"busybox"};
    ScratchDir dir_;
    std::string loops_;
    std::vector<std::string> mounts_;
};

}  // namespace

TEST_F(Image, DiscoverablePartitionsAreMountedWhereTheSpecificationSays) {
    ScratchDir home;
    fs::create_directories(home.path() / "user");
    std::ofstream(home.path() / "user/file") << "from the home partition\n";
    const fs::path image = dir_.path() / "dps.raw";
    make_gpt(image, {{kRoot, 40, tree_.str()}, {kHome, 8, home.str()}});
    auto r = run(spawn_cmd({"-i", image.string(), "/bin/sh", "-c",
                            "hostname; cat /home/user/file; grep -E ' / | /home ' /proc/mounts | cut -d' ' -f2,3;"
                            " echo kept > /kept"}));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "dps\nfrom the home partition\n/ ext4\n/home ext4\n");
    // Written to the image: the next run sees it.
    auto again = run(spawn_cmd({"-i", image.string(), "cat", "/kept"}));
    EXPECT_EQ(again.out, "kept\n") << again.err;
    EXPECT_FALSE(fs::exists("/run/spawn/images/dps")) << "the mount point is removed";
}

TEST_F(Image, OneLinuxPartitionAndABareFileSystemAreRootsToo) {
    const fs::path gpt = dir_.path() / "generic.raw", bare = dir_.path() / "bare.raw";
    make_gpt(gpt, {{kLinux, 40, tree_.str()}});
    auto m = sh("mkfs.ext4 -F -q -d '" + tree_.str() + "' '" + bare.string() + "' 40M");
    ASSERT_EQ(m.status, 0) << m.err;
    for (const auto& image : {gpt, bare}) {
        auto r = run(spawn_cmd({"-i", image.string(), "-M", "img", "/bin/sh", "-c", "test -x /bin/sh && echo ok"}));
        EXPECT_EQ(r.out, "ok\n") << image << ": " << r.err;
    }
}

TEST_F(Image, AReadOnlyImageIsMountedReadOnly) {
    const fs::path image = dir_.path() / "ro.raw";
    make_gpt(image, {{kRoot, 40, tree_.str()}});
    const std::string before = sh("sha256sum '" + image.string() + "'").out;
    auto flag = run(spawn_cmd({"--read-only", "-i", image.string(), "/bin/sh", "-c", "echo x > /x || echo refused"}));
    EXPECT_NE(flag.out.find("refused"), std::string::npos) << flag.out << flag.err;
    ASSERT_EQ(chmod(image.c_str(), 0444), 0);
    auto mode = run(spawn_cmd({"-i", image.string(), "/bin/sh", "-c", "echo x > /x || echo refused"}));
    EXPECT_NE(mode.out.find("refused"), std::string::npos) << mode.out << mode.err;
    EXPECT_EQ(sh("sha256sum '" + image.string() + "'").out, before) << "the image was written";
}

TEST_F(Image, AnImageInUseIsBusyAndFreeAfterSigkill) {
    const fs::path image = dir_.path() / "busy.raw";
    make_gpt(image, {{kRoot, 40, tree_.str()}});
    const std::string marker = "spawn-image-marker-" + std::to_string(getpid());
    Background bg(spawn_cmd({"-i", image.string(), "/bin/sh", "-c", "echo ready; sleep 1000; : " + marker}));
    // (Not the marker: spawn's own command line has it before spawn locks the image.)
    ASSERT_TRUE(eventually([&] { return bg.out() == "ready\n"; }, std::chrono::seconds(10))) << bg.err();
    auto busy = run(spawn_cmd({"-i", image.string(), "-M", "other", "true"}));
    EXPECT_EQ(busy.status, 1);
    EXPECT_EQ(busy.err, "spawn: Disk image " + image.string() + " is currently busy.\n");
    kill(bg.pid(), SIGKILL);
    EXPECT_EQ(bg.wait(std::chrono::seconds(5)), 128 + SIGKILL);
    EXPECT_TRUE(eventually([&] { return pids_with_marker(marker).empty(); }, std::chrono::seconds(5)));
    // Autoclear: the loop device goes with the container's mounts; the next start works.
    EXPECT_TRUE(eventually([&] { return loop_devices() == loops_; }, std::chrono::seconds(5))) << loop_devices();
    auto again = run(spawn_cmd({"-i", image.string(), "echo", "again"}));
    EXPECT_EQ(again.out, "again\n") << again.err;
}

TEST_F(Image, BadImagesAreOneLineAndLeaveNothing) {
    const fs::path zeros = dir_.path() / "zeros.raw", noroot = dir_.path() / "noroot.raw",
                   truncated = dir_.path() / "truncated.raw", missing = dir_.path() / "missing.raw";
    ASSERT_EQ(sh("truncate -s 8M '" + zeros.string() + "'").status, 0);
    make_gpt(noroot, {{kHome, 8, tree_.str()}});
    make_gpt(truncated, {{kRoot, 40, tree_.str()}});
    ASSERT_EQ(truncate(truncated.c_str(), 10 << 20), 0);
    struct Case {
        std::vector<std::string> args;
        std::string error;
    } cases[] = {
        {{"-i", missing.string()}, "Disk image " + missing.string() + ": No such file or directory"},
        {{"-i", zeros.string()}, "Disk image " + zeros.string() + ": neither a partition table nor a file system found"},
        {{"-i", noroot.string()}, "Disk image " + noroot.string() + ": no root partition for x86-64"},
        {{"-i", truncated.string()}, "Disk image " + truncated.string() + ": a protective MBR without a valid GPT (the GPT is corrupt, or the image truncated)"},
        {{"-i", dir_.str()}, "a directory (use -D for a tree)"},
        {{"-i", zeros.string(), "-D", tree_.str()}, "--directory= and --image= may not be combined."},
        {{"-i", zeros.string(), "--template=" + tree_.str()}, "--template= and --image= may not be combined."},
        // Never run unverified: no device-mapper here, or no dm-verity in spawn yet.
        {{"-i", zeros.string(), "--root-hash=" + std::string(64, 'a')}, "Disk image " + zeros.string() + ": "},
        {{"-i", zeros.string(), "--verity-data=/x.verity"}, "dm-verity"},
    };
    for (auto& c : cases) {
        c.args.push_back("true");
        auto r = run(spawn_cmd(c.args));
        EXPECT_EQ(r.status, 1) << c.args[1];
        EXPECT_NE(r.err.find(c.error), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    // Nothing held: an exclusive lock on each image is free.
    for (const auto& image : {zeros, noroot, truncated}) {
        int fd = open(image.c_str(), O_RDONLY | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        EXPECT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0) << image;
        close(fd);
    }
}
