// spawn: parse the command line, finalize the Config, run the container.
#include <cstdio>

#include "spawn/interim_options.hpp"
#include "spawn/launch.hpp"
#include "util/log.hpp"

int main(int argc, char* argv[]) {
    spawn::log::set_program("spawn");
    auto cfg = spawn::interim_parse(argc, argv);
    if (!cfg.ok()) {
        spawn::log::error("{}", cfg.error().message());
        return 1;
    }
    if (cfg->show_help) {
        std::printf("spawn [OPTIONS...] [COMMAND [ARGS...]]\n");
        return 0;
    }
    if (cfg->show_version) {
        std::printf("spawn %s\n", SPAWN_VERSION);
        return 0;
    }
    spawn::log::set_quiet(cfg->quiet);
    if (auto r = spawn::interim_finalize(*cfg); !r.ok()) {
        spawn::log::error("{}", r.error().message());
        return 1;
    }
    return spawn::run_container(*cfg);
}
