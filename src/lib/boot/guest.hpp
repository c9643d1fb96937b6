// The interface a booted guest's systemd expects from its container manager
// (design.md section 5): PID 1's argv and environment, and the files under
// /run/host and /run/systemd that announce the container.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn::boot {

// Where the guest sends sd_notify messages (bound by the relay, boot/notify.hpp).
inline constexpr const char* kGuestNotifySocket = "/run/host/notify";

struct GuestEnvInput {
    std::string container_uuid;                  // dashed form
    std::string term;                            // host $TERM ("" -> vt220)
    bool pipe_console = false;                   // --console=pipe: TERM=dumb
    std::map<std::string, std::string> host_os;  // host os-release (ID, VERSION_ID)
    bool notify = true;                          // set NOTIFY_SOCKET
};

// PID 1's environment, in order: PATH, container=, TERM, HOME, USER, LOGNAME,
// container_uuid, NOTIFY_SOCKET, container_host_*, then -E settings (which
// override earlier entries of the same name). Pure.
std::vector<std::string> guest_environment(const Config& cfg, const GuestEnvInput& in);

// PID 1's argv: the init path then the arguments given after the options. Pure.
std::vector<std::string> init_argv(const std::string& init, const Config& cfg);

// Writes /run/host/container-manager, /run/host/container-uuid and
// /run/systemd/container under `run` (the container's /run, a tmpfs, as seen by
// the caller), and binds the host's os-release (read-only) on
// run/host/os-release when it exists. Call after /run is mounted, before
// pivot_root or after it with run="/run".
Result<void> write_guest_interface(const std::string& run, const std::string& container_uuid);

}  // namespace spawn::boot
