// SignalGate: the signals spawn handles (SIGCHLD, SIGWINCH, and every signal
// that would otherwise end it: SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1/2,
// SIGALRM, the real-time signals, ...) blocked and read from a signalfd;
// SIGPIPE ignored.
// Opened once, before spawn changes anything on the host, and never undone:
// a signal that arrives during teardown waits in the signalfd instead of
// killing spawn half-way, and a guest booted again gets the original mask.
// The mask from before is kept for the container's payload (the child
// restores it before exec).
#pragma once

#include <signal.h>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn {

class SignalGate {
public:
    // original: the mask to keep for the payload instead of the current one
    // (spawn exec'd back by its monitor: resume_container()).
    static Result<SignalGate> open(const sigset_t* original = nullptr);
    SignalGate(SignalGate&& o) noexcept = default;
    SignalGate& operator=(SignalGate&&) = delete;

    int fd() const { return fd_.get(); }
    const sigset_t& saved_mask() const { return saved_; }
    // The signals read from the signalfd.
    const sigset_t& handled() const { return handled_; }

private:
    SignalGate() = default;
    UniqueFd fd_;
    sigset_t saved_{};
    sigset_t handled_{};
};

}  // namespace spawn
