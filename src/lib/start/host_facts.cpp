#include "start/host_facts.hpp"

#include "container/etc_files.hpp"

#include <unistd.h>

#include <cstdlib>

#include "container/cgroup.hpp"
#include "container/device_cgroup.hpp"
#include "machined/scope.hpp"
#include "util/file.hpp"

namespace spawn::start {
namespace {

std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
}

}  // namespace

Result<HostFacts> probe_host() {
    HostFacts h;
    h.cgroup_layout = container::detect_cgroup_layout();
    h.cgroup_hierarchies = TRY(container::discover_cgroup_hierarchies());
    if (h.cgroup_layout == container::CgroupLayout::Unified)
        h.cgroup2_root_controllers = read_text_file("/sys/fs/cgroup/cgroup.controllers");
    h.own_cgroup_text = TRY(read_file("/proc/self/cgroup"));
    h.systemd_booted = machined::systemd_booted();
    h.selinux_enabled = ::access("/sys/fs/selinux/enforce", F_OK) == 0;
    h.stdin_tty = isatty(STDIN_FILENO);
    h.stdout_tty = isatty(STDOUT_FILENO);
    h.term = env("TERM").value_or("");
    h.pid = getpid();
    h.listen_fds = env("LISTEN_FDS");
    h.listen_pid = env("LISTEN_PID");
    h.devices = container::host_device_facts();
    h.rlimits = container::probe_rlimit_facts();
    container::gather_etc_facts(h.etc);
    return h;
}

}  // namespace spawn::start
