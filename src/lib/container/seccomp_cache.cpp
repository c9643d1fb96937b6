#include "container/seccomp_cache.hpp"

#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace spawn::container {
namespace {

constexpr std::string_view kMagic = "spawn-seccomp-cache 1\n";

// FNV-1a: the file name only; the file carries the whole key.
uint64_t fnv1a(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    return h;
}

template <typename T>
void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
bool get(std::string_view& in, T& v) {
    if (in.size() < sizeof v) return false;
    std::memcpy(&v, in.data(), sizeof v);
    in.remove_prefix(sizeof v);
    return true;
}

std::string serialize(const std::string& key, const CompiledSeccomp& c) {
    std::string out(kMagic);
    put<uint64_t>(out, key.size());
    out += key;
    put<uint32_t>(out, static_cast<uint32_t>(c.programs.size()));
    for (const auto& p : c.programs) {
        put<uint32_t>(out, static_cast<uint32_t>(p.size()));
        out.append(reinterpret_cast<const char*>(p.data()), p.size() * sizeof(sock_filter));
    }
    return out;
}

// The programs of a cache file's text, when it is for key.
std::optional<CompiledSeccomp> deserialize(std::string_view in, const std::string& key) {
    uint64_t klen = 0;
    uint32_t n = 0;
    if (!in.starts_with(kMagic)) return std::nullopt;
    in.remove_prefix(kMagic.size());
    if (!get(in, klen) || klen != key.size() || in.substr(0, klen) != key) return std::nullopt;
    in.remove_prefix(klen);
    if (!get(in, n) || n == 0 || n > 16) return std::nullopt;
    CompiledSeccomp c;
    for (uint32_t i = 0; i < n; ++i) {
        uint32_t len = 0;
        if (!get(in, len) || len == 0 || len > BPF_MAXINSNS || in.size() < len * sizeof(sock_filter)) return std::nullopt;
        BpfProgram p(len);
        std::memcpy(p.data(), in.data(), len * sizeof(sock_filter));
        in.remove_prefix(len * sizeof(sock_filter));
        c.programs.push_back(std::move(p));
    }
    if (!in.empty()) return std::nullopt;
    return c;
}

// Root's alone: owned by root, writable by nobody else.
bool trusted(const struct stat& st) { return st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH)); }

Result<void> store(const std::string& dir, const std::string& path, const std::string& text) {
    if (dir.starts_with("/run/spawn/") && ::mkdir("/run/spawn", 0755) < 0 && errno != EEXIST)
        return Error::errno_("creating /run/spawn");
    if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST) return Error::errno_("creating {}", dir);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) < 0 || !S_ISDIR(st.st_mode) || !trusted(st))
        return Error::msg("{} is not a directory of root's alone", dir);
    std::string tmp = fmt::format("{}.{}.tmp", path, ::getpid());
    TRY(write_file(tmp, text, O_CREAT | O_EXCL | O_NOFOLLOW, 0600));
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        Error e = Error::errno_("renaming {}", tmp);
        ::unlink(tmp.c_str());
        return e;
    }
    return ok();
}

std::optional<CompiledSeccomp> load(const std::string& dir, const std::string& path, const std::string& key) {
    struct stat d {}, f {};
    if (::lstat(dir.c_str(), &d) < 0 || !S_ISDIR(d.st_mode) || !trusted(d)) return std::nullopt;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd || ::fstat(fd.get(), &f) < 0 || !S_ISREG(f.st_mode) || !trusted(f)) return std::nullopt;
    auto text = read_fd(fd.get(), path, 4 << 20);
    if (!text) return std::nullopt;
    return deserialize(*text, key);
}

}  // namespace

std::string seccomp_cache_key(const SeccompPlan& plan) {
    const auto* v = seccomp_version();
    std::string key = fmt::format("libseccomp {}.{}.{}\narches", v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
    for (uint32_t a : seccomp_filter_arches()) key += fmt::format(" {:#x}", a);
    key += "\nallowed " + str::join(plan.allowed, " ");
    key += "\ndenied " + str::join(plan.denied, " ");
    key += "\nioctls";
    for (const auto& io : plan.denied_ioctls) key += fmt::format(" {:#x}", io.request);
    key += fmt::format("\naudit {}\nsuppress-sync {}\n", plan.deny_audit_netlink ? 1 : 0, plan.suppress_sync ? 1 : 0);
    return key;
}

std::string seccomp_cache_file_name(const SeccompPlan& plan) {
    return fmt::format("{:016x}.bpf", fnv1a(seccomp_cache_key(plan)));
}

std::string seccomp_cache_file_text(const SeccompPlan& plan, const CompiledSeccomp& compiled) {
    return serialize(seccomp_cache_key(plan), compiled);
}

Result<CompiledSeccomp> compile_seccomp_cached(const SeccompPlan& plan, const std::string& dir) {
    const std::string key = seccomp_cache_key(plan);
    const std::string path = dir + "/" + seccomp_cache_file_name(plan);
    if (auto cached = load(dir, path, key)) return std::move(*cached);
    auto compiled = TRY(compile_seccomp(plan));
    if (auto r = store(dir, path, serialize(key, compiled)); !r.ok())
        log::debug("not caching the compiled seccomp filter: {}", r.error().message());
    return compiled;
}

}  // namespace spawn::container
