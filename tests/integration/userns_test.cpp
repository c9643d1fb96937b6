// User namespaces (-U, --private-users, --private-users-ownership) on busybox
// trees, as root: root inside is the range on the host (a process's UID, the
// files it makes, its uid_map); chown mode shifts the tree and nothing a
// symlink in it points to; map mode leaves the tree to serve two machines at
// once; a picked range is free again after spawn is SIGKILLed; what host root
// could do, container root cannot (with and without -U, and compared with
// systemd-nspawn -U); bad values are refused and leave nothing.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness.hpp"
#include "machined/procs.hpp"
#include "machined/scope.hpp"
#include "util/fd.hpp"
#include "probe_tree.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr uint32_t kPickFirst = 0x00080000, kPickEnd = 0x6FFF0000;
const char* const kLockDir = "/run/systemd/nspawn-uid";

std::vector<std::string> spawn_args(const std::string& dir, std::vector<std::string> extra,
                                    std::vector<std::string> cmd) {
    std::vector<std::string> a{spawn_bin(), "-q", "--register=no", "-D", dir};
    a.insert(a.end(), extra.begin(), extra.end());
    a.insert(a.end(), cmd.begin(), cmd.end());
    return a;
}

// The base of the first line of a uid_map text ("0 BASE COUNT"); 0 if none.
uint32_t map_base(const std::string& text, uint32_t* count = nullptr) {
    std::istringstream in(text);
    uint64_t inner = 1, base = 0, n = 0;
    if (!(in >> inner >> base >> n) || inner != 0) return 0;
    if (count) *count = static_cast<uint32_t>(n);
    return static_cast<uint32_t>(base);
}

bool picked(uint32_t base) { return base % 65536 == 0 && base >= kPickFirst && base < kPickEnd; }

std::set<std::string> lock_files() {
    std::set<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(kLockDir, ec)) out.insert(e.path().filename());
    return out;
}

struct stat lstat_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(lstat(p.c_str(), &st), 0) << p;
    return st;
}


// The PID of a child of parent (the container's PID 1 is spawn's only child).
pid_t child_of(pid_t parent) {
    for (const auto& e : fs::directory_iterator("/proc")) {
        std::string name = e.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string stat = read_file(e.path() / "stat");
        auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream in(stat.substr(close + 2));
        char state;
        pid_t ppid = 0;
        in >> state >> ppid;
        if (ppid == parent) return std::stoi(name);
    }
    return 0;
}

// Some process's user namespace maps base (a running container of it).
bool range_mapped(uint32_t base) {
    for (const auto& e : fs::directory_iterator("/proc")) {
        std::string name = e.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        if (map_base(read_file(e.path() / "uid_map")) == base) return true;
    }
    return false;
}

}  // namespace

