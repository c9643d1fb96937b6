#include "bus_fixture.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cgroup_layout.hpp"
#include "core_util.hpp"
#include "harness.hpp"
#include "machined/registry.hpp"

namespace spawn::test {
namespace fs = std::filesystem;

pid_t BusFixture::dbus_pid_ = -1;
pid_t BusFixture::machined_pid_ = -1;

static bool bus_answers() {
    auto b = bus::open_system();
    if (!b) return false;
    return bus::name_has_owner(b->get(), "org.freedesktop.DBus").ok();
}

bool BusFixture::machined_on_bus() {
    auto b = bus::open_system();
    if (!b) return false;
    auto has = bus::name_has_owner(b->get(), bus::kMachinedService);
    return has && *has;
}

void BusFixture::start_bus() {
    if (!bus_answers()) {
        fs::create_directories("/run/dbus");
        // A pid file left by a dead daemon makes dbus-daemon refuse to start.
        std::string old = read_file("/run/dbus/pid");
        if (!old.empty() && ::kill(std::stoi(old), 0) < 0) fs::remove("/run/dbus/pid");
        auto r = run({"dbus-daemon", "--system", "--fork", "--print-pid"});
        ASSERT_EQ(r.status, 0) << "starting dbus-daemon --system: " << r.err;
        dbus_pid_ = std::stoi(r.out);
        eventually(bus_answers, std::chrono::seconds(30));
        ASSERT_TRUE(bus_answers()) << "dbus-daemon started (pid " << dbus_pid_ << ") but the system bus does not answer";
    }
}

void BusFixture::SetUp() {
    start_bus();
    ensure_machined();
    clear_stale_machines();
}

bool BusFixture::restart_bus() {
    if (dbus_pid_ <= 0 || machined_pid_ <= 0) return false;
    // machined stays up without a bus: stop it as the bus's unit would.
    stop_machined();
    stop_bus();
    start_bus();
    ensure_machined();
    return bus_answers() && machined_on_bus();
}

void BusFixture::clear_stale_machines() {
    auto m = machined::Machined::connect();
    if (!m) return;
    for (const auto& name : listed_machines()) {
        auto info = m->get(name);
        if (info && !machined::leader_alive(static_cast<pid_t>(info->leader), info->unit)) (void)m->unregister(name);
    }
}

void BusFixture::ensure_machined() {
    if (machined_pid_ > 0 && waitpid(machined_pid_, nullptr, WNOHANG) != 0) machined_pid_ = -1;
    if (machined_on_bus()) return;
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = ::open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        reset_signals();
        execl("/lib/systemd/systemd-machined", "systemd-machined", nullptr);
        _exit(127);
    }
    ASSERT_GT(pid, 0);
    machined_pid_ = pid;
    eventually(machined_on_bus, std::chrono::seconds(30));
    ASSERT_TRUE(machined_on_bus()) << "systemd-machined (pid " << pid << ") did not take org.freedesktop.machine1";
}

bool BusFixture::restart_machined() {
    if (machined_pid_ <= 0) return false;
    stop_machined();
    eventually([] { return !machined_on_bus(); }, std::chrono::seconds(10));
    ensure_machined();
    return machined_on_bus();
}

void BusFixture::TearDown() {
    // What the FakeLeaders and tests left that is not in use any more.
    for (const auto& h : host_leader_hierarchies()) ::rmdir((h + "/machine.slice").c_str());
    for (const char* d : {"/run/spawn/machines", "/run/spawn"}) ::rmdir(d);
    std::error_code ec;
    fs::remove_all("/run/spawn-test-fake-systemd", ec);
    stop_machined();
    stop_bus();
}

void BusFixture::stop_machined() {
    if (machined_pid_ <= 0) return;
    ::kill(machined_pid_, SIGTERM);
    waitpid(machined_pid_, nullptr, 0);
    machined_pid_ = -1;
}

