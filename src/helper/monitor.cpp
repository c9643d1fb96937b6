// spawn-monitor (container/helper_protocol.hpp: MonitorRequest;
// spawn/monitor_stage.hpp): spawn's event loop while its container runs, in
// this small static image run from a sealed memfd, then spawn again. One
// request on the command line; anything else is refused.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>

#include "boot/notify.hpp"
#include "container/helper_protocol.hpp"
#include "spawn/event_loop.hpp"
#include "util/handoff.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

extern char** environ;

namespace spawn::monitor {
namespace {

// spawn, with its own command line and how PID 1 ended: it takes the stages
// over from the record and tears them down (spawn/parent.cpp resume_container).
[[noreturn]] void exec_spawn(const container::MonitorRequest& r, const siginfo_t& end) {
    std::vector<std::string> env;
    const std::string prefix = std::string(kResumeVariable) + "=";
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, prefix.c_str(), prefix.size()) != 0) env.emplace_back(*e);
    env.push_back(prefix + format_resume({r.record_fd, end.si_code, end.si_status}));
    syscall(SYS_execveat, r.spawn_fd, "", str::c_strings(r.argv).data(), str::c_strings(env).data(), AT_EMPTY_PATH);
    // The machine ended; what spawn held is left to the next start of it (a ghost, as after a SIGKILL).
    log::error("executing spawn again to tear down the container: {}", std::strerror(errno));
    _exit(1);
}

}  // namespace

[[noreturn]] void run(const container::MonitorRequest& r) {
    log::set_program("spawn");
    log::set_quiet(r.quiet);
    prctl(PR_SET_NAME, "spawn", 0, 0, 0);
    // Only the record and what it names go on to spawn (execveat reads an ELF
    // image from a close-on-exec fd); the signals spawn blocked stay blocked
    // (and pending) across both execs.
    for (int fd : {r.pidfd, r.pty, r.relay, r.spawn_fd})
        if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
    const sigset_t handled = parse_sigset(r.signals);
    UniqueFd signals(signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK));
    container::ChildProcess child(r.pid, UniqueFd(r.pidfd));
    const auto mode = static_cast<ConsoleMode>(r.console_mode);
    Console console;
    // The terminal stays raw across the exec (a key typed meanwhile is input,
    // not a signal); restored at the end as spawn would have.
    console.terminal.take_over(STDIN_FILENO, r.terminal);
    if (r.pty >= 0) console.forwarder.emplace(UniqueFd(r.pty), mode);
    std::optional<boot::NotifyRelay> relay;
    if (r.relay >= 0) relay.emplace(boot::NotifyRelay::adopt(UniqueFd(r.relay)));
    siginfo_t end{};
    LoopInputs in;
    in.signal_fd = signals.get();
    in.kill_signal = r.kill_signal;
    in.console_mode = mode;
    in.quiet = r.quiet;
    in.relay = relay ? &*relay : nullptr;
    auto ended = signals ? run_until_exit(child, console, in)
                         : Result<std::optional<siginfo_t>>(Error::errno_("creating a signalfd"));
    if (ended.ok() && *ended) {  // (no hand_over_after: it always says how PID 1 ended)
        end = **ended;
    } else {
        log::error("{}; killing the container", ended.error().message());
        (void)child.send_signal(SIGKILL);
        if (!child.reap(end, true).ok()) end.si_code = CLD_KILLED, end.si_status = SIGKILL;
    }
    console.terminal.restore();
    exec_spawn(r, end);
}

}  // namespace spawn::monitor

int main(int argc, char** argv) {
    // Nothing may read or trace the process that holds the machine's locks.
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    std::string error;
    if (auto r = spawn::container::parse_monitor_request(std::vector<std::string>(argv, argv + argc), &error))
        spawn::monitor::run(*r);
    std::fprintf(stderr, "spawn-monitor: %s (an internal helper of spawn, not a command)\n", error.c_str());
    return 127;
}
