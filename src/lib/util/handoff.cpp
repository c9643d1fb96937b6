#include "util/handoff.hpp"

#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fdio.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace spawn {
namespace {

std::string escape(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string unescape(std::string_view v) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '\\' && i + 1 < v.size()) {
            out += v[i + 1] == 'n' ? '\n' : v[i + 1];
            ++i;
        } else {
            out += v[i];
        }
    }
    return out;
}

std::string vouch_path(const std::string& dir) { return dir + "/" + std::to_string(::getpid()); }

}  // namespace

void Handoff::put_list(const std::string& key, const std::vector<std::string>& values) {
    put_int(key + ".n", static_cast<int64_t>(values.size()));
    for (size_t i = 0; i < values.size(); ++i) put(key + "." + std::to_string(i), values[i]);
}

void Handoff::put_fd(std::string key, UniqueFd fd) {
    if (auto old = fds_.find(key); old != fds_.end()) ::close(old->second);
    fds_[std::move(key)] = fd.release();
}

std::string Handoff::get(const std::string& key) const {
    auto it = strings_.find(key);
    return it == strings_.end() ? std::string() : it->second;
}

int64_t Handoff::get_int(const std::string& key) const {
    auto s = get(key);
    return s.empty() ? 0 : std::strtoll(s.c_str(), nullptr, 10);
}

std::vector<std::string> Handoff::get_list(const std::string& key) const {
    std::vector<std::string> values;
    const auto n = get_int(key + ".n");
    for (int64_t i = 0; i < n; ++i) values.push_back(get(key + "." + std::to_string(i)));
    return values;
}

UniqueFd Handoff::take_fd(const std::string& key) {
    auto it = fds_.find(key);
    if (it == fds_.end()) return UniqueFd();
    UniqueFd fd(it->second);
    fds_.erase(it);
    return fd;
}

Handoff::~Handoff() {
    for (const auto& [key, fd] : fds_)
        if (fd >= 0) ::close(fd);
}

Result<UniqueFd> Handoff::seal(const std::string& vouch_dir) {
    unsigned char random[16];
    if (getrandom(random, sizeof random, 0) != static_cast<ssize_t>(sizeof random))
        return Error::errno_("making the handoff record's token");
    const std::string token = str::hex(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
    if (::mkdir(vouch_dir.c_str(), 0700) < 0 && errno != EEXIST) return Error::errno_("creating {}", vouch_dir);
    {
        const std::string path = vouch_path(vouch_dir);
        UniqueFd f(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!f || !write_all(f.get(), token.data(), token.size())) return Error::errno_("writing {}", path);
    }
    put("token", token);
    std::string text;
    for (const auto& [key, value] : strings_) text += "s " + key + " " + escape(value) + "\n";
    for (const auto& [key, fd] : fds_) {
        text += "f " + key + " " + std::to_string(fd) + "\n";
        if (fd >= 0 && fcntl(fd, F_SETFD, 0) < 0) return Error::errno_("passing on descriptor {} ({})", fd, key);
    }
    UniqueFd mem(memfd_create("spawn-handoff", MFD_ALLOW_SEALING));
    if (!mem) return Error::errno_("creating the handoff record");
    if (!write_all(mem.get(), text.data(), text.size()) ||
        fcntl(mem.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK) < 0)
        return Error::errno_("writing the handoff record");
    return mem;
}

void Handoff::withdraw(const std::string& vouch_dir) {
    for (const auto& [key, fd] : fds_)
        if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::unlink(vouch_path(vouch_dir).c_str());
}

Result<Handoff> Handoff::read(int fd, const std::string& vouch_dir) {
    // Only a sealed record of ours: not a file someone put in the environment.
    const int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || !(seals & F_SEAL_WRITE)) return Error(EINVAL, "the handoff record is not a sealed memfd");
    if (lseek(fd, 0, SEEK_SET) < 0) return Error::errno_("reading the handoff record");
    auto text = TRY(read_fd(fd, "the handoff record", 1 << 20));
    Handoff h;
    std::map<std::string, int, std::less<>> fds;
    for (const auto& line : str::split(text, '\n')) {
        if (line.size() < 4 || line[1] != ' ') continue;
        const auto sp = line.find(' ', 2);
        if (sp == std::string::npos) continue;
        std::string key = line.substr(2, sp - 2), value = line.substr(sp + 1);
        if (line[0] == 's') h.strings_[key] = unescape(value);
        if (line[0] == 'f') fds[key] = static_cast<int>(std::strtol(value.c_str(), nullptr, 10));
    }
    // Vouched for before any fd it names is touched.
    const std::string path = vouch_path(vouch_dir);
    auto token = read_file(path);
    ::unlink(path.c_str());
    if (!token.ok() || h.get("token").empty() || *token != h.get("token"))
        return Error(EPERM, fmt::format("the handoff record is not one this process sealed (no token in {})", path));
    for (const auto& [key, n] : fds)
        if (n >= 0) fcntl(n, F_SETFD, FD_CLOEXEC);  // ours again: nothing later inherits it
    h.fds_ = std::move(fds);
    return h;
}

std::string format_resume(const ResumeInfo& r) {
    return std::to_string(r.record_fd) + "," + std::to_string(r.how) + "," + std::to_string(r.status);
}

std::optional<ResumeInfo> parse_resume(std::string_view text) {
    auto parts = str::split(text, ',');
    if (parts.size() != 3) return std::nullopt;
    ResumeInfo r;
    int* fields[] = {&r.record_fd, &r.how, &r.status};
    for (size_t i = 0; i < 3; ++i) {
        auto n = str::parse_int(parts[i]);
        if (!n) return std::nullopt;
        *fields[i] = static_cast<int>(*n);
    }
    if (r.record_fd < 0) return std::nullopt;
    return r;
}

std::string format_sigset(const sigset_t& set) {
    std::string out;
    for (int s = 1; s < NSIG; ++s)
        if (sigismember(&set, s) == 1) out += (out.empty() ? "" : ",") + std::to_string(s);
    return out;
}

sigset_t parse_sigset(std::string_view text) {
    sigset_t set;
    sigemptyset(&set);
    for (const auto& s : str::split(text, ','))
        if (auto n = str::parse_int(s)) sigaddset(&set, static_cast<int>(*n));
    return set;
}

}  // namespace spawn
