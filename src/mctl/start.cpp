// start, enable, disable. With systemd as PID 1 through spawn@NAME.service
// (and machines.target for enable); without it, start runs spawn detached
// (console passive, registered) and returns once machined knows the machine.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "config/names.hpp"
#include "images/store.hpp"
#include "machined/scope.hpp"
#include "mctl.hpp"
#include "util/log.hpp"

namespace spawn::mctl {
namespace fs = std::filesystem;

namespace {

constexpr const char* kWantsDir = "/etc/systemd/system/machines.target.wants";
constexpr const char* kUnitDirs[] = {"/etc/systemd/system", "/usr/local/lib/systemd/system", "/lib/systemd/system",
                                     "/usr/lib/systemd/system"};

std::string instance(const std::string& name) { return "spawn@" + name + ".service"; }

Result<std::string> template_path() {
    for (const char* d : kUnitDirs) {
        std::string p = std::string(d) + "/spawn@.service";
        if (fs::exists(p)) return p;
    }
    return Error(ENOENT, "spawn@.service is not installed (looked in /etc/systemd/system, /usr/local/lib/systemd/system, "
                         "/lib/systemd/system, /usr/lib/systemd/system)");
}

Result<void> systemd_call(const char* method, const char* sig, const std::string& unit) {
    auto b = TRY(bus::open_system());
    bus::BusError e;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_call_method(b.get(), "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", method, e.get(), &reply, sig, unit.c_str(), "replace");
    bus::MessagePtr m(reply);
    if (r < 0) return bus::call_error(r, e, fmt::format("{} {}", method, unit));
    return {};
}

std::string spawn_binary(const Options& o) {
    if (!o.spawn_bin.empty()) return o.spawn_bin;
    std::error_code ec;
    auto self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        for (auto cand : {self.parent_path() / "spawn", self.parent_path().parent_path() / "spawn" / "spawn"})
            if (access(cand.c_str(), X_OK) == 0) return cand.string();
    }
    return "spawn";
}

std::string tail(const std::string& path, size_t max_lines) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    std::string l;
    while (std::getline(in, l)) {
        lines.push_back(l);
        if (lines.size() > max_lines) lines.erase(lines.begin());
    }
    std::string out;
    for (auto& x : lines) out += (out.empty() ? "" : " | ") + x;
    return out;
}

int start_detached(const Options& o, const std::string& name) {
    auto img = images::find_image(name);
    if (!img) return fail(img.error());
    auto m = connect();
    if (!m) return fail(std::move(m).error().context(fmt::format("starting machine '{}'", name)));
    if (auto p = m->path_of(name); p) {
        auto info = m->get(name);
        if (info && machined::leader_alive(static_cast<pid_t>(info->leader), info->unit))
            return fail(Error::msg("Machine '{}' already exists", name));
    }
    fs::create_directories("/run/spawn/log");
    std::string logfile = "/run/spawn/log/" + name + ".log";
    std::string bin = spawn_binary(o);
    int pidpipe[2];
    if (pipe2(pidpipe, O_CLOEXEC) < 0) return fail(Error::errno_("pipe"));
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t c = fork();
    if (c < 0) return fail(Error::errno_("fork"));
    if (c == 0) {
        setsid();
        pid_t g = fork();
        if (g == 0) {
            int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
            int out = open(logfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (in < 0 || out < 0) _exit(127);
            dup2(in, 0);
            dup2(out, 1);
            dup2(out, 2);
            // As spawn@.service does: a user namespace (-U), the settings file wins.
            execl(bin.c_str(), bin.c_str(), "--quiet", "--boot", "-U", "--settings=override", "--console=passive", "--register=yes",
                  ("--machine=" + name).c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        (void)!write(pidpipe[1], &g, sizeof g);
        _exit(g > 0 ? 0 : 1);
    }
    close(pidpipe[1]);
    pid_t g = -1;
    (void)!read(pidpipe[0], &g, sizeof g);
    close(pidpipe[0]);
    waitpid(c, nullptr, 0);
    if (g <= 0) return fail(Error::msg("could not start {} in the background", bin));
    for (int i = 0; i < 600; ++i) {
        auto info = m->get(name);
        if (info && machined::leader_alive(static_cast<pid_t>(info->leader), info->unit)) {
            if (!o.quiet) log::info("machine '{}' started (spawn PID {}, log {})", name, g, logfile);
            return 0;
        }
        if (::kill(g, 0) < 0 || [&] {
                std::ifstream st("/proc/" + std::to_string(g) + "/stat");
                std::string s;
                std::getline(st, s);
                auto p = s.rfind(')');
                return p != std::string::npos && p + 2 < s.size() && s[p + 2] == 'Z';
            }())
            return fail(Error::msg("starting machine '{}' failed: {}", name, tail(logfile, 3)));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(g, SIGTERM);
    return fail(Error::msg("machine '{}' did not register within 30 s (log: {})", name, logfile));
}

// machined's rule for names (config/names.hpp); prints why not and sets rc.
bool check_name(const std::string& n, int& rc) {
    if (machine_name_is_valid(n)) return true;
    rc = fail(Error::msg("invalid machine name '{}'", n));
    return false;
}

}  // namespace

int verb_start(const Options& o, const std::vector<std::string>& args) {
    int rc = 0;
    for (const auto& n : args) {
        if (!check_name(n, rc)) continue;
        if (machined::systemd_booted()) {
            auto r = systemd_call("StartUnit", "ss", instance(n));
            if (!r) rc = fail(r.error());
        } else if (start_detached(o, n)) {
            rc = 1;
        }
    }
    return rc;
}

int verb_enable(const Options&, const std::vector<std::string>& args) {
    auto tmpl = template_path();
    if (!tmpl) return fail(tmpl.error());
    std::error_code ec;
    fs::create_directories(kWantsDir, ec);
    if (ec) return fail(Error::sys(ec.value(), "creating {}", kWantsDir));
    int rc = 0;
    for (const auto& n : args) {
        if (!check_name(n, rc)) continue;
        std::string link = std::string(kWantsDir) + "/" + instance(n);
        fs::remove(link, ec);
        fs::create_symlink(*tmpl, link, ec);
        if (ec) {
            rc = fail(Error::sys(ec.value(), "creating {}", link));
            continue;
        }
        std::printf("Created symlink %s → %s.\n", link.c_str(), tmpl->c_str());
    }
    if (machined::systemd_booted()) {
        auto b = bus::open_system();
        if (b) sd_bus_call_method(b->get(), "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                  "org.freedesktop.systemd1.Manager", "Reload", nullptr, nullptr, "");
    }
    return rc;
}

int verb_disable(const Options&, const std::vector<std::string>& args) {
    int rc = 0;
    for (const auto& n : args) {
        if (!check_name(n, rc)) continue;
        std::string link = std::string(kWantsDir) + "/" + instance(n);
        std::error_code ec;
        if (fs::remove(link, ec)) std::printf("Removed \"%s\".\n", link.c_str());
        else if (ec) rc = fail(Error::sys(ec.value(), "removing {}", link));
    }
    return rc;
}

}  // namespace spawn::mctl
