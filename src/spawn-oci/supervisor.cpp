#include "spawn-oci/supervisor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "oci/hooks.hpp"
#include "spawn-oci/unix_socket.hpp"
#include "spawn/container_start.hpp"
#include "spawn/signals.hpp"
#include "util/fdio.hpp"
#include "util/log.hpp"

namespace spawn::oci_runtime {
namespace {

Result<UniqueFd> listen_control(const StateDir& dir) {
    const std::string path = dir.file("ctl.sock");
    auto a = TRY(unix_address(path, "control socket"));
    UniqueFd s(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!s) return Error::errno_("control socket: socket");
    unlink(path.c_str());
    if (bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) return Error::errno_("binding {}", path);
    if (chmod(path.c_str(), 0600) < 0 || listen(s.get(), 8) < 0) return Error::errno_("listening on {}", path);
    return s;
}

// Stdio was the engine's (the init has its copies): hold none of it, so the
// engine sees the container's streams end with the container.
void let_go_of_stdio() {
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) return;
    for (int fd = 0; fd < 3; ++fd) dup3(null, fd, 0);
    if (null > 2) close(null);
}

// One request on the control socket. Only root (the peer's credentials).
void serve(int listener, Started& started, SupervisorSetup& setup) {
    UniqueFd c(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!c) return;
    struct ucred peer {};
    socklen_t len = sizeof peer;
    if (getsockopt(c.get(), SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0 || peer.uid != 0) return;
    char buf[64];
    ssize_t n = recv(c.get(), buf, sizeof buf, 0);
    if (n < 0 || std::string_view(buf, static_cast<size_t>(n)) != kStartRequest) return;
    std::string reply;
    if (setup.state.started) {
        reply = "cannot start an already running container";
    } else {
        auto go = started.container.go();
        setup.state.started = true;  // either way: its payload ran, or it is ending
        if (go.ok()) {
            if (auto w = setup.dir->write(setup.state); !w.ok()) log::warn("{}", w.error().message());
            const std::string running = oci::spec_state_json(setup.state, oci::Status::Running);
            if (auto h = oci::run_hooks(started.cfg.oci_hooks.poststart, "poststart", running); !h.ok())
                log::warn("{}", h.error().message());
            reply = kStartedReply;
        } else {
            reply = go.error().message();
            log::error("{}", reply);
        }
    }
    (void)send(c.get(), reply.data(), reply.size(), MSG_NOSIGNAL);
}

}  // namespace

Result<int> supervise(Started& started, SupervisorSetup& setup) {
    setup.state.pid = started.container.pid();
    setup.state.pid_start = process_start_time(setup.state.pid);
    UniqueFd master = TRY(started.container.mounted());
    if (master) {
        auto console = TRY(connect_unix(setup.console_socket, SOCK_STREAM, "--console-socket"));
        TRY(send_console(console.get(), master.get()));
    }
    master.reset();
    auto listener = TRY(listen_control(*setup.dir));
    TRY(setup.dir->write(setup.state));
    const std::string report = std::to_string(setup.state.pid) + "\n";
    if (!write_all(setup.report_fd, report.data(), report.size())) return Error::errno_("reporting to spawn-oci create");
    close(setup.report_fd);
    setup.report_fd = -1;
    let_go_of_stdio();
    for (;;) {
        struct pollfd fds[] = {{listener.get(), POLLIN, 0},
                               {started.container.process().pidfd(), POLLIN, 0},
                               {started.signals.fd(), POLLIN, 0}};
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            return Error::errno_("poll");
        }
        if (fds[0].revents & POLLIN) serve(listener.get(), started, setup);
        if (fds[1].revents & POLLIN) break;  // the init ended; its parent has its status
        if (fds[2].revents & POLLIN) {       // not ours to act on: the engine stops containers with kill
            struct signalfd_siginfo si;
            while (read(started.signals.fd(), &si, sizeof si) == sizeof si) {
            }
        }
    }
    siginfo_t ignored;
    (void)started.container.process().reap(ignored, true);
    unlink(setup.dir->file("ctl.sock").c_str());
    return 0;
}

}  // namespace spawn::oci_runtime
