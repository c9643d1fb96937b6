// A system bus and systemd-machined for the integration tests. BusFixture
// starts dbus-daemon --system (at the standard /run/dbus/system_bus_socket,
// since machined, machinectl and our tools use the system bus) unless one
// already answers there, and /lib/systemd/systemd-machined unless
// org.freedesktop.machine1 already has an owner. It stops what it started.
//
// machined exits after ~30 s without machines, and nothing re-activates it on
// a host without systemd: call ensure_machined() at the start of each test.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace spawn::test {

class BusFixture : public ::testing::Environment {
public:
    void SetUp() override;
    void TearDown() override;
    // Starts machined again if it exited; fails the test if it cannot.
    static void ensure_machined();
    // Unregisters the machines whose leader is gone (what a killed test run
    // leaves: machined keeps them on a host without systemd, across restarts).
    static void clear_stale_machines();
    static bool machined_on_bus();
    // Stops the machined this fixture started and starts a new one (false,
    // and nothing done, when machined was not ours to restart).
    static bool restart_machined();
    // The same for the dbus-daemon and machined this fixture started.
    static bool restart_bus();

private:
    static void start_bus();
    static void stop_bus();
    static void stop_machined();
    static pid_t dbus_pid_;
    static pid_t machined_pid_;
};

// A process that stands in for a container's PID 1, in
// /machine.slice/machine-NAME.scope of the hierarchies systemd names units in
// (what machined needs to register it; cgroup_layout.hpp: name=systemd and
// unified on a hybrid host, /sys/fs/cgroup itself on a pure cgroup2 host). Without a tree: a forked
// `sleep` (our direct child, so tests can see which signal ended it). With a
// tree: `sleep` as PID 1 of new PID/mount/UTS/IPC namespaces, pivoted into the
// tree with /proc, a devpts instance (/dev/ptmx) and hostname NAME-guest.
// The destructor kills it, removes the cgroups and any registration left.
class FakeLeader {
public:
    explicit FakeLeader(const std::string& name, const std::string& tree = "");
    FakeLeader(const FakeLeader&) = delete;
    FakeLeader& operator=(const FakeLeader&) = delete;
    ~FakeLeader();
    pid_t pid() const { return pid_; }
    const std::string& cgroup() const { return cgroup_; }  // "/machine.slice/machine-NAME.scope"
    // That cgroup's directory in each hierarchy it was placed in.
    const std::vector<std::string>& dirs() const { return dirs_; }
    // Kills the process (SIGKILL) and reaps it, keeping the cgroups.
    void kill_now();
    // Waits for the (tree-less) leader to end; returns the raw wait status or
    // -1 after the timeout.
    int wait_end(int timeout_ms);

private:
    pid_t outer_ = -1;  // our direct child (== pid_ without a tree)
    std::string name_;
    std::string cgroup_;
    std::vector<std::string> dirs_;
    pid_t pid_ = -1;
};

// spawn started in the background (stdin /dev/null, output kept in a file),
// for tests that need a running container. The destructor sends SIGTERM,
// then SIGKILL after 10 s, and reaps it.
class BackgroundSpawn {
public:
    explicit BackgroundSpawn(const std::vector<std::string>& args);
    BackgroundSpawn(const BackgroundSpawn&) = delete;
    BackgroundSpawn& operator=(const BackgroundSpawn&) = delete;
    ~BackgroundSpawn();
    pid_t pid() const { return pid_; }
    // Waits until machined lists `name` with a live leader; false on timeout
    // or when spawn exits first.
    bool wait_registered(const std::string& name, int timeout_ms = 20000);
    // Sends sig and waits for spawn to exit; returns its wait status (-1 on timeout).
    int stop(int sig, int timeout_ms = 10000);
    std::string output() const;

private:
    pid_t pid_ = -1;
    std::string log_;
};

// Registers a FakeLeader directly over the bus (RegisterMachineWithNetwork).
bool register_fake(const FakeLeader& l, const std::string& name, const std::string& root = "/");
// Unregisters, ignoring "no such machine".
void unregister_quiet(const std::string& name);
// Names in ListMachines (without .host), or {"<error>"} when the call fails.
std::vector<std::string> listed_machines();
// name is among listed_machines().
bool machine_listed(const std::string& name);
// The row of machine `name` in a `list` output (mctl's or machinectl's), with
// runs of spaces folded to one: the columns are as wide as the widest name,
// and other machines (another session's, a leftover) may be listed.
std::string machine_row(const std::string& listing, const std::string& name);

// argv that runs the real machinectl against our machined: in a private mount namespace
// with an empty directory holding system/ bound over /run/systemd (machinectl
// refuses to run without /run/systemd/system).
std::vector<std::string> real_machinectl(const std::vector<std::string>& args);

}  // namespace spawn::test
