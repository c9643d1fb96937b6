// mctl copy-to / copy-from against a running machine registered with the real
// machined: files and trees in and out, and the guest's attacks: a symlinked
// directory or file that points at a host path, a set-ID file, a device node.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "bus_fixture.hpp"
#include "harness.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;

namespace {

RunResult mctl(std::vector<std::string> args) {
    args.insert(args.begin(), mctl_bin());
    return run(args);
}

class Copy : public ::testing::Test {
protected:
    void SetUp() override {
        BusFixture::ensure_machined();
        machine_ = "spawn-t-copy" + std::to_string(getpid());
        bg_ = std::make_unique<BackgroundSpawn>(std::vector<std::string>{
            "-q", "-D", tree_.str(), "-M", machine_, "--register=yes", "/bin/sleep", "600"});
        ASSERT_TRUE(bg_->wait_registered(machine_)) << bg_->output();
    }
    TempTree tree_{"busybox"};
    ScratchDir host_;
    std::string machine_;
    std::unique_ptr<BackgroundSpawn> bg_;
};

}  // namespace

TEST_F(Copy, FilesAndTreesGoInAndComeOut) {
    fs::create_directories(host_.path() / "dir/sub");
    std::ofstream(host_.path() / "dir/sub/f") << "data\n";
    ASSERT_EQ(link((host_.path() / "dir/sub/f").c_str(), (host_.path() / "dir/hard").c_str()), 0);
    fs::create_symlink("sub/f", host_.path() / "dir/rel");
    auto in = mctl({"copy-to", machine_, (host_.path() / "dir").string(), "/srv-copied"});
    ASSERT_EQ(in.status, 0) << in.err;
    // Without a terminal no progress bar: one line when done.
    EXPECT_EQ(lines_of(in.err).size(), 1u) << in.err;
    EXPECT_NE(in.err.find("Copied " + (host_.path() / "dir").string() + " to /srv-copied in machine '" + machine_ +
                          "' (5B in "),
              std::string::npos)
        << in.err;
    EXPECT_EQ(read_file(tree_.path() / "srv-copied/sub/f"), "data\n");
    EXPECT_EQ(fs::read_symlink(tree_.path() / "srv-copied/rel"), "sub/f");
    EXPECT_TRUE(fs::equivalent(tree_.path() / "srv-copied/hard", tree_.path() / "srv-copied/sub/f"));

    auto out = mctl({"copy-from", machine_, "/srv-copied", (host_.path() / "back").string()});
    ASSERT_EQ(out.status, 0) << out.err;
    EXPECT_EQ(read_file(host_.path() / "back/sub/f"), "data\n");
    // The same path on both sides when the second is left out.
    auto same = mctl({"copy-from", machine_, "/etc/os-release", (host_.path() / "os-release").string()});
    EXPECT_EQ(same.status, 0) << same.err;
    EXPECT_EQ(read_file(host_.path() / "os-release"), read_file(tree_.path() / "etc/os-release"));
}

TEST_F(Copy, APlantedSymlinkNeverReachesTheHost) {
    // The guest's /evil points at /etc, its /link at /etc/hostname: on the
    // host both name host files, which mctl must neither write nor read.
    fs::create_symlink("/etc", tree_.path() / "evil");
    fs::create_symlink("/etc/hostname", tree_.path() / "link");
    const std::string host_hostname = read_file("/etc/hostname");
    std::ofstream(host_.path() / "payload") << "payload\n";
    auto in = mctl({"copy-to", machine_, (host_.path() / "payload").string(), "/evil/spawn-copy-payload"});
    EXPECT_EQ(in.status, 0) << in.err;
    EXPECT_FALSE(fs::exists("/etc/spawn-copy-payload")) << "written through the guest's symlink onto the host";
    EXPECT_EQ(read_file(tree_.path() / "etc/spawn-copy-payload"), "payload\n") << "the guest's own /etc";
    fs::remove("/etc/spawn-copy-payload");

    auto out = mctl({"copy-from", machine_, "/evil/passwd", (host_.path() / "passwd").string()});
    EXPECT_EQ(out.status, 0) << out.err;
    EXPECT_EQ(read_file(host_.path() / "passwd"), read_file(tree_.path() / "etc/passwd")) << "the guest's, not the host's";
    auto link = mctl({"copy-from", machine_, "/link", (host_.path() / "link").string()});
    EXPECT_EQ(link.status, 0) << link.err;
    EXPECT_TRUE(fs::is_symlink(host_.path() / "link")) << "the link itself, never followed";
    EXPECT_EQ(read_file("/etc/hostname"), host_hostname);
}

