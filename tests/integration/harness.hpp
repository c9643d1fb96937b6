// Shared helpers for the integration tests: run the real binaries, make
// throw-away trees from the cached fixtures, read observable host state.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace spawn::test {

struct RunResult {
    int status = -1;         // exit status, or 128+signal when killed
    std::string out, err;    // captured stdout / stderr
    bool timed_out = false;  // killed by the harness after the timeout
};

struct RunOptions {
    std::string input;                                  // written to stdin, then closed
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
    std::vector<std::string> env;                       // extra NAME=VALUE entries
};

// Runs argv (argv[0] looked up in PATH) with pipes on stdin/stdout/stderr.
RunResult run(const std::vector<std::string>& argv, const RunOptions& opts = {});
// In a forked child: every signal back to its default action and none
// blocked, so the programs under test start as a shell or a service manager
// would start them, whatever the test runner inherited (nohup ignores SIGHUP,
// the harness ignores SIGPIPE).
void reset_signals();
// In a forked child: reset_signals(), then execvp(argv), or _exit(127).
[[noreturn]] void exec_argv(const std::vector<std::string>& argv);

// A program driven through pipes while it runs: write to its stdin, wait for
// text on its stdout or stderr, close its stdin, wait for its exit. Every wait
// is for an event with a deadline. The destructor kills it (SIGKILL) if it
// still runs.
class Interactive {
public:
    explicit Interactive(const std::vector<std::string>& argv);
    Interactive(const Interactive&) = delete;
    Interactive& operator=(const Interactive&) = delete;
    ~Interactive();
    void write(const std::string& s);
    void close_stdin();
    // Reads until text appears on stdout (stderr); false at the deadline or
    // when both streams ended without it.
    bool wait_out(const std::string& text, std::chrono::milliseconds timeout);
    bool wait_err(const std::string& text, std::chrono::milliseconds timeout);
    // Waits for the exit (reading on); the exit status (128+signal when
    // killed), or -1 at the deadline.
    int wait_exit(std::chrono::milliseconds timeout);
    pid_t pid() const { return pid_; }
    const std::string& out() const { return out_; }
    const std::string& err() const { return err_; }

private:
    bool pump(std::chrono::milliseconds timeout);  // false when both streams ended
    bool wait_text(const std::string& text, const std::string& in, std::chrono::milliseconds timeout);
    pid_t pid_ = -1;
    int in_ = -1, outfd_ = -1, errfd_ = -1;
    std::string out_, err_;
};

// Paths of the binaries under test (meson passes SPAWN_BIN / MCTL_BIN).
std::string spawn_bin();
std::string mctl_bin();

// /bin/sh -c cmd.
RunResult sh(const std::string& cmd);
// mctl_bin() with args, input on stdin, a 30 s timeout.
RunResult run_mctl(const std::vector<std::string>& args, std::string input = "");

// $SPAWN_FIXTURES (default /var/cache/spawn/fixtures)/NAME.tar; aborts the
// test with a clear message if tools/test (tools/make-fixtures) has not built
// it, or built it from other fixture sources than this checkout's: the stamp
// NAME.tar.key next to it must hold `tools/make-fixtures --key` (checked when
// SPAWN_SOURCE_ROOT names the checkout, as under meson test).
std::filesystem::path fixture_tarball(const std::string& name);

// A tree extracted from a fixture tarball into a fresh directory under
// /var/tmp, removed on destruction.
class TempTree {
public:
    explicit TempTree(const std::string& fixture);
    TempTree(const TempTree&) = delete;
    TempTree& operator=(const TempTree&) = delete;
    ~TempTree();
    const std::filesystem::path& path() const { return path_; }
    std::string str() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

// An empty directory of its own under /var/tmp, removed with what is in it
// on destruction.
class ScratchDir {
public:
    ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ~ScratchDir();
    const std::filesystem::path& path() const { return path_; }
    std::string str() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

// Mount points of the host (this process's mount namespace), from mountinfo.
std::vector<std::string> host_mount_points();
// Mount points at or below prefix.
std::vector<std::string> mounts_under(const std::filesystem::path& prefix);

// The lines of text, without their newlines (a last line without one counts).
std::vector<std::string> lines_of(const std::string& text);
// Reads a whole file ("" if missing).
std::string read_file(const std::filesystem::path& p);

}  // namespace spawn::test
