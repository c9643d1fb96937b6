#include "spawn-oci/state_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "util/file.hpp"

namespace spawn::oci_runtime {

Result<StateDir> StateDir::create(const std::string& root, const std::string& id) {
    TRY(oci::check_container_id(id));
    // --root and its parents, as runc (containerd's is ROOT/NAMESPACE).
    for (size_t at = root.find('/', 1);; at = root.find('/', at + 1)) {
        const std::string prefix = root.substr(0, at);
        if (mkdir(prefix.c_str(), 0700) < 0 && errno != EEXIST) return Error::errno_("creating --root {}", prefix);
        if (at == std::string::npos) break;
    }
    StateDir d;
    d.path_ = root + "/" + id;
    d.id_ = id;
    if (mkdir(d.path_.c_str(), 0700) < 0) {
        if (errno == EEXIST) return Error(EEXIST, fmt::format("container with id {} exists", id));
        return Error::errno_("creating {}", d.path_);
    }
    return d;
}

Result<StateDir> StateDir::open(const std::string& root, const std::string& id) {
    TRY(oci::check_container_id(id));
    StateDir d;
    d.path_ = root + "/" + id;
    d.id_ = id;
    struct stat st {};
    if (lstat(d.path_.c_str(), &st) < 0 || !S_ISDIR(st.st_mode))
        return Error(ENOENT, fmt::format("container {} does not exist", id));
    return d;
}

Result<void> StateDir::write(const oci::RuntimeState& s) const {
    const std::string tmp = file("state.json.new");
    TRY(write_file(tmp, oci::state_file_text(s), O_CREAT | O_TRUNC, 0600));
    if (rename(tmp.c_str(), file("state.json").c_str()) < 0) return Error::errno_("writing {}", file("state.json"));
    return ok();
}

Result<std::optional<oci::RuntimeState>> StateDir::read() const {
    auto text = read_file(file("state.json"));
    if (!text) {
        if (text.error().code() == ENOENT) return std::optional<oci::RuntimeState>();
        return std::move(text).error();
    }
    return std::optional<oci::RuntimeState>(TRY_CTX(oci::parse_state_file(*text), path_));
}

bool StateDir::supervisor_alive() const {
    UniqueFd fd(::open(file("supervisor.lock").c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    return flock(fd.get(), LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

void StateDir::remove() const {
    for (const char* f : {"state.json", "state.json.new", "ctl.sock", "supervisor.lock"}) unlink(file(f).c_str());
    rmdir(path_.c_str());
}

uint64_t process_start_time(pid_t pid) {
    std::string stat = read_text_file("/proc/" + std::to_string(pid) + "/stat");
    // After the command's closing parenthesis (the end of field 2), one space before each field.
    auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    const char* p = stat.c_str() + close + 1;
    for (int field = 2; field < 22 && *p; ++p)
        if (*p == ' ') ++field;
    return std::strtoull(p, nullptr, 10);
}

std::optional<Pinned> Pinned::pin(pid_t pid, uint64_t start) {
    if (pid <= 0) return std::nullopt;
    Pinned p;
    p.pid_ = pid;
    p.fd_.reset(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
    if (!p.fd_) return std::nullopt;
    // Opened first, checked after: a PID reused before the open has another start time.
    uint64_t now = process_start_time(pid);
    if (now == 0 || (start != 0 && now != start)) return std::nullopt;
    std::string stat = read_text_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z') return std::nullopt;
    return p;
}

Result<void> Pinned::signal(int sig) const {
    if (syscall(SYS_pidfd_send_signal, fd_.get(), sig, nullptr, 0) < 0 && errno != ESRCH)
        return Error::errno_("sending signal {} to PID {}", sig, pid_);
    return ok();
}

bool Pinned::wait_exit(int timeout_ms) const {
    struct pollfd p = {fd_.get(), POLLIN, 0};
    int n;
    while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
    }
    return n != 0;
}

oci::Status status_of(const StateDir& dir, const std::optional<oci::RuntimeState>& s) {
    if (!s) return dir.supervisor_alive() ? oci::Status::Creating : oci::Status::Stopped;
    if (!Pinned::pin(s->pid, s->pid_start)) return oci::Status::Stopped;
    return s->started ? oci::Status::Running : oci::Status::Created;
}

std::vector<pid_t> processes_of(const Pinned& init) {
    std::vector<pid_t> pids;
    struct stat ns {};
    if (stat(fmt::format("/proc/{}/ns/pid", init.pid()).c_str(), &ns) < 0) return pids;
    DIR* d = opendir("/proc");
    if (!d) return pids;
    while (auto* e = readdir(d)) {
        char* end = nullptr;
        long pid = std::strtol(e->d_name, &end, 10);
        if (pid <= 0 || *end) continue;
        struct stat st {};
        if (stat(fmt::format("/proc/{}/ns/pid", pid).c_str(), &st) == 0 && st.st_ino == ns.st_ino &&
            st.st_dev == ns.st_dev)
            pids.push_back(static_cast<pid_t>(pid));
    }
    closedir(d);
    std::sort(pids.begin(), pids.end());
    return pids;
}

std::vector<std::string> container_ids(const std::string& root) {
    std::vector<std::string> ids;
    DIR* d = opendir(root.c_str());
    if (!d) return ids;
    while (auto* e = readdir(d))
        if (e->d_type == DT_DIR && oci::check_container_id(e->d_name).ok()) ids.push_back(e->d_name);
    closedir(d);
    std::sort(ids.begin(), ids.end());
    return ids;
}

}  // namespace spawn::oci_runtime
