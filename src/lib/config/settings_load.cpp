#include "config/settings_load.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/names.hpp"
#include "config/settings.hpp"
#include "oci/bundle.hpp"
#include "util/fd.hpp"
#include "util/log.hpp"

namespace spawn {

namespace {

// Opens PATH for reading; an absent file is an empty fd, not an error.
// FOLLOW: whether a symlink there is followed (not beside the tree, where
// whoever owns the directory could point it at any file root can read).
Result<UniqueFd> open_if_exists(const std::string& path, bool follow) {
    // O_NONBLOCK: a FIFO in its place must not hang the start.
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW)));
    if (!fd && errno == ELOOP && !follow)
        return Error::msg("Settings file {} is a symbolic link; not following it beside the tree (put the file "
                          "itself there, or in /etc/systemd/nspawn/)", path);
    if (!fd && errno != ENOENT) return Error::errno_("Failed to open settings file {}", path);
    return fd;
}

}  // namespace

Result<std::string> read_settings_text(int fd, const std::string& path) {
    struct stat st {};
    if (fstat(fd, &st) < 0) return Error::errno_("Failed to stat settings file {}", path);
    if (!S_ISREG(st.st_mode)) return Error::msg("Settings file {} is not a regular file", path);
    if (static_cast<uint64_t>(st.st_size) > kSettingsFileMax)
        return Error::msg("Settings file {} is too large ({} bytes; at most {})", path, st.st_size, kSettingsFileMax);
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::errno_("Failed to read settings file {}", path);
        if (n == 0) break;
        text.append(buf, static_cast<size_t>(n));
        if (text.size() > kSettingsFileMax)  // grew while we read it
            return Error::msg("Settings file {} is too large (more than {} bytes)", path, kSettingsFileMax);
    }
    return text;
}

namespace {

std::string parent_of(const std::string& dir) {
    auto slash = dir.rfind('/');
    if (slash == std::string::npos || slash == 0) return "/";
    return dir.substr(0, slash);
}

}  // namespace

Result<std::optional<SettingsSource>> find_settings_file(const Config& cfg) {
    const std::string names[] = {cfg.machine + ".spawn", cfg.machine + ".nspawn"};
    for (const char* dir : {"/etc/systemd/nspawn", "/run/systemd/nspawn"})
        for (const auto& n : names) {
            std::string p = std::string(dir) + "/" + n;
            if (auto fd = TRY(open_if_exists(p, true))) return std::optional(SettingsSource{p, true, std::move(fd)});
        }
    if (cfg.directory.empty() || cfg.directory == "/") return std::optional<SettingsSource>();
    std::string beside = parent_of(cfg.directory);
    for (const auto& n : names) {
        std::string p = (beside == "/" ? "" : beside) + "/" + n;
        if (auto fd = TRY(open_if_exists(p, false)))
            return std::optional(SettingsSource{p, cfg.settings == SettingsMode::Trusted, std::move(fd)});
    }
    return std::optional<SettingsSource>();
}

Result<void> apply_settings_file(Config& cfg) {
    if (cfg.settings == SettingsMode::No) return ok();
    auto source = TRY(find_settings_file(cfg));
    if (!source) return ok();
    std::string text = TRY(read_settings_text(source->fd.get(), source->path));
    log::debug("Found settings file: {} ({})", source->path, source->trusted ? "trusted" : "not trusted");
    SettingsFile file = TRY(parse_settings_file(text, source->path, source->trusted));
    for (const auto& w : file.warnings) log::warn("{}", w);
    merge_settings(cfg, file, cfg.settings == SettingsMode::Override);
    return ok();
}

Result<oci::Spec> read_oci_spec(const std::string& bundle) {
    const std::string path = bundle + "/config.json";
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd) {
        if (errno == ENOENT) return Error(ENOENT, fmt::format("OCI bundle {} has no config.json", bundle));
        return Error::errno_("Failed to open {}", path);
    }
    std::string text = TRY(read_settings_text(fd.get(), path));
    return TRY_CTX(oci::parse_spec(text), path);
}

Result<void> apply_oci_spec(Config& cfg, const oci::Spec& spec, bool warnings) {
    const std::string path = cfg.oci_bundle + "/config.json";
    SettingsFile file = TRY_CTX(oci::bundle_settings(spec, cfg.oci_bundle), path);
    if (warnings)
        for (const auto& w : file.warnings) log::warn("{}", w);
    // -D and -M win over the bundle's root and the bundle's name.
    if (cfg.directory.empty()) cfg.directory = file.values.directory;
    if (cfg.machine.empty()) {
        cfg.machine = machine_name_from_path(cfg.oci_bundle);
        if (!machine_name_is_valid(cfg.machine))
            return Error::msg("Cannot derive a machine name from the bundle path {} (use -M)", cfg.oci_bundle);
    }
    merge_settings(cfg, file, false);
    // Not settings: what the bundle's hooks run with (oci/hooks.hpp).
    cfg.oci_hooks = spec.hooks;
    cfg.oci_annotations = spec.annotations;
    return ok();
}

Result<void> apply_oci_bundle(Config& cfg) {
    if (cfg.oci_bundle.empty()) return ok();
    return apply_oci_spec(cfg, TRY(read_oci_spec(cfg.oci_bundle)));
}

}  // namespace spawn