TEST_F(Copy, WhatComesOutGrantsNothing) {
    std::ofstream(tree_.path() / "suid") << "#!/bin/sh\n";
    ASSERT_EQ(chmod((tree_.path() / "suid").c_str(), 04755), 0);
    ASSERT_EQ(mknod((tree_.path() / "disk").c_str(), S_IFBLK | 0600, makedev(8, 0)), 0);
    auto r = mctl({"copy-from", machine_, "/suid", (host_.path() / "suid").string()});
    ASSERT_EQ(r.status, 0) << r.err;
    struct stat st {};
    ASSERT_EQ(stat((host_.path() / "suid").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0755u) << "no set-ID bits from a machine";
    auto dev = mctl({"copy-from", machine_, "/disk", (host_.path() / "disk").string()});
    EXPECT_EQ(dev.status, 1);
    EXPECT_FALSE(fs::exists(host_.path() / "disk"));
}

TEST_F(Copy, BadInputIsOneLine) {
    std::ofstream(host_.path() / "f") << "x\n";
    struct Case {
        std::vector<std::string> args;
        std::string err;
    } cases[] = {
        {{"copy-to", "spawn-t-nosuch", (host_.path() / "f").string(), "/f"}, "No machine 'spawn-t-nosuch' known"},
        {{"copy-to", machine_, (host_.path() / "f").string(), "relative"}, "relative: a path in machine '" + machine_ + "' must be absolute"},
        {{"copy-to", machine_, (host_.path() / "f").string(), "/etc/passwd"}, "/etc/passwd in machine '" + machine_ + "': already exists"},
        {{"copy-from", machine_, "/nonexistent", (host_.path() / "g").string()}, "No such file or directory"},
        {{"copy-from", machine_, "/", (host_.path() / "g").string()}, "/: not a file name"},
    };
    for (const auto& c : cases) {
        auto r = mctl(c.args);
        EXPECT_EQ(r.status, 1) << c.args[1] << " " << c.args[3];
        EXPECT_NE(r.err.find(c.err), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    EXPECT_FALSE(fs::exists(host_.path() / "g"));
}

// A machine in a user namespace (-U): what goes in is made as its root and
// owned as it sees the host's owners; its tree (idmapped) keeps them unshifted.
TEST(CopyUserns, OwnersAreMappedIntoTheMachine) {
    BusFixture::ensure_machined();
    TempTree tree("busybox");
    ScratchDir host;
    const std::string machine = "spawn-t-copyu" + std::to_string(getpid());
    BackgroundSpawn bg({"-q", "-U", "-D", tree.str(), "-M", machine, "--register=yes", "/bin/sleep", "600"});
    ASSERT_TRUE(bg.wait_registered(machine)) << bg.output();
    auto leader = mctl({"show", machine, "-p", "Leader", "--value"});
    ASSERT_EQ(leader.status, 0) << leader.err;
    const std::string root = "/proc/" + leader.out.substr(0, leader.out.find('\n')) + "/root";
    std::ifstream map("/proc/" + leader.out.substr(0, leader.out.find('\n')) + "/uid_map");
    uint64_t inside = 0, base = 0, count = 0;
    ASSERT_TRUE(map >> inside >> base >> count);
    ASSERT_NE(base, 0u) << "not in a user namespace";

    fs::create_directories(host.path() / "d");
    std::ofstream(host.path() / "d/f") << "f\n";
    ASSERT_EQ(chown((host.path() / "d/f").c_str(), 1000, 1000), 0);
    auto in = mctl({"copy-to", machine, (host.path() / "d").string(), "/copied"});
    ASSERT_EQ(in.status, 0) << in.err;
    struct stat inside_view {}, on_disk {}, file {};
    ASSERT_EQ(stat((root + "/copied").c_str(), &inside_view), 0);
    ASSERT_EQ(stat((tree.path() / "copied").c_str(), &on_disk), 0);
    ASSERT_EQ(stat((root + "/copied/f").c_str(), &file), 0);
    EXPECT_EQ(inside_view.st_uid, base) << "the machine's root owns what host root owned";
    EXPECT_EQ(on_disk.st_uid, 0u) << "the idmapped tree stores it unshifted";
    EXPECT_EQ(file.st_uid, base + 1000);

    auto out = mctl({"copy-from", machine, "/etc/passwd", (host.path() / "passwd").string()});
    ASSERT_EQ(out.status, 0) << out.err;
    struct stat copied {};
    ASSERT_EQ(stat((host.path() / "passwd").c_str(), &copied), 0);
    EXPECT_EQ(copied.st_uid, base) << "out of the machine: owners as the host sees them, never host root";

    // bind --mkdir: what it makes is the machine root's, and the mount is seen inside.
    auto bind = mctl({"bind", "--mkdir", machine, (host.path() / "d").string(), "/mnt/bound"});
    ASSERT_EQ(bind.status, 0) << bind.err;
    EXPECT_EQ(read_file(root + "/mnt/bound/f"), "f\n");
    ASSERT_EQ(stat((tree.path() / "mnt/bound").c_str(), &on_disk), 0);
    EXPECT_EQ(on_disk.st_uid, 0u) << "made as the machine's root (stored unshifted)";
}

// mctl bind: a host directory (or file) mounted into the running machine,
// seen inside at once and live; read-only when asked; the host's own mount
// table untouched; a symlink the guest planted in the path refused.
TEST_F(Copy, BindMountsHostPathsIntoTheMachineAndNeverThroughASymlink) {
    fs::create_directories(host_.path() / "shared");
    std::ofstream(host_.path() / "shared/f") << "hello\n";
    std::ofstream(host_.path() / "single") << "one file\n";
    const auto host_mounts = host_mount_points();
    auto cat = [&](const std::string& path) { return mctl({"exec", machine_, "/bin/cat", path}); };

    auto b = mctl({"bind", "--mkdir", machine_, (host_.path() / "shared").string(), "/mnt/shared"});
    ASSERT_EQ(b.status, 0) << b.err;
    EXPECT_EQ(cat("/mnt/shared/f").out, "hello\n");
    std::ofstream(host_.path() / "shared/later") << "later\n";
    EXPECT_EQ(cat("/mnt/shared/later").out, "later\n") << "the mount is the host directory itself";

    auto ro = mctl({"bind", "--read-only", "--mkdir", machine_, (host_.path() / "shared").string(), "/mnt/ro"});
    ASSERT_EQ(ro.status, 0) << ro.err;
    auto write = mctl({"exec", machine_, "/bin/sh", "-c", "echo x > /mnt/ro/new"});
    EXPECT_NE(write.status, 0);
    EXPECT_FALSE(fs::exists(host_.path() / "shared/new"));

    auto file = mctl({"bind", "--mkdir", machine_, (host_.path() / "single").string(), "/etc/single"});
    ASSERT_EQ(file.status, 0) << file.err;
    EXPECT_EQ(cat("/etc/single").out, "one file\n");
    EXPECT_EQ(host_mount_points(), host_mounts) << "the mounts are the machine's, not the host's";

    // The guest points /mnt/evil at its /etc: the path is refused, not followed.
    ASSERT_EQ(mctl({"exec", machine_, "/bin/ln", "-s", "/etc", "/mnt/evil"}).status, 0);
    struct Case {
        std::vector<std::string> args;
        std::string error;
    } cases[] = {
        {{"bind", "--mkdir", machine_, (host_.path() / "shared").string(), "/mnt/evil/x"}, "evil is a symlink, which is not followed"},
        {{"bind", machine_, (host_.path() / "shared").string(), "/mnt/missing"}, "/mnt/missing: No such file or directory"},
        {{"bind", machine_, (host_.path() / "shared").string(), "relative"}, "a path in machine '" + machine_ + "' must be absolute"},
        {{"bind", machine_, (host_.path() / "shared").string(), "/mnt/../etc"}, "\"..\" is not allowed"},
        {{"bind", machine_, (host_.path() / "nonexistent").string(), "/mnt/x"}, "nonexistent: No such file or directory"},
        {{"bind", machine_, (host_.path() / "single").string(), "/mnt/shared"}, "a file cannot be mounted on a directory"},
        {{"bind", "spawn-no-such-machine", (host_.path() / "shared").string(), "/mnt/x"}, "spawn-no-such-machine"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.args.back());
        auto r = mctl(c.args);
        EXPECT_EQ(r.status, 1);
        EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
        EXPECT_NE(r.err.find(c.error), std::string::npos) << r.err;
    }
    EXPECT_NE(mctl({"exec", machine_, "/bin/ls", "/etc/x"}).status, 0) << "mounted through the guest's symlink";
    EXPECT_EQ(host_mount_points(), host_mounts);
}
