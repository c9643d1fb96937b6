#include "spawn/boot.hpp"

#include <sys/mount.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "boot/guest.hpp"
#include "boot/init.hpp"
#include "util/log.hpp"
#include "util/fault.hpp"

namespace spawn {

namespace {
std::map<std::string, std::string> host_os_release() {
    for (const char* p : {"/etc/os-release", "/usr/lib/os-release"}) {
        std::ifstream f(p);
        if (!f) continue;
        std::stringstream ss;
        ss << f.rdbuf();
        return boot::parse_os_release(ss.str());
    }
    return {};
}
}  // namespace

Result<BootLaunch> prepare_boot(const Config& cfg, const start::StartPlan& plan, const container::IdRange* users) {
    BootLaunch b;
    TRY(boot::check_os_release(plan.root));
    b.init = TRY(boot::find_init(plan.root));
    b.uuid = uuid_to_dashed(plan.uuid);
    b.argv = boot::init_argv(b.init, cfg);

    boot::GuestEnvInput in;
    in.container_uuid = b.uuid;
    in.term = plan.term;
    in.pipe_console = plan.console == ConsoleMode::Pipe;
    in.host_os = host_os_release();
    b.env = boot::guest_environment(cfg, in);
    if (plan.listen_fds > 0) {
        b.env.push_back("LISTEN_FDS=" + std::to_string(plan.listen_fds));
        b.env.push_back("LISTEN_PID=1");
    }
    if (!plan.credentials.empty()) b.env.push_back(std::string("CREDENTIALS_DIRECTORY=") + container::kCredentialsDir);

    std::string host_id;
    if (auto h = host_machine_id()) host_id = uuid_to_string(*h);
    auto facts = TRY(boot::gather_journal_facts(plan.root, uuid_to_string(plan.uuid), host_id));
    b.journal = TRY(boot::plan_link_journal(cfg.link_journal, facts));
    TRY(boot::apply_journal_host(b.journal, users ? std::optional<uid_t>(users->base) : std::nullopt));
    TRY(fault::at("journal link"));

    b.relay = TRY(boot::NotifyRelay::create());
    TRY(fault::at("notify relay"));
    return b;
}

Result<void> boot_child_setup(const BootLaunch& b, const std::string& root, int root_fd) {
    TRY(boot_guest_interface(b, root));
    return boot::apply_journal_guest(b.journal, root_fd);
}

Result<void> boot_guest_interface(const BootLaunch& b, const std::string& root) {
    const std::string run = root + "/run";
    // /run/host: written, then made read-only (the notify socket still works
    // on a read-only mount: sockets are exempt from EROFS).
    TRY(boot::write_guest_interface(run, b.uuid));
    if (b.relay) {
        std::string sock = run + "/host/notify";
        if (int r = boot::NotifyRelay::bind_at(b.relay->fd(), sock.c_str()); r < 0)
            return Error::sys(-r, "binding the notify socket {}", sock);
    }
    std::string host = run + "/host";
    if (::mount(host.c_str(), host.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
        return Error::errno_("binding {} on itself", host);
    if (::mount(nullptr, host.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                nullptr) < 0)
        return Error::errno_("making {} read-only", host);
    return {};
}

}  // namespace spawn
