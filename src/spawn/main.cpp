// spawn: parse the command line, finalize the Config, run the container.
//   main.cpp    parse (config/options), OCI bundle or settings file (config/settings_load),
//               finalize (config/finalize), run
//   parent.cpp  the host side: tree, lock, cgroup, clone, barriers, console, exit status
//   child.cpp   the container side: mounts, pivot_root, pty, exec
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "config/finalize.hpp"
#include "config/help.hpp"
#include "config/options.hpp"
#include "config/settings_load.hpp"
#include "spawn/launch.hpp"
#include "util/log.hpp"

int main(int argc, char* argv[]) {
    spawn::log::set_program("spawn");
    // Exec'd back by our own monitor, PID 1 gone (spawn/monitor_stage.hpp).
    std::optional<spawn::ResumeInfo> resume;
    if (const char* r = std::getenv(spawn::kResumeVariable)) {
        resume = spawn::parse_resume(r);
        ::unsetenv(spawn::kResumeVariable);
        if (resume) spawn::log::set_least(spawn::log::Level::Error);
    }
    auto cfg = spawn::parse_spawn_options(argc, argv);
    if (!cfg.ok()) {
        spawn::log::error("{}", cfg.error().message());
        if (!resume) return 1;
        // (The command line changed under the running machine: a settings
        // file, a bundle.) What it holds is torn down anyway.
        spawn::log::set_least(spawn::log::Level::Debug);
        return spawn::resume_container(nullptr, *resume);
    }
    if (cfg->show_help) {
        std::string program = argc > 0 ? argv[0] : "spawn";
        auto slash = program.rfind('/');
        std::fputs(spawn::spawn_usage(slash == std::string::npos ? program : program.substr(slash + 1)).c_str(), stdout);
        return 0;
    }
    if (cfg->show_version) {
        std::fputs(spawn::spawn_version().c_str(), stdout);
        return 0;
    }
    spawn::log::set_quiet(cfg->quiet);
    // An OCI bundle gives the tree; the tree and name say which settings
    // file applies (none with a bundle, as nspawn).
    auto r = spawn::apply_oci_bundle(*cfg);
    if (r.ok()) r = spawn::resolve_names(*cfg);
    if (r.ok() && cfg->oci_bundle.empty()) r = spawn::apply_settings_file(*cfg);
    if (r.ok()) r = spawn::finalize_config(*cfg);
    if (!r.ok()) spawn::log::error("{}", r.error().message());
    if (!resume) return r.ok() ? spawn::run_container(*cfg) : 1;
    spawn::log::set_least(spawn::log::Level::Debug);
    return spawn::resume_container(r.ok() ? &*cfg : nullptr, *resume);
}
