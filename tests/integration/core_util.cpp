#include "core_util.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace spawn::test {
namespace fs = std::filesystem;

Background::Background(const std::vector<std::string>& argv) {
    char tmpl[] = "/tmp/spawn-bg-XXXXXX";
    dir_ = mkdtemp(tmpl);
    pid_ = fork();
    if (pid_ == 0) {
        setsid();
        int in = open("/dev/null", O_RDONLY);
        int out = open((dir_ + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open((dir_ + "/err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        exec_argv(argv);
    }
}

Background::~Background() {
    if (!reaped_ && pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

int Background::wait(std::chrono::milliseconds timeout) {
    if (reaped_) return -1;
    int st = 0;
    bool done = eventually([&] { return waitpid(pid_, &st, WNOHANG) == pid_; }, timeout);
    if (!done) return -1;
    reaped_ = true;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

std::string Background::out() const { return read_file(dir_ + "/out"); }
std::string Background::err() const { return read_file(dir_ + "/err"); }

std::vector<pid_t> pids_with_marker(const std::string& marker) {
    std::vector<pid_t> out;
    DIR* d = opendir("/proc");
    if (!d) return out;
    while (struct dirent* e = readdir(d)) {
        pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
        if (pid <= 0 || pid == getpid()) continue;
        std::string cmd = read_file(std::string("/proc/") + e->d_name + "/cmdline");
        for (auto& c : cmd)
            if (c == '\0') c = ' ';
        // Zombies have an empty cmdline; they are no longer running.
        if (cmd.find(marker) != std::string::npos) out.push_back(pid);
    }
    closedir(d);
    return out;
}

std::vector<std::string> machine_cgroups(const std::string& machine) {
    std::string unit = "machine-";
    for (char c : machine) unit += c == '-' ? std::string("\\x2d") : std::string(1, c);
    unit += ".scope";
    std::vector<std::string> out;
    std::error_code ec;
    for (auto& h : fs::directory_iterator("/sys/fs/cgroup", ec)) {
        for (auto base : {h.path() / "machine.slice", h.path()}) {
            if (!fs::is_directory(base, ec)) continue;
            for (auto& e : fs::directory_iterator(base, ec)) {
                auto name = e.path().filename().string();
                if (name == unit) out.push_back(e.path().string());
            }
        }
    }
    return out;
}

std::vector<std::string> spawn_cmd(std::vector<std::string> args) {
    std::vector<std::string> v = {spawn_bin(), "-q", "--register=no"};
    v.insert(v.end(), args.begin(), args.end());
    return v;
}

}  // namespace spawn::test

namespace spawn::test {
std::vector<std::string> leaked_mounts(const std::vector<std::string>& before, const std::string& tree) {
    std::vector<std::string> out;
    for (const auto& m : host_mount_points()) {
        if (std::find(before.begin(), before.end(), m) != before.end()) continue;
        bool suspicious = m == tree || m.rfind(tree + "/", 0) == 0;
        for (const char* p : {"/proc", "/sys", "/dev", "/run", "/tmp", "/mnt", "/scratch", "/sys/fs/cgroup"})
            suspicious = suspicious || m == p;
        suspicious = suspicious || m.rfind("/proc/", 0) == 0 || m.rfind("/dev/", 0) == 0 ||
                     m.rfind("/sys/fs/cgroup/", 0) == 0;
        if (suspicious) out.push_back(m);
    }
    return out;
}
void exec_on_tty(int master, int slave, const std::vector<std::string>& argv) {
    setsid();
    ioctl(slave, TIOCSCTTY, 0);
    dup2(slave, 0);
    dup2(slave, 1);
    dup2(slave, 2);
    close(master);
    if (slave > 2) close(slave);
    exec_argv(argv);
}

std::string tree_listing(const std::filesystem::path& dir) {
    return sh("cd '" + dir.string() + "' && find . -printf '%p %y %m %U %G %s %T@ %n %l\\n' | sort").out;
}

bool spawn_has_fault_points(const std::string& tree) {
    RunOptions o;
    o.env = {"SPAWN_FAULT_RECORD=1"};
    return run(spawn_cmd({"-D", tree, "/bin/true"}), o).err.find("spawn: fault point ") != std::string::npos;
}

}  // namespace spawn::test
