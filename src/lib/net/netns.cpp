#include "net/netns.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <fmt/format.h>

#include "util/log.hpp"

namespace spawn::net {

Result<UniqueFd> open_netns(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error::errno_("opening network namespace {}", path);
    struct statfs sfs;
    if (fstatfs(fd.get(), &sfs) < 0) return Error::errno_("checking network namespace {}", path);
    if (sfs.f_type != NSFS_MAGIC) return Error(EINVAL, fmt::format("{} is not a namespace file", path));
    // NS_GET_NSTYPE (_IO(0xb7, 0x3)) tells a network namespace from others.
    int type = ioctl(fd.get(), _IO(0xb7, 0x3));
    if (type >= 0 && type != CLONE_NEWNET) return Error(EINVAL, fmt::format("{} is not a network namespace", path));
    return fd;
}

Result<UniqueFd> open_netns_of(pid_t pid) { return open_netns(fmt::format("/proc/{}/ns/net", pid)); }

Result<UniqueFd> open_own_netns() { return open_netns("/proc/thread-self/ns/net"); }

Result<NetnsGuard> NetnsGuard::enter(int netns_fd) {
    auto orig = TRY(open_own_netns());
    if (setns(netns_fd, CLONE_NEWNET) < 0) return Error::errno_("entering network namespace");
    return NetnsGuard(std::move(orig));
}

NetnsGuard::~NetnsGuard() {
    if (orig_ && setns(orig_.get(), CLONE_NEWNET) < 0)
        log::error("returning to the original network namespace failed: {}", strerror(errno));
}

}  // namespace spawn::net
