#include "transfer_registry.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "util/fdio.hpp"
#include "util/strings.hpp"

namespace spawn::mctl {
namespace {

constexpr unsigned kMaxTransfers = 10000;

// Values are one line each: a newline in a URL or file name cannot add keys.
std::string one_line(std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
}

// The state file's contents, or nothing when it is not a live transfer's
// (its lock free: the transfer was killed; the file is removed then).
std::optional<TransferInfo> read_transfer(int dir, const std::string& name) {
    auto id = str::parse_uint(name);
    if (!id || *id == 0 || *id > kMaxTransfers) return std::nullopt;
    UniqueFd fd(openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return std::nullopt;
    if (flock(fd.get(), LOCK_SH | LOCK_NB) == 0) {
        unlinkat(dir, name.c_str(), 0);
        return std::nullopt;
    }
    std::string text;
    char buf[4096];
    ssize_t n = pread(fd.get(), buf, sizeof buf, 0);
    if (n <= 0) return std::nullopt;
    text.assign(buf, static_cast<size_t>(n));
    TransferInfo t;
    t.id = static_cast<unsigned>(*id);
    for (const auto& line : str::split(text, '\n')) {
        const size_t eq = line.find('=');
        if (eq == std::string::npos) continue;
        const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
        if (key == "TYPE") t.type = value;
        else if (key == "REMOTE") t.remote = value;
        else if (key == "LOCAL") t.local = value;
        else if (key == "PID") t.pid = static_cast<pid_t>(str::parse_uint(value).value_or(0));
        else if (key == "PERCENT") t.percent = static_cast<int>(str::parse_int(value).value_or(-1));
    }
    if (t.pid <= 0 || t.type.empty()) return std::nullopt;
    return t;
}

}  // namespace

Result<TransferRecord> TransferRecord::open(const std::string& type, const std::string& remote, const std::string& local,
                                            const std::string& dir) {
    for (std::string d : {std::string("/run/spawn"), dir})
        if (mkdir(d.c_str(), 0755) < 0 && errno != EEXIST) return Error::errno_("{}", d);
    TransferRecord r;
    r.info_ = TransferInfo{0, type, one_line(remote), one_line(local), getpid(), -1};
    // The lowest free number; a stale file (its lock free) is taken over.
    for (unsigned id = 1; id <= kMaxTransfers; ++id) {
        const std::string path = fmt::format("{}/{}", dir, id);
        UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
        if (!fd) return Error::errno_("{}", path);
        if (flock(fd.get(), LOCK_EX | LOCK_NB) < 0) continue;  // a running transfer's
        // Ours now, unless a killed one's file was removed meanwhile by a reader.
        struct stat a {}, b {};
        if (fstat(fd.get(), &a) < 0 || stat(path.c_str(), &b) < 0 || a.st_ino != b.st_ino) continue;
        r.info_.id = id;
        r.path_ = path;
        r.fd_ = std::move(fd);
        r.write_state();
        return r;
    }
    return Error(EBUSY, fmt::format("{}: no free transfer number", dir));
}

TransferRecord::~TransferRecord() {
    if (fd_) unlink(path_.c_str());  // still locked: no one else takes the number meanwhile
}

void TransferRecord::write_state() {
    const std::string text = fmt::format("TYPE={}\nREMOTE={}\nLOCAL={}\nPID={}\nPERCENT={}\n", info_.type, info_.remote,
                                         info_.local, info_.pid, info_.percent);
    if (ftruncate(fd_.get(), 0) == 0) (void)!pwrite(fd_.get(), text.data(), text.size(), 0);
}

void TransferRecord::progress(uint64_t done, uint64_t total) {
    if (!fd_ || total == 0) return;
    const auto now = std::chrono::steady_clock::now();
    const int percent = static_cast<int>(std::min<uint64_t>(100, done * 100 / total));
    if (percent == info_.percent || now - last_write_ < std::chrono::seconds(1)) return;
    last_write_ = now;
    info_.percent = percent;
    write_state();
}

std::vector<TransferInfo> list_transfers(const std::string& dir) {
    std::vector<TransferInfo> out;
    UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!d) return out;
    DIR* it = fdopendir(fcntl(d.get(), F_DUPFD_CLOEXEC, 3));
    if (!it) return out;
    while (struct dirent* e = readdir(it))
        if (auto t = read_transfer(d.get(), e->d_name)) out.push_back(std::move(*t));
    closedir(it);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

Result<void> cancel_transfer(unsigned id, std::chrono::milliseconds timeout, const std::string& dir) {
    UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    const std::string name = std::to_string(id);
    auto t = d ? read_transfer(d.get(), name) : std::nullopt;
    if (!t) return Error(ENOENT, fmt::format("No transfer {} running", id));
    UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, t->pid, 0)));
    // Still locked now that the pid is pinned: the pid is still the transfer's.
    if (!pidfd || !read_transfer(d.get(), name)) return Error(ENOENT, fmt::format("No transfer {} running", id));
    if (syscall(SYS_pidfd_send_signal, pidfd.get(), SIGTERM, nullptr, 0) < 0)
        return Error::errno_("Could not cancel transfer {}", id);
    // The pidfd becomes readable when the transfer has exited (its cleanup done).
    pollfd p{pidfd.get(), POLLIN, 0};
    int r;
    while ((r = poll(&p, 1, static_cast<int>(timeout.count()))) < 0 && errno == EINTR) {
    }
    if (r > 0) return ok();
    return Error(ETIMEDOUT, fmt::format("Transfer {} did not stop within {} ms", id, timeout.count()));
}

}  // namespace spawn::mctl
