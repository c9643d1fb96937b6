// Network namespace handles: open a namespace by path or by process, and an
// RAII guard that moves the calling thread into a namespace and back.
// Sockets opened while inside stay bound to that namespace, which is how the
// host side configures the container's links over netlink.
#pragma once

#include <sys/types.h>

#include <string>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::net {

// O_RDONLY|O_CLOEXEC fd of a network namespace file; an error naming the path
// if it is missing or not a network namespace.
Result<UniqueFd> open_netns(const std::string& path);
Result<UniqueFd> open_netns_of(pid_t pid);
// This thread's current network namespace.
Result<UniqueFd> open_own_netns();

class NetnsGuard {
public:
    // Enters the namespace of fd; the destructor returns to the original one.
    static Result<NetnsGuard> enter(int netns_fd);
    NetnsGuard(NetnsGuard&& o) noexcept : orig_(std::move(o.orig_)) {}
    NetnsGuard(const NetnsGuard&) = delete;
    NetnsGuard& operator=(const NetnsGuard&) = delete;
    NetnsGuard& operator=(NetnsGuard&&) = delete;
    ~NetnsGuard();

private:
    explicit NetnsGuard(UniqueFd orig) : orig_(std::move(orig)) {}
    UniqueFd orig_;
};

}  // namespace spawn::net