TEST(UserNs, RootInsideIsThePickedRangeOnTheHost) {
    TempTree t("busybox");
    const auto locks_before = lock_files();
    Interactive c(spawn_args(t.str(), {"-U", "--private-users-ownership=map", "-M", fmt::format("uns-{}", getpid())},
                             {"/bin/sh", "-c", "cat /proc/self/uid_map; touch /made-inside; echo ready; exec sleep 600"}));
    ASSERT_TRUE(c.wait_out("ready", 30s)) << c.out() << c.err();
    uint32_t count = 0;
    uint32_t base = map_base(c.out(), &count);
    EXPECT_TRUE(picked(base)) << c.out();
    EXPECT_EQ(count, 65536u);
    // The payload, seen from the host, runs as the range's base.
    pid_t payload = child_of(c.pid());
    ASSERT_GT(payload, 0);
    std::string status = read_file("/proc/" + std::to_string(payload) + "/status");
    EXPECT_NE(status.find(fmt::format("Uid:\t{0}\t{0}\t{0}\t{0}", base)), std::string::npos) << status;
    EXPECT_NE(status.find(fmt::format("Gid:\t{0}\t{0}\t{0}\t{0}", base)), std::string::npos) << status;
    // map: on disk, the file container root made is the host's 0; the tree is unchanged.
    EXPECT_EQ(lstat_of(t.path() / "made-inside").st_uid, 0u);
    EXPECT_EQ(lstat_of(t.path()).st_uid, 0u);
    // The range is locked (nspawn's lock file) while the machine runs, and free after.
    const std::string lock = fmt::format("{}/{}", kLockDir, base);
    spawn::UniqueFd fd(::open(lock.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd) << lock;
    EXPECT_NE(flock(fd.get(), LOCK_EX | LOCK_NB), 0) << "the range is not locked while the machine runs";
    fd.reset();
    ::kill(c.pid(), SIGTERM);
    EXPECT_NE(c.wait_exit(20s), -1);
    EXPECT_EQ(lock_files(), locks_before);
}

TEST(UserNs, ChownShiftsTheTreeOnceAndNeverWhatASymlinkPointsTo) {
    TempTree t("busybox");
    ScratchDir host;
    // A host file the tree links to (a symlink, and a hard link on the same file system).
    const fs::path secret = host.path() / "host-secret";
    { std::ofstream(secret) << "secret\n"; }
    ASSERT_EQ(chown(secret.c_str(), 0, 0), 0);
    fs::create_symlink(secret, t.path() / "evil-link");
    fs::create_directories(t.path() / "srv");
    const fs::path f = t.path() / "srv/file", hard = t.path() / "srv/hard";
    { std::ofstream(f) << "x\n"; }
    ASSERT_EQ(chown(f.c_str(), 1000, 1001), 0);
    ASSERT_EQ(chmod(f.c_str(), 04755), 0);
    ASSERT_EQ(link(f.c_str(), hard.c_str()), 0);
    // An ACL naming user 1000, and a v2 file capability (CAP_NET_RAW permitted).
    const unsigned char acl[] = {2, 0, 0, 0,  1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff,  2, 0, 6, 0, 0xe8, 3, 0, 0,
                                 4, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,  0x10, 0, 6, 0, 0xff, 0xff, 0xff, 0xff,
                                 0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff};
    bool have_acl = setxattr(f.c_str(), "system.posix_acl_access", acl, sizeof acl, 0) == 0;
    const mode_t mode = lstat_of(f).st_mode & 07777;  // the ACL set the group bits
    const uint32_t caps_v2[5] = {0x02000001u, 1u << 13, 0, 0, 0};
    ASSERT_EQ(setxattr(f.c_str(), "security.capability", caps_v2, sizeof caps_v2, 0), 0) << std::strerror(errno);

    auto r = run(spawn_args(t.str(), {"-U", "--private-users-ownership=chown"},
                            {"/bin/sh", "-c", "cat /proc/self/uid_map; stat -c '%u:%g' /srv/file /evil-link; touch /root/made"}));
    ASSERT_EQ(r.status, 0) << r.err;
    const uint32_t base = map_base(r.out);
    ASSERT_TRUE(picked(base)) << r.out;
    EXPECT_NE(r.out.find("1000:1001\n0:0\n"), std::string::npos) << "inside, the shifted IDs are the old ones\n" << r.out;
    EXPECT_EQ(lstat_of(t.path()).st_uid, base) << "the root records the shift";
    EXPECT_EQ(lstat_of(t.path() / "root/made").st_uid, base);
    auto st = lstat_of(f);
    EXPECT_EQ(st.st_uid, base + 1000);
    EXPECT_EQ(st.st_gid, base + 1001);
    EXPECT_EQ(st.st_mode & 07777, mode) << "chown cleared the set-user-ID bit and it was not restored";
    EXPECT_EQ(lstat_of(t.path() / "evil-link").st_uid, base) << "the symlink itself is the container's";
    auto s = lstat_of(secret);
    EXPECT_EQ(s.st_uid, 0u) << "chown followed a symlink to a host file";
    EXPECT_EQ(s.st_gid, 0u);
    if (have_acl) {
        unsigned char got[64];
        ssize_t n = getxattr(f.c_str(), "system.posix_acl_access", got, sizeof got);
        ASSERT_EQ(n, static_cast<ssize_t>(sizeof acl));
        uint32_t id = 0;
        std::memcpy(&id, got + 16, 4);
        EXPECT_EQ(id, base + 1000) << "the ACL's user entry was not shifted";
    }
    uint32_t caps[6] = {};
    ssize_t n = getxattr(f.c_str(), "security.capability", caps, sizeof caps);
    ASSERT_EQ(n, 24) << "file capability lost or not made v3";
    EXPECT_EQ(caps[0] & 0xFF000000u, 0x03000000u);
    EXPECT_EQ(caps[1], 1u << 13);
    EXPECT_EQ(caps[5], base) << "root ID of the file capability";

    // The second start finds the tree owned by the range: the same range, nothing walked again.
    ASSERT_EQ(lchown((t.path() / "srv").c_str(), 4242, 4242), 0);  // a marker a new walk would shift
    auto again = run(spawn_args(t.str(), {"-U", "--private-users-ownership=chown"}, {"/bin/cat", "/proc/self/uid_map"}));
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_EQ(map_base(again.out), base);
    EXPECT_EQ(lstat_of(t.path() / "srv").st_uid, 4242u);
}

TEST(UserNs, MapLeavesTheTreeToTwoMachinesAtOnce) {
    TempTree t("busybox");
    std::vector<std::string> cmd{"/bin/sh", "-c", "cat /proc/self/uid_map; stat -c 'owner %u' /bin/busybox; echo ready; exec sleep 600"};
    Interactive a(spawn_args(t.str(), {"-U", "--private-users-ownership=map", "--read-only", "-M", fmt::format("unsa-{}", getpid())}, cmd));
    ASSERT_TRUE(a.wait_out("ready", 30s)) << a.out() << a.err();
    Interactive b(spawn_args(t.str(), {"-U", "--private-users-ownership=map", "--read-only", "-M", fmt::format("unsb-{}", getpid())}, cmd));
    ASSERT_TRUE(b.wait_out("ready", 30s)) << b.out() << b.err();
    uint32_t ra = map_base(a.out()), rb = map_base(b.out());
    EXPECT_TRUE(picked(ra) && picked(rb)) << a.out() << b.out();
    EXPECT_NE(ra, rb) << "two machines share a range";
    EXPECT_NE(a.out().find("owner 0\n"), std::string::npos) << a.out();
    EXPECT_NE(b.out().find("owner 0\n"), std::string::npos) << b.out();
    EXPECT_EQ(lstat_of(t.path() / "bin/busybox").st_uid, 0u);
    // And systemd-nspawn can use the tree afterwards as it is (nothing of ours on it).
    ::kill(a.pid(), SIGTERM);
    ::kill(b.pid(), SIGTERM);
    EXPECT_NE(a.wait_exit(20s), -1);
    EXPECT_NE(b.wait_exit(20s), -1);
    EXPECT_TRUE(mounts_under(t.path()).empty());
}

TEST(UserNs, APickedRangeIsFreeAgainAfterSpawnIsKilled) {
    TempTree t("busybox");
    const std::string name = fmt::format("unsk-{}", getpid());
    std::vector<std::string> cmd{"/bin/sh", "-c", "cat /proc/self/uid_map; echo ready; exec sleep 600"};
    uint32_t first = 0;
    {
        Interactive c(spawn_args(t.str(), {"-U", "-M", name}, cmd));
        ASSERT_TRUE(c.wait_out("ready", 30s)) << c.out() << c.err();
        first = map_base(c.out());
        ASSERT_TRUE(picked(first)) << c.out();
        ::kill(c.pid(), SIGKILL);
        EXPECT_EQ(c.wait_exit(20s), 128 + SIGKILL);
    }
    // The kernel dropped the lock with spawn and kills the container (its
    // parent-death signal): once its processes are gone, a new start of the
    // machine gets its range back.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (range_mapped(first) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    ASSERT_FALSE(range_mapped(first)) << "the container outlived spawn's SIGKILL";
    Interactive again(spawn_args(t.str(), {"-U", "-M", name}, cmd));
    ASSERT_TRUE(again.wait_out("ready", 30s)) << again.out() << again.err();
    EXPECT_EQ(map_base(again.out()), first);
    ::kill(again.pid(), SIGTERM);
    EXPECT_NE(again.wait_exit(20s), -1);
}

// Host root's powers, tried by container root: all refused with -U (by the
// kernel, whatever the container mounts); the ones spawn promises without -U
// refused there too; systemd-nspawn -U refuses the same ones.
TEST(UserNs, ContainerRootCannotDoWhatHostRootCan) {
    ProbeTree t;
    // A handle of a host file outside the tree, on the tree's file system.
    const fs::path secret = t.tree.path().parent_path() / fmt::format("spawn-uns-secret-{}", getpid());
    { std::ofstream(secret) << "host secret\n"; }
    alignas(struct file_handle) unsigned char handle_buf[sizeof(struct file_handle) + MAX_HANDLE_SZ] = {};
    auto* fh = reinterpret_cast<struct file_handle*>(handle_buf);
    fh->handle_bytes = MAX_HANDLE_SZ;
    int mount_id = 0;
    std::vector<std::string> probe{"/probe", "host-attacks"};
    if (name_to_handle_at(AT_FDCWD, secret.c_str(), fh, &mount_id, 0) == 0) {
        std::string hex;
        const unsigned char* bytes = handle_buf + offsetof(struct file_handle, f_handle);
        for (unsigned i = 0; i < fh->handle_bytes; ++i) hex += fmt::format("{:02x}", bytes[i]);
        probe.push_back(std::to_string(fh->handle_type));
        probe.push_back(hex);
    }
    const std::vector<std::string> userns_refused{"mknod_block", "new_v1_hierarchy", "release_agent_write",
                                                  "open_by_handle", "proc_sys_write", "fresh_proc_write",
                                                  "sys_write", "fresh_sys_write", "finit_module",
                                                  "keyctl_session", "kcore_open", "kcore_read"};
    auto with = run(spawn_args(t.str(), {"-U"}, probe));
    ASSERT_EQ(with.status, 0) << with.err;
    auto m = parse_probe(with.out);
    ASSERT_TRUE(m.count("finit_module")) << with.out;
    if (probe.size() > 2) {
        EXPECT_EQ(m["open_by_handle"], "EPERM") << with.out;
    }
    for (const auto& k : userns_refused) EXPECT_NE(m.count(k) ? m[k] : "absent", "ok") << k << " with -U\n" << with.out;
    EXPECT_EQ(m["mknod_block"], "EPERM");

    auto without = run(spawn_args(t.str(), {}, probe));
    ASSERT_EQ(without.status, 0) << without.err;
    auto w = parse_probe(without.out);
    for (const char* k : {"open_block", "release_agent_write", "open_by_handle", "proc_sys_write", "sys_write", "finit_module",
                          "keyctl_session", "kcore_read"})
        EXPECT_NE(w.count(k) ? w[k] : "absent", "ok") << k << " without -U\n" << without.out;

    if (access("/usr/bin/systemd-nspawn", X_OK) == 0) {
        std::vector<std::string> ref{"systemd-nspawn", "-q", "--register=no", "--keep-unit", "-P", "-U",
                                     "--private-users-ownership=map", "-D", t.str()};
        ref.insert(ref.end(), probe.begin(), probe.end());
        auto theirs = run(ref);
        if (theirs.status == 0) {
            auto n = parse_probe(theirs.out);
            for (const auto& k : userns_refused) {
                if (n.count(k) && m.count(k)) {
                    EXPECT_EQ(n[k] == "ok", m[k] == "ok") << k << ": nspawn -U " << n[k] << ", spawn -U " << m[k];
                }
            }
        }
    }
    fs::remove(secret);
}

TEST(UserNs, BadValuesAreRefusedInOneLineAndLeaveNothing) {
    TempTree t("busybox");
    const auto locks_before = lock_files();
    const auto mounts_before = host_mount_points();
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    const std::vector<Case> cases{
        {{"--private-users="}, "Invalid --private-users: ''"},
        {{"--private-users=maybe"}, "Invalid --private-users: 'maybe'"},
        {{"--private-users=70000:0"}, "at least one UID"},
        {{"--private-users=4294967000:1000"}, "beyond the last UID"},
        {{"--private-users=-5"}, "Invalid --private-users: '-5'"},
        {{"--private-users-ownership=copy"}, "Invalid --private-users-ownership: 'copy'"},
        {{"--private-users-ownership="}, "Invalid --private-users-ownership: ''"},
        {{"-U", "--network-namespace-path=/nonexistent/ns"}, "--network-namespace-path"},
        // A shift keeps the low 16 bits: only aligned, whole ranges (else IDs collide on root).
        {{"--private-users=100000", "--private-users-ownership=chown"}, "starting at a multiple of 65536"},
        {{"--private-users=1048576:1000", "--private-users-ownership=chown"}, "starting at a multiple of 65536"},
        // A --read-only tree may serve another machine of another range: never shifted.
        {{"-U", "--read-only", "--private-users-ownership=chown"}, "--read-only: "},
    };
    for (const auto& c : cases) {
        auto r = run(spawn_args(t.str(), c.args, {"/bin/true"}));
        EXPECT_EQ(r.status, 1) << c.args[0];
        EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args[0] << ": " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    auto missing = run({spawn_bin(), "-D", t.str(), "--private-users"});
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.err.find("--private-users"), std::string::npos) << missing.err;

    // yes: the tree's owner must start a range; map: the tree must be the host's 0..65535.
    ASSERT_EQ(lchown(t.path().c_str(), 1000, 1000), 0);
    auto yes = run(spawn_args(t.str(), {"--private-users=yes"}, {"/bin/true"}));
    EXPECT_EQ(yes.status, 1);
    EXPECT_NE(yes.err.find("--private-users=yes: the tree's root directory is owned by 1000:1000"), std::string::npos) << yes.err;
    ASSERT_EQ(lchown(t.path().c_str(), 0x100000, 0x100000), 0);
    auto map2 = run(spawn_args(t.str(), {"--private-users=2097152", "--private-users-ownership=map"}, {"/bin/true"}));
    EXPECT_EQ(map2.status, 1);
    EXPECT_NE(map2.err.find("--private-users-ownership=map: " + t.str() + " is owned by 1048576:1048576"), std::string::npos)
        << map2.err;
    EXPECT_EQ(std::count(map2.err.begin(), map2.err.end(), '\n'), 1) << map2.err;

    EXPECT_EQ(lock_files(), locks_before);
    EXPECT_EQ(host_mount_points(), mounts_before);
    EXPECT_TRUE(mounts_under(t.path()).empty());
}

TEST(UserNs, IdmappedBindsKeepHostOwnersInside) {
    TempTree t("busybox");
    ScratchDir host;
    const fs::path dir = host.path() / "shared";
    fs::create_directories(dir);
    { std::ofstream(dir / "users-file") << "x\n"; }
    ASSERT_EQ(chown((dir / "users-file").c_str(), 1000, 1000), 0);
    ASSERT_EQ(chown(dir.c_str(), 4242, 4243), 0);
    auto r = run(spawn_args(t.str(), {"-U", "--bind=" + dir.string() + ":/mnt/id:idmap",
                                      "--bind-ro=" + dir.string() + ":/mnt/root:rootidmap",
                                      "--bind=" + dir.string() + ":/mnt/plain"},
                            {"/bin/sh", "-c",
                             "stat -c '%n %u:%g' /mnt/id/users-file /mnt/plain/users-file /mnt/root /mnt/root/users-file; "
                             "touch /mnt/id/made; touch /mnt/root/nope || echo read-only"}));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("/mnt/id/users-file 1000:1000\n"), std::string::npos) << "idmap: host 1000 is 1000 inside\n" << r.out;
    EXPECT_NE(r.out.find("/mnt/plain/users-file 65534:65534\n"), std::string::npos) << "no idmap: nobody\n" << r.out;
    EXPECT_NE(r.out.find("/mnt/root 0:0\n"), std::string::npos) << "rootidmap: the owner is root inside\n" << r.out;
    EXPECT_NE(r.out.find("/mnt/root/users-file 65534:65534\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("read-only"), std::string::npos) << r.out;
    EXPECT_EQ(lstat_of(dir / "made").st_uid, 0u) << "idmap: container root writes as host 0";
    EXPECT_FALSE(fs::exists(dir / "nope"));
    EXPECT_TRUE(mounts_under(t.path()).empty());
}

namespace {

// A host user for the test, removed again (useradd/userdel from passwd).
struct HostUser {
    std::string name = fmt::format("spawnbu{}", getpid());
    ScratchDir home_parent;
    fs::path home = home_parent.path() / "home";
    bool made = false;
    HostUser() {
        auto r = run({"useradd", "-M", "-d", home.string(), "-s", "/bin/sh", "-c", "Bound User", name});
        made = r.status == 0;
        if (!made) return;
        fs::create_directories(home);
        run({"chown", name + ":", home.string()});
        ::chmod(home.c_str(), 0700);
    }
    ~HostUser() {
        if (made) run({"userdel", name});
    }
};

}  // namespace

TEST(UserNs, BindUserMapsTheHostUserAndItsHome) {
    HostUser user;
    if (!user.made) GTEST_SKIP() << "useradd is not available";
    struct stat hs {};
    ASSERT_EQ(stat(user.home.c_str(), &hs), 0);
    { std::ofstream(user.home / "mine") << "x\n"; }
    ASSERT_EQ(chown((user.home / "mine").c_str(), hs.st_uid, hs.st_gid), 0);
    TempTree t("busybox");
    const std::string in = "/run/host/home/" + user.name;
    auto r = run(spawn_args(t.str(), {"-U", "--bind-user=" + user.name},
                            {"/bin/sh", "-c",
                             "stat -c '%n %u:%g %a' " + in + " " + in + "/mine; cat /run/host/userdb/" + user.name +
                                 ".user; ls /run/host/userdb; touch " + in + "/made; chown 60514:60514 " + in + "/made"}));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find(in + " 60514:60514 700\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(in + "/mine 60514:60514"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"userName\":\"" + user.name + "\",\"uid\":60514,\"gid\":60514"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"homeDirectory\":\"" + in + "\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("60514.group\n60514.user\n"), std::string::npos) << r.out;
    auto made = lstat_of(user.home / "made");
    EXPECT_EQ(made.st_uid, hs.st_uid) << "60514 inside is the host user";
    EXPECT_EQ(made.st_gid, hs.st_gid);

    auto unknown = run(spawn_args(t.str(), {"-U", "--bind-user=nosuchuser-spawn"}, {"/bin/true"}));
    EXPECT_EQ(unknown.status, 1);
    EXPECT_EQ(unknown.err, "spawn: --bind-user=nosuchuser-spawn: no such user on the host\n");
    EXPECT_TRUE(mounts_under(t.path()).empty());
}

// The tree and everything bound into it are set up by the host before the
// container's user namespace exists, so the kernel locks them: container
// root can neither make a read-only one writable nor unmount one to see what
// is below (it could, were the mounts its own).
TEST(UserNs, ContainerRootCannotUndoTheMountsOfTheHost) {
    TempTree t("busybox");
    ScratchDir host;
    { std::ofstream(host.path() / "file") << "host\n"; }
    auto r = run(spawn_args(
        t.str(), {"-U", "--read-only", "--bind-ro=" + host.str() + ":/mnt/ro:idmap"},
        {"/bin/sh", "-c",
         "mount -o remount,rw / 2>/dev/null && echo root-rw; mount -o remount,rw /mnt/ro 2>/dev/null && echo bind-rw; "
         "mount -o remount,bind,rw /mnt/ro 2>/dev/null && echo bind-rw2; umount /mnt/ro 2>/dev/null && echo bind-gone; "
         "umount -l /dev 2>/dev/null && echo dev-gone; echo x > /mnt/ro/file 2>/dev/null && echo wrote; "
         "touch /newfile 2>/dev/null && echo root-written; cat /mnt/ro/file"}));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "host\n") << "container root changed a mount of the host's";
    EXPECT_EQ(read_file(host.path() / "file"), "host\n");
    EXPECT_FALSE(fs::exists(t.path() / "newfile"));
}

// With systemd as PID 1 the scope is systemd's; spawn finds its directories
// from the container's /proc/PID/cgroup and gives them to the range's root.
// Checked here on spawn's own scope of a running container (the finding and
// the chown are the same code).
TEST(UserNs, TheContainersScopeIsDelegatedFromItsProcCgroup) {
    TempTree t("busybox");
    const std::string name = fmt::format("unsd-{}", getpid());
    Interactive c(spawn_args(t.str(), {"-M", name}, {"/bin/sh", "-c", "echo ready; exec sleep 600"}));
    ASSERT_TRUE(c.wait_out("ready", 30s)) << c.out() << c.err();
    pid_t payload = child_of(c.pid());
    ASSERT_GT(payload, 0);
    const uid_t root_id = 0x7A120000;
    ASSERT_TRUE(spawn::machined::delegate_transient_scope(payload, root_id).ok());
    int delegated = 0;
    auto memberships = spawn::machined::cgroups_of(payload);
    ASSERT_TRUE(memberships.ok());
    const std::vector<spawn::machined::CgroupMembership> list = *memberships;
    for (const auto& m : list) {
        if (!m.unified && !m.named_systemd) continue;
        const fs::path dir = m.mount + m.path;
        EXPECT_EQ(lstat_of(dir).st_uid, root_id) << dir;
        EXPECT_EQ(lstat_of(dir / "cgroup.procs").st_uid, root_id) << dir;
        ++delegated;
    }
    EXPECT_GE(delegated, 1);
    ::kill(c.pid(), SIGTERM);
    EXPECT_NE(c.wait_exit(20s), -1);
}
