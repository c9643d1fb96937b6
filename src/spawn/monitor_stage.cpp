#include "spawn/monitor_stage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "container/helper_protocol.hpp"
#include "container/sealed_helper.hpp"
#include "util/fault.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

extern char** environ;
// spawn-monitor's image, linked in by monitor_image.cpp (src/helper/embed.py).
extern "C" const unsigned char spawn_monitor_image[];
extern "C" const unsigned char spawn_monitor_image_end[];

namespace spawn {
namespace {

// spawn's command line, for the monitor's exec back.
Result<std::vector<std::string>> own_command_line() {
    auto argv = str::split(TRY(read_file("/proc/self/cmdline")), '\0');
    argv.pop_back();  // each argument ends with a NUL, the last one too
    if (argv.empty()) return Error::msg("spawn's command line is empty");
    return argv;
}

}  // namespace

Error become_monitor(Held& held, const Config& cfg, const MonitorInputs& in) {
    auto monitor = container::open_sealed_image("spawn-monitor", spawn_monitor_image, spawn_monitor_image_end);
    if (!monitor.ok()) return std::move(monitor).error();
    UniqueFd self(::open("/proc/self/exe", O_PATH | O_CLOEXEC));
    if (!self) return Error::errno_("opening spawn's own binary");
    auto argv = own_command_line();
    if (!argv.ok()) return std::move(argv).error();

    Handoff h;
    h.put("machine", in.plan.machine);
    h.put_int("console", static_cast<int>(in.plan.console));
    h.put("sigmask", format_sigset(in.signals.saved_mask()));
    // What the exit status depends on, whatever the command line says when read again.
    h.put_int("boot", cfg.boot);
    h.put_int("keep-unit", cfg.keep_unit);
    h.put_int("quiet", cfg.quiet);
    std::move(held).hand_off(h);
    auto record = h.seal();
    auto give_back = [&](Error e) {
        h.withdraw();
        held.take_over(h, cfg);
        return e;
    };
    if (!record.ok()) return give_back(std::move(record).error());

    container::MonitorRequest r;
    r.pid = in.process.pid();
    r.pidfd = in.process.pidfd();
    r.kill_signal = in.plan.kill_signal;
    r.quiet = cfg.quiet;
    r.console_mode = static_cast<int>(in.plan.console);
    r.pty = in.console.forwarder ? in.console.forwarder->master_fd() : -1;
    r.relay = in.relay ? in.relay->fd() : -1;
    r.spawn_fd = self.get();
    r.record_fd = record->get();
    r.signals = format_sigset(in.signals.handled());
    r.argv = std::move(*argv);
    const int passed[] = {r.pidfd, r.pty, r.relay, r.spawn_fd, r.record_fd};
    for (int fd : passed)
        if (fd >= 0) fcntl(fd, F_SETFD, 0);
    // The terminal stays raw: the monitor restores it.
    r.terminal = in.console.terminal.hand_off();
    if (fault::injected("monitor"))
        errno = ENOEXEC;
    else
        container::exec_sealed_helper(monitor->get(), container::helper_args(r), environ);
    const int err = errno;
    for (int fd : passed)
        if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
    in.console.terminal.take_over(STDIN_FILENO, r.terminal);
    return give_back(Error::sys(err, "executing the monitor"));
}

}  // namespace spawn
