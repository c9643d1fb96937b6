// sync: the parent/child synchronisation channel (a SOCK_SEQPACKET pair).
// Numbered barriers are written identically on both sides (see Barrier); a
// failing child sends an error frame instead, so the parent prints the real
// cause ("mounting proc on /proc: ...") as one line. A barrier frame can carry
// one file descriptor (SCM_RIGHTS), used for the console pty.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

// The synchronisation points of one container start, in order.
enum class Barrier : uint32_t {
    UsersMapped = 1,    // parent -> container (user namespace only): its ID maps written.
                        // It does nothing before it (it has no IDs yet)
    HostReady = 2,      // parent -> child: cgroup joined, NETWORK and REGISTER hooks done
                        // (the child mounts all but the cgroup file systems before it)
    ChildMounted = 3,   // child -> parent: root set up and pivoted; carries the pty master if any
    Go = 4,             // parent -> child: console forwarding ready, exec the payload
                        // (pty consoles only: with pipes the child execs right after
                        // ChildMounted, one round trip less)
    InnerCloned = 5,    // outer child -> parent (user namespace): the tree is set up and the
                        // container cloned into its namespaces (CLONE_PARENT); carries its
                        // pidfd. The container's frames follow on the same socket
};

class SyncChannel {
public:
    SyncChannel() = default;
    explicit SyncChannel(UniqueFd fd) : fd_(std::move(fd)) {}

    static Result<std::pair<SyncChannel, SyncChannel>> make_pair();

    // Sends barrier n (optionally passing fd).
    Result<void> signal(Barrier n, int pass_fd = -1);
    // Waits for barrier n. An error frame from the peer becomes this Error; the
    // peer going away becomes ECONNRESET. received (if given) gets a passed fd.
    Result<void> wait(Barrier n, UniqueFd* received = nullptr);
    // An error frame the peer already sent, if any (does not block). Used when
    // a host-side step fails because the child died: its cause is the message.
    std::optional<Error> pending_error();
    // Sends an error frame (best effort; used by the child before _exit()).
    void send_error(const Error& err) noexcept;
    // Parent, after Go: success is EOF (the close-on-exec socket went away with
    // a successful execve); an error frame is the child's failure.
    Result<void> wait_closed();

    int fd() const { return fd_.get(); }
    void close() { fd_.reset(); }

private:
    UniqueFd fd_;
};

}  // namespace spawn::container
