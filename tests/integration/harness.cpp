#include "harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace spawn::test {
namespace fs = std::filesystem;

namespace {
// Every integration suite needs root (namespaces, mounts, cgroups, the system
// bus). Without it the whole executable is skipped before any test runs: exit
// status 77, which meson reports as SKIP, with the reason on stderr.
const bool kRunAsRoot = [] {
    if (geteuid() == 0) return true;
    std::fprintf(stderr,
                 "%s: SKIP: the integration tests need root (namespaces, mounts, cgroups, the system bus); "
                 "run them as root (tools/test)\n",
                 program_invocation_short_name);
    std::fflush(stderr);
    _exit(77);
}();
}  // namespace

void reset_signals() {
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);  // EINVAL for the gaps: fine
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
}

RunResult run(const std::vector<std::string>& argv, const RunOptions& opts) {
    RunResult r;
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        ADD_FAILURE() << "pipe2: " << std::strerror(errno);
        return r;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        setsid();  // no controlling terminal: stdin is a pipe
        for (const auto& e : opts.env) putenv(strdup(e.c_str()));
        exec_argv(argv);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    signal(SIGPIPE, SIG_IGN);
    size_t written = 0;
    int in_fd = in[1];
    if (opts.input.empty()) {
        close(in_fd);
        in_fd = -1;
    } else {
        fcntl(in_fd, F_SETFL, O_NONBLOCK);
    }
    auto deadline = std::chrono::steady_clock::now() + opts.timeout;
    bool out_open = true, err_open = true;
    while (out_open || err_open) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            r.timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        struct pollfd p[3] = {{out_open ? out[0] : -1, POLLIN, 0},
                              {err_open ? err[0] : -1, POLLIN, 0},
                              {in_fd, POLLOUT, 0}};
        if (poll(p, 3, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
        char buf[4096];
        for (int i = 0; i < 2; ++i) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(p[i].fd, buf, sizeof buf);
            if (n <= 0) {
                (i == 0 ? out_open : err_open) = false;
            } else {
                (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
            }
        }
        if (in_fd >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = write(in_fd, opts.input.data() + written, opts.input.size() - written);
            if (n > 0) written += static_cast<size_t>(n);
            if (n < 0 || written == opts.input.size()) {
                close(in_fd);
                in_fd = -1;
            }
        }
    }
    if (in_fd >= 0) close(in_fd);
    close(out[0]);
    close(err[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

static std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

std::string spawn_bin() { return env_or("SPAWN_BIN", "spawn"); }
std::string mctl_bin() { return env_or("MCTL_BIN", "mctl"); }

// The key of this checkout's fixture sources (tools/make-fixtures --key), or
// "" when the checkout is not known (a test binary run by hand).
static const std::string& fixture_key() {
    static const std::string key = [] {
        std::string root = env_or("SPAWN_SOURCE_ROOT", "");
        if (root.empty()) return std::string();
        auto r = run({root + "/tools/make-fixtures", "--key"});
        std::string k = r.out.substr(0, r.out.find('\n'));
        if (r.status != 0 || k.empty()) {
            ADD_FAILURE() << root << "/tools/make-fixtures --key failed (" << r.status << "): " << r.err;
            std::abort();
        }
        return k;
    }();
    return key;
}

fs::path fixture_tarball(const std::string& name) {
    fs::path p = fs::path(env_or("SPAWN_FIXTURES", "/var/cache/spawn/fixtures")) / (name + ".tar");
    if (!fs::exists(p)) {
        ADD_FAILURE() << "fixture " << p << " is missing: run tools/test (it builds the fixtures)";
        std::abort();
    }
    const std::string& want = fixture_key();
    if (!want.empty()) {
        std::string stamp = read_file(p.string() + ".key");
        stamp = stamp.substr(0, stamp.find('\n'));
        if (stamp != want) {
            ADD_FAILURE() << "fixture " << p << " was built from other fixture sources (key '" << stamp
                          << "', this checkout's is '" << want << "'): run tools/make-fixtures (tools/test does)";
            std::abort();
        }
    }
    return p;
}

void exec_argv(const std::vector<std::string>& argv) {
    reset_signals();
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
}

Interactive::Interactive(const std::vector<std::string>& argv) {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        ADD_FAILURE() << "pipe2: " << std::strerror(errno);
        return;
    }
    pid_ = fork();
    if (pid_ == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        setsid();  // no controlling terminal: stdin is a pipe
        exec_argv(argv);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    signal(SIGPIPE, SIG_IGN);
    in_ = in[1];
    outfd_ = out[0];
    errfd_ = err[0];
}

Interactive::~Interactive() {
    close_stdin();
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (outfd_ >= 0) close(outfd_);
    if (errfd_ >= 0) close(errfd_);
}

void Interactive::write(const std::string& s) {
    size_t off = 0;
    while (in_ >= 0 && off < s.size()) {
        ssize_t n = ::write(in_, s.data() + off, s.size() - off);
        if (n > 0) off += static_cast<size_t>(n);
        else if (n < 0 && errno != EINTR) break;
    }
}

void Interactive::close_stdin() {
    if (in_ >= 0) close(in_);
    in_ = -1;
}

bool Interactive::pump(std::chrono::milliseconds timeout) {
    if (outfd_ < 0 && errfd_ < 0) return false;
    struct pollfd p[2] = {{outfd_, POLLIN, 0}, {errfd_, POLLIN, 0}};
    if (poll(p, 2, static_cast<int>(timeout.count())) <= 0) return true;
    char buf[4096];
    for (int i = 0; i < 2; ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        int& fd = i == 0 ? outfd_ : errfd_;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            (i == 0 ? out_ : err_).append(buf, static_cast<size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            close(fd);
            fd = -1;
        }
    }
    return outfd_ >= 0 || errfd_ >= 0;
}

bool Interactive::wait_text(const std::string& text, const std::string& in, std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (in.find(text) == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !pump(left)) return in.find(text) != std::string::npos;
    }
    return true;
}

bool Interactive::wait_out(const std::string& text, std::chrono::milliseconds timeout) {
    return wait_text(text, out_, timeout);
}

bool Interactive::wait_err(const std::string& text, std::chrono::milliseconds timeout) {
    return wait_text(text, err_, timeout);
}

int Interactive::wait_exit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return -1;
    auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int st = 0;
        if (waitpid(pid_, &st, WNOHANG) == pid_) {
            pid_ = -1;
            while (pump(std::chrono::milliseconds(0))) {
            }
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        if (left.count() <= 0) return -1;
        // Reading keeps it from blocking on a full pipe; once both streams
        // ended, wait for the exit itself (its pidfd becomes readable).
        if (!pump(std::min(left, std::chrono::milliseconds(50)))) {
            int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
            if (pidfd < 0) return -1;
            struct pollfd p = {pidfd, POLLIN, 0};
            poll(&p, 1, static_cast<int>(left.count()));
            close(pidfd);
        }
    }
}

RunResult sh(const std::string& cmd) { return run({"/bin/sh", "-c", cmd}); }

RunResult run_mctl(const std::vector<std::string>& args, std::string input) {
    std::vector<std::string> argv = {mctl_bin()};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o;
    o.input = std::move(input);
    o.timeout = std::chrono::seconds(30);
    return run(argv, o);
}

// A fresh directory under /var/tmp; aborts the test binary when there is none.
static fs::path make_temp_dir() {
    char tmpl[] = "/var/tmp/spawn-test-XXXXXX";
    if (!mkdtemp(tmpl)) {
        ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
        std::abort();
    }
    return tmpl;
}

TempTree::TempTree(const std::string& fixture) {
    auto tar = fixture_tarball(fixture);
    path_ = make_temp_dir();
    auto r = run({"tar", "-xpf", tar.string(), "-C", path_.string()});
    if (r.status != 0) {
        ADD_FAILURE() << "extracting " << tar << ": " << r.err;
        std::abort();
    }
}

TempTree::~TempTree() {
    if (path_.empty()) return;
    if (!mounts_under(path_).empty()) {
        ADD_FAILURE() << "not removing " << path_ << ": something is still mounted below it";
        return;
    }
    std::error_code ec;
    fs::remove_all(path_, ec);
}

ScratchDir::ScratchDir() : path_(make_temp_dir()) {}

ScratchDir::~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

// mountinfo escapes space, tab, newline and backslash as octal.
static std::string unescape_mountinfo(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::vector<std::string> host_mount_points() {
    std::vector<std::string> out;
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string id, parent, devno, root, mp;
        ls >> id >> parent >> devno >> root >> mp;
        out.push_back(unescape_mountinfo(mp));
    }
    return out;
}

std::vector<std::string> mounts_under(const fs::path& prefix) {
    std::vector<std::string> out;
    std::string pre = prefix.string();
    for (auto& mp : host_mount_points())
        if (mp == pre || mp.rfind(pre + "/", 0) == 0) out.push_back(mp);
    return out;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    size_t at = 0;
    while (at < text.size()) {
        size_t nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        out.push_back(text.substr(at, nl - at));
        at = nl + 1;
    }
    return out;
}

}  // namespace spawn::test