void BusFixture::stop_bus() {
    if (dbus_pid_ <= 0) return;
    ::kill(dbus_pid_, SIGTERM);
    eventually([] { return ::kill(dbus_pid_, 0) != 0; }, std::chrono::seconds(10));
    std::error_code ec;
    fs::remove("/run/dbus/pid", ec);
    fs::remove("/run/dbus/system_bus_socket", ec);  // the daemon leaves it behind
    dbus_pid_ = -1;
}

FakeLeader::FakeLeader(const std::string& name, const std::string& tree) : name_(name) {
    cgroup_ = "/machine.slice/" + machined::scope_unit_name(name);
    for (const auto& h : host_leader_hierarchies()) {
        fs::create_directories(h + cgroup_);
        dirs_.push_back(h + cgroup_);
    }
    EXPECT_FALSE(dirs_.empty()) << "no cgroup hierarchy to place the stand-in leader " << name << " in";
    int sync[2];
    if (pipe(sync) < 0) std::abort();
    std::string script =
        "set -e; mount --bind '" + tree + "' '" + tree + "'; cd '" + tree + "'; mount -t proc proc proc; "
        "mount -t tmpfs -o mode=755 tmpfs dev; mkdir dev/pts; "
        "mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts dev/pts; ln -s pts/ptmx dev/ptmx; "
        "for d in null zero tty; do touch dev/$d; mount --bind /dev/$d dev/$d; done; "
        "mkdir -p .oldroot; pivot_root . .oldroot; cd /; umount -l /.oldroot; rmdir /.oldroot; "
        "hostname '" + name + "-guest'; exec sleep 3600";
    outer_ = fork();
    if (outer_ == 0) {
        char c;
        close(sync[1]);
        if (read(sync[0], &c, 1) != 1) _exit(1);
        int devnull = ::open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        reset_signals();
        if (tree.empty()) {
            execlp("sleep", "sleep", "3600", nullptr);
        } else {
            execlp("unshare", "unshare", "--pid", "--fork", "--kill-child", "--mount", "--propagation", "private", "--uts",
                   "--ipc", "sh", "-c", script.c_str(), nullptr);
        }
        _exit(127);
    }
    close(sync[0]);
    for (const auto& d : dirs_) {
        std::ofstream procs(d + "/cgroup.procs");
        procs << outer_ << std::flush;
        EXPECT_TRUE(procs.good()) << "moving " << outer_ << " into " << d;
    }
    (void)write(sync[1], "x", 1);
    close(sync[1]);
    if (tree.empty()) {
        pid_ = outer_;
        return;
    }
    // The leader is the unshare's child once it runs sleep (after the setup).
    eventually([&] {
        std::string kids = read_file(fmt::format("/proc/{}/task/{}/children", outer_, outer_));
        if (!kids.empty()) {
            pid_t k = std::stoi(kids);
            std::string comm = read_file(fmt::format("/proc/{}/comm", k));
            if (comm == "sleep\n") pid_ = k;
        }
        return pid_ > 0;
    }, std::chrono::seconds(30));
    EXPECT_GT(pid_, 0) << "the fake container in " << tree << " did not come up";
}

void FakeLeader::kill_now() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
    if (outer_ > 0) {
        ::kill(outer_, SIGKILL);
        waitpid(outer_, nullptr, 0);
    }
    pid_ = outer_ = -1;
}

int FakeLeader::wait_end(int timeout_ms) {
    int st = 0;
    if (outer_ <= 0 || !eventually([&] { return waitpid(outer_, &st, WNOHANG) == outer_; },
                                   std::chrono::milliseconds(timeout_ms)))
        return -1;
    pid_ = outer_ = -1;
    return st;
}

