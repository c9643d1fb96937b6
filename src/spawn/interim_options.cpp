// interim_options: a minimal command line parser so the runtime can be used
// and tested before the options branch (config/options.hpp) lands. Replaced
// by parse_spawn_options()/finalize_config() at merge time.
#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>

#include "container/env.hpp"
#include "spawn/interim_options.hpp"
#include "util/strings.hpp"

namespace spawn {

Result<Config> interim_parse(int argc, char* argv[]) {
    enum { ARG_HOSTNAME = 0x100, ARG_CHDIR, ARG_CONSOLE, ARG_PRIVNET, ARG_BIND, ARG_BIND_RO, ARG_TMPFS,
           ARG_READ_ONLY, ARG_KILL_SIGNAL, ARG_REGISTER, ARG_KEEP_UNIT, ARG_VERSION, ARG_UUID };
    static const struct option opts[] = {
        {"directory", required_argument, nullptr, 'D'}, {"machine", required_argument, nullptr, 'M'},
        {"hostname", required_argument, nullptr, ARG_HOSTNAME}, {"user", required_argument, nullptr, 'u'},
        {"chdir", required_argument, nullptr, ARG_CHDIR}, {"setenv", required_argument, nullptr, 'E'},
        {"as-pid2", no_argument, nullptr, 'a'}, {"boot", no_argument, nullptr, 'b'},
        {"console", required_argument, nullptr, ARG_CONSOLE}, {"pipe", no_argument, nullptr, 'P'},
        {"private-network", no_argument, nullptr, ARG_PRIVNET}, {"bind", required_argument, nullptr, ARG_BIND},
        {"bind-ro", required_argument, nullptr, ARG_BIND_RO}, {"tmpfs", required_argument, nullptr, ARG_TMPFS},
        {"read-only", no_argument, nullptr, ARG_READ_ONLY}, {"kill-signal", required_argument, nullptr, ARG_KILL_SIGNAL},
        {"register", required_argument, nullptr, ARG_REGISTER}, {"keep-unit", no_argument, nullptr, ARG_KEEP_UNIT},
        {"quiet", no_argument, nullptr, 'q'}, {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, ARG_VERSION}, {"uuid", required_argument, nullptr, ARG_UUID}, {nullptr, 0, nullptr, 0}};
    Config c;
    optind = 0;
    int o;
    while ((o = getopt_long(argc, argv, "+D:M:u:E:abPqh", opts, nullptr)) >= 0) {
        switch (o) {
        case 'D': c.directory = optarg; break;
        case 'M': c.machine = optarg; break;
        case ARG_HOSTNAME: c.hostname = optarg; break;
        case 'u': c.user = optarg; break;
        case ARG_CHDIR: c.chdir = optarg; break;
        case 'E':
            if (!std::strchr(optarg, '=')) return Error::msg("Environment assignment {} is invalid", optarg);
            c.setenv.push_back(optarg);
            break;
        case 'a': c.as_pid2 = true; break;
        case 'b': c.boot = true; break;
        case 'P': c.console = ConsoleMode::Pipe; break;
        case ARG_CONSOLE: {
            std::string v = optarg;
            if (v == "interactive") c.console = ConsoleMode::Interactive;
            else if (v == "read-only") c.console = ConsoleMode::ReadOnly;
            else if (v == "passive") c.console = ConsoleMode::Passive;
            else if (v == "pipe") c.console = ConsoleMode::Pipe;
            else if (v == "autopipe") c.console = ConsoleMode::Autopipe;
            else return Error::msg("Unknown console mode: {}", v);
            break;
        }
        case ARG_PRIVNET: c.net.private_network = true; break;
        case ARG_BIND:
        case ARG_BIND_RO: {
            auto parts = str::split(optarg, ':');
            BindMount b;
            b.source = parts[0];
            b.target = parts.size() > 1 ? parts[1] : parts[0];
            if (parts.size() > 2) {
                b.options = parts[2];
                if (parts[2] == "norbind") b.recursive = false;
            }
            b.read_only = o == ARG_BIND_RO;
            c.binds.push_back(b);
            break;
        }
        case ARG_TMPFS: {
            std::string v = optarg;
            auto colon = v.find(':');
            TmpfsMount t;
            t.target = v.substr(0, colon);
            t.options = colon == std::string::npos ? "mode=0755" : v.substr(colon + 1);
            c.tmpfs.push_back(t);
            break;
        }
        case ARG_READ_ONLY: c.read_only = true; break;
        case ARG_KILL_SIGNAL: {
            auto n = str::parse_int(optarg);
            if (n) c.kill_signal = static_cast<int>(*n);
            else {
                std::string v = optarg;
                if (v.rfind("SIG", 0) == 0) v = v.substr(3);
                int found = 0;
                for (int s = 1; s < 32; ++s)
                    if (sigabbrev_np(s) && v == sigabbrev_np(s)) found = s;
                if (v.rfind("RTMIN+", 0) == 0) found = SIGRTMIN + std::atoi(v.c_str() + 6);
                if (!found) return Error::msg("Cannot parse signal: {}", optarg);
                c.kill_signal = found;
            }
            break;
        }
        case ARG_REGISTER: break;
        case ARG_UUID: {
            std::string v;
            for (char ch : std::string(optarg))
                if (ch != '-') v += ch;
            auto u = container::parse_machine_id(v);
            if (!u) return Error::msg("Invalid UUID: {}", optarg);
            c.uuid = *u;
            break;
        }
        case ARG_KEEP_UNIT: c.keep_unit = true; break;
        case 'q': c.quiet = true; break;
        case 'h': c.show_help = true; break;
        case ARG_VERSION: c.show_version = true; break;
        default: return Error::msg("Invalid command line (see --help)");
        }
    }
    for (int i = optind; i < argc; ++i) c.command.emplace_back(argv[i]);
    return c;
}

Result<void> interim_finalize(Config& c) {
    if (c.directory.empty()) {
        if (c.machine.empty()) return Error::msg("No directory tree given (use -D DIR or -M NAME)");
        c.directory = std::string(kImageSearchPath[0]) + "/" + c.machine;
    }
    if (c.machine.empty()) {
        std::string d = c.directory;
        while (d.size() > 1 && d.back() == '/') d.pop_back();
        auto slash = d.rfind('/');
        std::string base = slash == std::string::npos ? d : d.substr(slash + 1);
        std::string clean;
        for (char ch : base)
            if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.') clean += ch;
        while (!clean.empty() && (clean.front() == '-' || clean.front() == '.')) clean.erase(0, 1);
        c.machine = clean.empty() ? "container" : clean.substr(0, 64);
    }
    return ok();
}

}  // namespace spawn
