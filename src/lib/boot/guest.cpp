#include "boot/guest.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "container/guest_user.hpp"
#include "util/file.hpp"

namespace spawn::boot {

std::vector<std::string> guest_environment(const Config& cfg, const GuestEnvInput& in) {
    std::vector<std::string> env = {
        std::string("PATH=") + container::kDefaultPath,
        std::string("container=") + kContainerManager,
        "TERM=" + (in.pipe_console ? std::string("dumb") : (in.term.empty() ? std::string("vt220") : in.term)),
        "HOME=/root",
        "USER=root",
        "LOGNAME=root",
    };
    if (!in.container_uuid.empty()) env.push_back("container_uuid=" + in.container_uuid);
    if (in.notify) env.push_back(std::string("NOTIFY_SOCKET=") + kGuestNotifySocket);
    if (auto it = in.host_os.find("VERSION_ID"); it != in.host_os.end())
        env.push_back("container_host_version_id=" + it->second);
    if (auto it = in.host_os.find("ID"); it != in.host_os.end()) env.push_back("container_host_id=" + it->second);
    for (const auto& kv : cfg.setenv) {
        auto name = kv.substr(0, kv.find('=') + 1);
        env.erase(std::remove_if(env.begin(), env.end(), [&](const std::string& e) { return e.rfind(name, 0) == 0; }),
                  env.end());
        env.push_back(kv);
    }
    return env;
}

std::vector<std::string> init_argv(const std::string& init, const Config& cfg) {
    std::vector<std::string> argv{init};
    argv.insert(argv.end(), cfg.command.begin(), cfg.command.end());
    return argv;
}

namespace {
Result<void> create_file(const std::string& path, const std::string& content) {
    return write_file(path, content, O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
}
Result<void> mkdir_p(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) return Error::errno_("creating {}", path);
    return {};
}
}  // namespace

Result<void> write_guest_interface(const std::string& run, const std::string& container_uuid) {
    TRY(mkdir_p(run + "/host", 0755));
    TRY(mkdir_p(run + "/systemd", 0755));
    std::string manager = std::string(kContainerManager) + "\n";
    TRY(create_file(run + "/host/container-manager", manager));
    TRY(create_file(run + "/systemd/container", manager));
    if (!container_uuid.empty()) TRY(create_file(run + "/host/container-uuid", container_uuid + "\n"));
    for (const char* os : {"/etc/os-release", "/usr/lib/os-release"}) {
        if (::access(os, F_OK) != 0) continue;
        std::string target = run + "/host/os-release";
        TRY(create_file(target, ""));
        if (::mount(os, target.c_str(), nullptr, MS_BIND, nullptr) < 0)
            return Error::errno_("binding the host's {} on {}", os, target);
        if (::mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
                    nullptr) < 0)
            return Error::errno_("making {} read-only", target);
        break;
    }
    return {};
}

}  // namespace spawn::boot
