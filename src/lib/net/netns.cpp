#include "net/netns.hpp"

#include <sched.h>

#include <fmt/format.h>

#include "util/log.hpp"
#include "util/nsfs.hpp"

namespace spawn::net {

Result<UniqueFd> open_netns(const std::string& path) { return open_namespace_file(path, CLONE_NEWNET); }

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
