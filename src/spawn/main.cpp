// spawn: parse the command line, finalize the Config, run the container.
#include <cstdio>

#include "config/finalize.hpp"
#include "config/help.hpp"
#include "config/options.hpp"
#include "spawn/launch.hpp"
#include "util/log.hpp"

int main(int argc, char* argv[]) {
    spawn::log::set_program("spawn");
    auto cfg = spawn::parse_spawn_options(argc, argv);
    if (!cfg.ok()) {
        spawn::log::error("{}", cfg.error().message());
        return 1;
    }
    if (cfg->show_help) {
        std::fputs(spawn::spawn_usage("spawn").c_str(), stdout);
        return 0;
    }
    if (cfg->show_version) {
        std::fputs(spawn::spawn_version().c_str(), stdout);
        return 0;
    }
    spawn::log::set_quiet(cfg->quiet);
    if (auto r = spawn::finalize_config(*cfg); !r.ok()) {
        spawn::log::error("{}", r.error().message());
        return 1;
    }
    return spawn::run_container(*cfg);
}
