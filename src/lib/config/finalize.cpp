#include "config/finalize.hpp"

#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/names.hpp"
#include "config/options.hpp"

namespace spawn {

FsProbe real_fs_probe() {
    FsProbe p;
    p.is_directory = [](const std::string& path) {
        struct stat st {};
        return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    };
    p.is_file = [](const std::string& path) {
        struct stat st {};
        return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
    };
    p.current_directory = []() -> std::string {
        char buf[4096];
        if (!getcwd(buf, sizeof buf)) return {};
        return buf;
    };
    p.random = []() -> uint64_t {
        uint64_t v = 0;
        while (getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v)) {
        }  // only EINTR fails a request this small once the pool is ready
        return v;
    };
    return p;
}

namespace {

// The machine name given (checked), or derived from the tree's or image's
// path (source: that path; from: the part to derive it from).
Result<void> name_machine(Config& cfg, const std::string& source, const std::string& from) {
    if (!cfg.machine.empty()) {
        if (!machine_name_is_valid(cfg.machine)) return Error::msg("Invalid machine name: '{}'", cfg.machine);
        return ok();
    }
    cfg.machine = machine_name_from_path(from);
    cfg.machine_from_path = true;
    if (!machine_name_is_valid(cfg.machine)) return Error::msg("Cannot derive a machine name from '{}'; use -M NAME", source);
    return ok();
}

}  // namespace

Result<void> resolve_names(Config& cfg, const FsProbe& probe) {
    if (!cfg.image.empty()) {
        if (!cfg.directory.empty()) return Error::msg("--directory= and --image= may not be combined.");
        std::string base = cfg.image.substr(cfg.image.rfind('/') + 1);
        if (base.size() > 4 && base.ends_with(".raw")) base.resize(base.size() - 4);
        return name_machine(cfg, cfg.image, "/" + base);
    }
    if (cfg.directory.empty()) {
        if (!cfg.machine.empty()) {
            for (const char* dir : kImageSearchPath) {
                std::string candidate = std::string(dir) + "/" + cfg.machine;
                if (probe.is_directory(candidate)) {
                    cfg.directory = candidate;
                    break;
                }
                // NAME.raw: a disk image (-i), as nspawn finds it.
                if (probe.is_file && probe.is_file(candidate + ".raw")) {
                    cfg.image = candidate + ".raw";
                    return name_machine(cfg, cfg.image, cfg.machine);
                }
            }
            if (cfg.directory.empty())
                return Error(ENOENT, fmt::format("No image for machine '{}' (looked in /var/lib/machines, "
                                                 "/var/lib/container, /usr/local/lib/machines, /usr/lib/machines)",
                                                 cfg.machine));
        } else {
            cfg.directory = probe.current_directory();
            if (cfg.directory.empty())
                return Error(ENOENT, "Cannot determine the current directory; use -D DIRECTORY");
        }
    }
    cfg.directory = path_simplify(cfg.directory);
    if (cfg.directory == "/")
        return Error::msg("Invalid --directory: '/' (spawning a container on the host's root directory is not supported)");

    return name_machine(cfg, cfg.directory, cfg.directory);
}

Result<void> finalize_config(Config& cfg, const FsProbe& probe) {
    TRY(resolve_names(cfg, probe));
    // -x without -M: a random suffix, so that one tree runs many throwaway
    // machines at once (as nspawn; its settings file is still NAME.nspawn).
    if (cfg.ephemeral && cfg.machine_from_path) {
        cfg.machine = fmt::format("{}-{:016x}", cfg.machine, probe.random());
        cfg.machine_from_path = false;
    }
    if (cfg.hostname.empty()) cfg.hostname = cfg.machine;

    return validate_config(cfg);
}

}  // namespace spawn