FakeLeader::~FakeLeader() {
    kill_now();
    unregister_quiet(name_);
    for (const auto& d : dirs_) {
        // Processes started inside (mctl exec) may take a moment to go.
        bool removed = eventually([&] {
            if (::rmdir(d.c_str()) == 0 || errno == ENOENT) return true;
            std::ifstream procs(d + "/cgroup.procs");
            pid_t p;
            while (procs >> p) ::kill(p, SIGKILL);
            return false;
        }, std::chrono::seconds(30));
        EXPECT_TRUE(removed) << "could not remove " << d << ": " << read_file(d + "/cgroup.procs");
    }
}

BackgroundSpawn::BackgroundSpawn(const std::vector<std::string>& args) {
    char tmpl[] = "/tmp/spawn-test-bg-XXXXXX";
    int fd = mkstemp(tmpl);
    log_ = tmpl;
    pid_ = fork();
    if (pid_ == 0) {
        int devnull = ::open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        setsid();
        std::vector<std::string> argv = {spawn_bin()};
        argv.insert(argv.end(), args.begin(), args.end());
        exec_argv(argv);
    }
    close(fd);
}

bool BackgroundSpawn::wait_registered(const std::string& name, int timeout_ms) {
    bool registered = false;
    eventually([&] {
        if (pid_ <= 0) return true;
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;  // spawn exited first
            return true;
        }
        auto m = machined::Machined::connect();
        if (m) {
            auto info = m->get(name);
            registered = info && machined::leader_alive(static_cast<pid_t>(info->leader), info->unit);
        }
        return registered;
    }, std::chrono::milliseconds(timeout_ms));
    return registered;
}

int BackgroundSpawn::stop(int sig, int timeout_ms) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int st = 0;
    if (!eventually([&] { return waitpid(pid_, &st, WNOHANG) == pid_; }, std::chrono::milliseconds(timeout_ms)))
        return -1;
    pid_ = -1;
    return st;
}

std::string BackgroundSpawn::output() const { return read_file(log_); }

BackgroundSpawn::~BackgroundSpawn() {
    if (pid_ > 0 && stop(SIGTERM) == -1) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    ::unlink(log_.c_str());
}

bool register_fake(const FakeLeader& l, const std::string& name, const std::string& root) {
    auto m = machined::Machined::connect();
    if (!m) {
        ADD_FAILURE() << m.error().message();
        return false;
    }
    machined::RegisterRequest req;
    req.name = name;
    req.leader = l.pid();
    req.root_directory = root;
    for (size_t i = 0; i < req.uuid.size(); ++i) req.uuid[i] = static_cast<uint8_t>(0xa0 + i);
    auto r = m->register_machine(req);
    if (!r) ADD_FAILURE() << r.error().message();
    return r.ok();
}

void unregister_quiet(const std::string& name) {
    auto m = machined::Machined::connect();
    if (m) (void)m->unregister(name);
}

std::vector<std::string> listed_machines() {
    auto m = machined::Machined::connect();
    if (!m) return {"<error>"};
    auto l = m->list();
    if (!l) return {"<error>"};
    std::vector<std::string> out;
    for (auto& e : *l)
        if (e.name != ".host") out.push_back(e.name);
    return out;
}

bool machine_listed(const std::string& name) {
    auto l = listed_machines();
    return std::find(l.begin(), l.end(), name) != l.end();
}

std::string machine_row(const std::string& listing, const std::string& name) {
    std::istringstream in(listing);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(name + " ", 0) != 0) continue;
        std::string folded;
        for (char c : line)
            if (c != ' ' || folded.empty() || folded.back() != ' ') folded += c;
        return folded;
    }
    return "";
}

std::vector<std::string> real_machinectl(const std::vector<std::string>& args) {
    std::string fake = "/run/spawn-test-fake-systemd";
    fs::create_directories(fake + "/system");
    std::string cmd = "mount --bind " + fake + " /run/systemd && exec machinectl --no-pager";
    for (const auto& a : args) cmd += " '" + a + "'";
    return {"unshare", "-m", "--propagation", "private", "sh", "-c", cmd};
}

}  // namespace spawn::test
