#include "util/nsfs.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <fmt/format.h>

namespace spawn {
namespace {

struct Kind {
    int type;
    const char* article;
    const char* name;
};
constexpr Kind kKinds[] = {{CLONE_NEWNET, "a", "network"}, {CLONE_NEWIPC, "an", "IPC"}, {CLONE_NEWUTS, "a", "UTS"},
                           {CLONE_NEWPID, "a", "PID"},     {CLONE_NEWNS, "a", "mount"}, {CLONE_NEWUSER, "a", "user"},
                           {CLONE_NEWCGROUP, "a", "cgroup"}};

const Kind& kind_of(int type) {
    for (const auto& k : kKinds)
        if (k.type == type) return k;
    static const Kind unknown{0, "a", "namespace of another"};
    return unknown;
}

}  // namespace

std::string_view namespace_name(int type) { return kind_of(type).name; }

Result<UniqueFd> open_namespace_file(const std::string& path, int type) {
    const Kind& k = kind_of(type);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error::errno_("opening {} namespace {}", k.name, path);
    struct statfs sfs;
    if (fstatfs(fd.get(), &sfs) < 0) return Error::errno_("checking {} namespace {}", k.name, path);
    if (sfs.f_type != NSFS_MAGIC) return Error(EINVAL, fmt::format("{} is not a namespace file", path));
    // NS_GET_NSTYPE (_IO(0xb7, 0x3)) tells the namespace's type (kernels
    // without it: any namespace file passes).
    int got = ioctl(fd.get(), _IO(0xb7, 0x3));
    if (got >= 0 && got != type) return Error(EINVAL, fmt::format("{} is not {} {} namespace", path, k.article, k.name));
    return fd;
}

Result<int> namespaces_to_join(pid_t pid) {
    static const struct { const char* ns; int flag; } kNs[] = {
        {"mnt", CLONE_NEWNS}, {"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC}, {"net", CLONE_NEWNET},
        {"pid", CLONE_NEWPID}, {"cgroup", CLONE_NEWCGROUP}, {"user", CLONE_NEWUSER}};
    int flags = 0;
    for (const auto& n : kNs) {
        struct stat mine, theirs;
        std::string p = fmt::format("/proc/{}/ns/{}", pid, n.ns);
        if (stat(p.c_str(), &theirs) < 0) return Error::errno_("reading {}", p);
        if (stat((std::string("/proc/self/ns/") + n.ns).c_str(), &mine) == 0 && mine.st_ino == theirs.st_ino &&
            mine.st_dev == theirs.st_dev)
            continue;
        flags |= n.flag;
    }
    return flags;
}

}  // namespace spawn
