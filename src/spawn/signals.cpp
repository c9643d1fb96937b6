#include "spawn/signals.hpp"

#include <sys/signalfd.h>

namespace spawn {

Result<SignalGate> SignalGate::open(const sigset_t* original) {
    SignalGate g;
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : {SIGCHLD, SIGWINCH}) sigaddset(&mask, s);
    // Every signal whose default action ends the process and that can arrive
    // from outside: each one is a stop request, so that spawn always tears
    // down what it set up (a SIGUSR1 would otherwise leave a ghost machine).
    // The synchronous ones (SIGSEGV, SIGBUS, ...) and SIGKILL cannot be
    // handled this way.
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGPWR,
                  SIGSTKFLT, SIGXCPU, SIGXFSZ})
        sigaddset(&mask, s);
    for (int s = SIGRTMIN; s <= SIGRTMAX; ++s) sigaddset(&mask, s);
    if (sigprocmask(SIG_BLOCK, &mask, &g.saved_) < 0) return Error::errno_("blocking signals");
    g.fd_.reset(signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!g.fd_) return Error::errno_("creating a signalfd");
    if (original) g.saved_ = *original;
    g.handled_ = mask;
    signal(SIGPIPE, SIG_IGN);
    return g;
}

}  // namespace spawn
