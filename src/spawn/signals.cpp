#include "spawn/signals.hpp"

#include <sys/signalfd.h>

namespace spawn {

Result<SignalGate> SignalGate::open() {
    SignalGate g;
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGWINCH}) sigaddset(&mask, s);
    if (sigprocmask(SIG_BLOCK, &mask, &g.saved_) < 0) return Error::errno_("blocking signals");
    g.fd_.reset(signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!g.fd_) return Error::errno_("creating a signalfd");
    signal(SIGPIPE, SIG_IGN);
    return g;
}

}  // namespace spawn
