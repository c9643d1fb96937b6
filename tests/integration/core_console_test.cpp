// The console: an interactive shell over a pty (the test is the terminal),
// the terminal restored afterwards, Ctrl-] three times kills the container.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "core_util.hpp"
#include "harness.hpp"

using namespace spawn::test;

namespace {

class PtySession {
public:
    explicit PtySession(const std::vector<std::string>& argv) {
        struct winsize ws = {30, 100, 0, 0};
        if (openpty(&master_, &slave_, nullptr, nullptr, &ws) < 0) return;
        tcgetattr(slave_, &before_);
        pid_ = fork();
        if (pid_ == 0) {
            setenv("TERM", "xterm-spawntest", 1);  // a terminal: the container gets the host's TERM
            exec_on_tty(master_, slave_, argv);
        }
    }
    ~PtySession() {
        if (pid_ > 0 && !reaped_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        if (master_ >= 0) close(master_);
        if (slave_ >= 0) close(slave_);
    }
    void write(const std::string& s) { (void)::write(master_, s.data(), s.size()); }
    // Resizes the terminal: the kernel sends SIGWINCH to spawn (its foreground process group).
    void resize(unsigned short rows, unsigned short cols) {
        struct winsize ws = {rows, cols, 0, 0};
        ioctl(master_, TIOCSWINSZ, &ws);
    }
    // Reads until `needle` appears in the output (or timeout); true when found.
    bool read_until(const std::string& needle, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        auto end = std::chrono::steady_clock::now() + timeout;
        while (output_.find(needle) == std::string::npos) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            struct pollfd p = {master_, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char buf[4096];
            ssize_t n = ::read(master_, buf, sizeof buf);
            if (n <= 0) return output_.find(needle) != std::string::npos;
            output_.append(buf, static_cast<size_t>(n));
        }
        return true;
    }
    int wait(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        int st = 0;
        if (!eventually([&] {
                read_until("\x01", std::chrono::milliseconds(20));  // keep draining
                return waitpid(pid_, &st, WNOHANG) == pid_;
            }, timeout))
            return -1;
        reaped_ = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    const std::string& output() const { return output_; }
    int slave() const { return slave_; }
    pid_t pid() const { return pid_; }
    const struct termios& before() const { return before_; }

private:
    int master_ = -1, slave_ = -1;
    pid_t pid_ = -1;
    bool reaped_ = false;
    std::string output_;
    struct termios before_ {};
};

}  // namespace

TEST(CoreConsole, InteractiveShellOverAPty) {
    TempTree t("busybox");
    PtySession s({spawn_bin(), "--register=no", "-D", t.str(), "/bin/sh"});
    ASSERT_TRUE(s.read_until("Press ^] three times within 1s to kill container.")) << s.output();
    s.write("echo hel''lo $((6*7)) $TERM; tty; stty size; ls -l /dev/console | cut -c1\n");
    ASSERT_TRUE(s.read_until("hello 42 xterm-spawntest")) << s.output();
    EXPECT_TRUE(s.read_until("/dev/pts/0")) << s.output();
    EXPECT_TRUE(s.read_until("30 100")) << s.output();  // window size forwarded
    EXPECT_TRUE(s.read_until("\nc")) << s.output();      // /dev/console is the pty (a char device)
    s.resize(40, 120);
    // SIGWINCH forwarded: the container's terminal takes the new size (asked
    // again until it shows, for at most 10 s).
    bool resized = eventually([&] {
        s.write("stty size\n");
        return s.read_until("40 120", std::chrono::milliseconds(500));
    }, std::chrono::seconds(10));
    EXPECT_TRUE(resized) << s.output();
    s.write("exit 3\n");
    EXPECT_EQ(s.wait(), 3) << s.output();
    EXPECT_NE(s.output().find("Container " + t.path().filename().string() + " failed with error code 3."),
              std::string::npos) << s.output();
    // The terminal settings are restored.
    struct termios after {};
    tcgetattr(s.slave(), &after);
    EXPECT_EQ(after.c_lflag, s.before().c_lflag);
    EXPECT_EQ(after.c_iflag, s.before().c_iflag);
    EXPECT_TRUE(mounts_under(t.path()).empty());
}

TEST(CoreConsole, ThreeCtrlBracketsKillTheContainer) {
    TempTree t("busybox");
    PtySession s({spawn_bin(), "--register=no", "-D", t.str(), "/bin/sh"});
    ASSERT_TRUE(s.read_until("Press ^]")) << s.output();
    s.write("echo ready\n");
    ASSERT_TRUE(s.read_until("ready\r\n")) << s.output();
    s.write("\x1d\x1d\x1d");
    EXPECT_EQ(s.wait(), 1) << s.output();
    EXPECT_NE(s.output().find("terminated by signal SIGKILL"), std::string::npos) << s.output();
    EXPECT_TRUE(machine_cgroups(t.path().filename().string()).empty());
}

TEST(CoreConsole, PipeModeWithATerminalOnStdin) {
    TempTree t("busybox");
    PtySession s({spawn_bin(), "--register=no", "-q", "--console=pipe", "-D", t.str(), "/bin/sh", "-c",
                  "[ -e /dev/console ] && echo HAS-CONSOLE; echo piped-ok"});
    EXPECT_TRUE(s.read_until("piped-ok")) << s.output();
    EXPECT_EQ(s.wait(), 0);
    EXPECT_EQ(s.output().find("HAS-CONSOLE"), std::string::npos) << s.output();
}

TEST(CoreConsole, ReadOnlyConsoleForwardsOutputNotInput) {
    TempTree t("busybox");
    PtySession s({spawn_bin(), "--register=no", "-q", "--console=read-only", "-D", t.str(), "/bin/sh", "-c",
                  "tty; read -t 1 line || echo NO-INPUT; echo done"});
    s.write("typed\n");
    EXPECT_TRUE(s.read_until("done")) << s.output();
    EXPECT_EQ(s.wait(), 0);
    EXPECT_NE(s.output().find("/dev/pts/0"), std::string::npos) << s.output();
    EXPECT_NE(s.output().find("NO-INPUT"), std::string::npos) << s.output();
}

TEST(CoreConsole, PassiveConsoleForwardsNothing) {
    TempTree t("busybox");
    PtySession s({spawn_bin(), "--register=no", "-q", "--console=passive", "-D", t.str(), "/bin/sh", "-c",
                  "echo HIDDEN; exit 4"});
    EXPECT_EQ(s.wait(), 4);
    s.read_until("HIDDEN", std::chrono::milliseconds(300));
    EXPECT_EQ(s.output().find("HIDDEN"), std::string::npos) << s.output();
}

// spawn hands its console over to its monitor (spawn/monitor_stage.hpp) with
// the terminal left raw: a key typed meanwhile is input for the container,
// not a signal for spawn (a Ctrl-C would halt the machine, a Ctrl-Z stop
// spawn). Stopped right before the exec: the terminal is raw, and a Ctrl-C
// typed then is harmless. The monitor restores the settings at the end.
TEST(CoreConsole, TheTerminalStaysRawWhileSpawnBecomesItsMonitor) {
    TempTree t("busybox");
    if (!spawn_has_fault_points(t.str()))
        GTEST_SKIP() << "spawn was built without -Dfault_injection=true (tools/test builds it with it)";
    PtySession s({"env", "SPAWN_FAULT_STOP=monitor", spawn_bin(), "--register=no", "-D", t.str(), "/bin/sh"});
    ASSERT_TRUE(s.read_until("Press ^]")) << s.output();
    ASSERT_TRUE(s.read_until("spawn: stopped at monitor")) << s.output();
    struct termios now {};
    tcgetattr(s.slave(), &now);
    EXPECT_EQ(now.c_lflag & (ICANON | ISIG), 0u) << "the terminal is not raw during the hand-over";
    s.write("\x03");
    ::kill(s.pid(), SIGCONT);
    s.write("echo al''ive\n");
    EXPECT_TRUE(s.read_until("alive")) << s.output();
    s.write("exit 4\n");
    EXPECT_EQ(s.wait(), 4) << s.output();
    struct termios after {};
    tcgetattr(s.slave(), &after);
    EXPECT_EQ(after.c_lflag, s.before().c_lflag);
    EXPECT_EQ(after.c_iflag, s.before().c_iflag);
}
