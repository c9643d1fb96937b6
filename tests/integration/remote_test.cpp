// mctl -H [USER@]HOST[:PORT] (machines of another host over ssh, through
// sd-bus's remote transport) against an sshd on 127.0.0.1 that the test
// starts with keys of its own; the "other host" is this one, whose bus and
// machined the fixture runs. And -M: a container's own bus.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "bus_fixture.hpp"
#include "harness.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

uint16_t free_port() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
}

bool port_open(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    return ok;
}

// sshd on 127.0.0.1:port() for root with a key of the test's, and an `ssh`
// first in PATH that uses it (sd-bus runs "ssh ... systemd-stdio-bridge").
class LocalSshd {
public:
    LocalSshd() {
        const auto& d = dir_.path();
        port_ = free_port();
        for (const char* k : {"hostkey", "id"})
            EXPECT_EQ(run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", (d / k).string()}).status, 0);
        fs::copy_file(d / "id.pub", d / "authorized_keys");
        std::ofstream(d / "sshd_config") << "Port " << port_ << "\nListenAddress 127.0.0.1\nHostKey " << (d / "hostkey").string()
                                         << "\nPidFile " << (d / "sshd.pid").string() << "\nAuthorizedKeysFile "
                                         << (d / "authorized_keys").string()
                                         << "\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
                                            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n";
        std::ofstream(d / "ssh_config") << "Host *\n  IdentityFile " << (d / "id").string()
                                        << "\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n"
                                           "  LogLevel ERROR\n  BatchMode yes\n  ConnectTimeout 20\n";
        fs::create_directory(d / "bin");
        std::ofstream(d / "bin/ssh") << "#!/bin/sh\nexec /usr/bin/ssh -F " << (d / "ssh_config").string() << " \"$@\"\n";
        fs::permissions(d / "bin/ssh", fs::perms(0755));
        made_run_sshd_ = !fs::exists("/run/sshd") && fs::create_directory("/run/sshd");
        pid_ = fork();
        if (pid_ == 0) exec_argv({"/usr/sbin/sshd", "-D", "-e", "-f", (d / "sshd_config").string()});
        auto end = std::chrono::steady_clock::now() + 30s;
        while (!port_open(port_) && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(20ms);
        EXPECT_TRUE(port_open(port_)) << "sshd did not start";
    }
    ~LocalSshd() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
        if (made_run_sshd_) fs::remove("/run/sshd");
    }
    uint16_t port() const { return port_; }
    // mctl with ARGS and the test's ssh first in PATH.
    RunResult mctl(const std::vector<std::string>& args) const {
        std::vector<std::string> argv = {"env", "PATH=" + (dir_.path() / "bin").string() + ":" + std::getenv("PATH"),
                                         mctl_bin()};
        argv.insert(argv.end(), args.begin(), args.end());
        RunOptions o;
        o.timeout = 60s;
        return run(argv, o);
    }

private:
    ScratchDir dir_;
    uint16_t port_ = 0;
    pid_t pid_ = -1;
    bool made_run_sshd_ = false;
};

}  // namespace

TEST(MctlRemote, HostListsTheMachinesOfAnotherHostOverSsh) {
    if (access("/usr/sbin/sshd", X_OK) != 0) GTEST_SKIP() << "no sshd (openssh-server; tools/test installs it)";
    if (access("/usr/bin/systemd-stdio-bridge", X_OK) != 0) GTEST_SKIP() << "no systemd-stdio-bridge";
    BusFixture::ensure_machined();
    LocalSshd sshd;
    TempTree t("busybox");
    const std::string name = "remote-" + std::to_string(getpid());
    BackgroundSpawn s({"-q", "-D", t.str(), "-M", name, "--register=yes", "sleep", "1000"});
    ASSERT_TRUE(s.wait_registered(name)) << s.output();
    const std::string host = "root@127.0.0.1:" + std::to_string(sshd.port());

    auto list = sshd.mctl({"-H", host, "list", "--no-legend"});
    EXPECT_EQ(list.status, 0) << list.err;
    EXPECT_NE(machine_row(list.out, name), "") << list.out;
    auto status = sshd.mctl({"--host=" + host, "status", name, "-n", "0"});
    EXPECT_EQ(status.status, 0) << status.err;
    EXPECT_NE(status.out.find("Leader: "), std::string::npos) << status.out;
    // What needs this host's processes and files is refused in one line.
    for (const char* verb : {"exec", "shell", "journal"}) {
        std::vector<std::string> args = {"-H", host, verb, name};
        if (std::string(verb) != "journal") args.push_back("true");
        auto r = sshd.mctl(args);
        EXPECT_EQ(r.status, 1) << verb;
        EXPECT_EQ(r.err, std::string("mctl: ") + verb + ": only supported on the local host, not with -H/--host=" + host + "\n");
    }
    // Nothing listens there: one line, bounded.
    auto begin = std::chrono::steady_clock::now();
    auto closed = sshd.mctl({"-H", "root@127.0.0.1:" + std::to_string(free_port()), "list"});
    EXPECT_EQ(closed.status, 1);
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 45s);
    EXPECT_NE(closed.err.find("mctl: "), std::string::npos) << closed.err;
}

TEST(MctlRemote, MachineOptionAndBadValues) {
    BusFixture::ensure_machined();
    TempTree t("busybox");
    const std::string name = "remotem-" + std::to_string(getpid());
    BackgroundSpawn s({"-q", "-D", t.str(), "-M", name, "--register=yes", "sleep", "1000"});
    ASSERT_TRUE(s.wait_registered(name)) << s.output();
    // The busybox guest has no bus of its own: one line naming the machine.
    auto r = run_mctl({"-M", name, "list"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("machine " + name), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(run_mctl({"-M", name, "exec", name, "true"}).err,
              "mctl: exec: only supported on the local host, not with -M/--machine=" + name + "\n");
    EXPECT_EQ(run_mctl({"-H"}).err, "mctl: option -H needs a value\n");
    EXPECT_EQ(run_mctl({"--host="}).err, "mctl: --host=: expected [USER@]HOST[:PORT]\n");
    EXPECT_EQ(run_mctl({"--machine=a/b", "list"}).err, "mctl: --machine=a/b: not a machine name\n");
    EXPECT_EQ(run_mctl({"-H", "h", "-M", "m", "list"}).err, "mctl: -H/--host= and -M/--machine= may not be combined\n");
}
