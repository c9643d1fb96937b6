// Helpers shared by the core_* integration suites: background starts of
// spawn, host process scans, cgroup and mount snapshots.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "harness.hpp"

namespace spawn::test {

// spawn started in the background with stdout/stderr captured to files.
class Background {
public:
    explicit Background(const std::vector<std::string>& argv);
    ~Background();
    pid_t pid() const { return pid_; }
    // Waits up to timeout; returns the exit status (128+signal when killed), -1 on timeout.
    int wait(std::chrono::milliseconds timeout);
    std::string out() const;
    std::string err() const;

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    std::string dir_;
};

// Every entry below dir, one line each, sorted: path, type, mode, owner,
// group, size, mtime, link count, symlink target (what a faithful copy keeps).
std::string tree_listing(const std::filesystem::path& dir);

// Host pids whose command line contains marker.
std::vector<pid_t> pids_with_marker(const std::string& marker);
// Waits until f() is true or timeout; returns f().
template <typename F>
bool eventually(F f, std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (f()) return true;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, nullptr);
    }
    return f();
}
// machine.slice/machine-NAME.scope directories of machine NAME in every
// cgroup hierarchy (other sessions may run containers: always filter by name).
std::vector<std::string> machine_cgroups(const std::string& machine);
// New host mount points (after minus before) that a container of tree could
// have leaked: at or below the tree, or at a path the container mounts.
std::vector<std::string> leaked_mounts(const std::vector<std::string>& before, const std::string& tree);
// In a forked child: slave becomes the controlling terminal and stdin/out/err
// (master and slave closed), then argv is executed (PATH search); 127 if not.
[[noreturn]] void exec_on_tty(int master, int slave, const std::vector<std::string>& argv);
// The spawn command line prefix: {spawn, -q, --register=no}.
std::vector<std::string> spawn_cmd(std::vector<std::string> args);
// Whether spawn was built with -Dfault_injection=true (util/fault.hpp): a
// start in tree with SPAWN_FAULT_RECORD=1 names its fault points.
bool spawn_has_fault_points(const std::string& tree);

}  // namespace spawn::test
