// spawn-oci: an OCI runtime with runc's command line (runtime.hpp), running
// containers with spawn's start. Global options come before the command.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "spawn-oci/runtime.hpp"
#include "spawn-oci/state_dir.hpp"
#include "oci/runtime_state.hpp"
#include "util/log.hpp"

namespace spawn::oci_runtime {

const std::string* ParsedArgs::get(std::string_view name) const {
    for (auto it = options.rbegin(); it != options.rend(); ++it)
        if (it->first == name) return &it->second;
    return nullptr;
}

Result<ParsedArgs> parse_args(const char* command, const Args& args, const std::vector<OptionSpec>& specs) {
    ParsedArgs p;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            p.positional.insert(p.positional.end(), args.begin() + static_cast<long>(i) + 1, args.end());
            break;
        }
        if (a.size() < 2 || a[0] != '-') {  // options end at the first argument, as runc's
            p.positional.insert(p.positional.end(), args.begin() + static_cast<long>(i), args.end());
            break;
        }
        // --name=value, --name [value], -n [value] (runc also takes -name).
        std::string name = a.substr(a[1] == '-' ? 2 : 1), value;
        bool inline_value = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name.resize(eq);
            inline_value = true;
        }
        const OptionSpec* spec = nullptr;
        for (const auto& s : specs)
            if (name == s.long_name || (name.size() == 1 && name[0] == s.short_name)) spec = &s;
        if (!spec) return Error::msg("{}: unknown option {}", command, a);
        if (spec->takes_value && !inline_value) {
            if (i + 1 == args.size()) return Error::msg("{}: option --{} needs a value", command, spec->long_name);
            value = args[++i];
        } else if (!spec->takes_value && inline_value && value != "true") {
            if (value == "false") continue;
            return Error::msg("{}: option --{} takes no value", command, spec->long_name);
        }
        p.options.emplace_back(spec->long_name, value);
    }
    return p;
}

Result<std::string> one_id(const char* command, const ParsedArgs& p) {
    if (p.positional.size() != 1)
        return Error::msg("{}: expected exactly one container ID, got {}", command, p.positional.size());
    TRY(oci::check_container_id(p.positional[0]));
    return p.positional[0];
}

int exit_status(const Result<void>& r) {
    if (r.ok()) return 0;
    log::error("{}", r.error().message());
    return 1;
}

namespace {

constexpr const char* kUsage = R"(Usage: spawn-oci [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS...]

An OCI runtime with runc's command line: containerd, podman and people run
OCI bundles with spawn's start through it.

Commands:
  create [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] ID
                          Create the container of a bundle; its process waits for start
  start ID                Run the created container's process
  run [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--detach] ID
                          create, start and (without --detach) wait for it, then delete
  state ID                The container's state (the runtime specification's JSON)
  exec [--process FILE] [--tty --console-socket SOCKET] [--detach] [--pid-file FILE] ID [ARGS...]
                          Run another process in the running container
  kill [--all] ID [SIGNAL]
                          Send SIGNAL (default SIGTERM) to its init, or to all its processes
  delete [--force] ID     Delete a stopped or created container (--force: a running one)
  list [--format table|json] [--quiet]
                          The containers under --root
  ps [--format table|json] ID [-- PS OPTIONS]
                          Its processes (host PIDs), as ps -ef lines or a JSON list
  features                What this runtime implements (JSON)
  spec [--bundle DIR]     Write a starting config.json

Global options:
  --root DIR              Where containers' state lives (default /run/spawn-oci)
  --log FILE              Write messages to FILE instead of standard error
  --log-format text|json  Messages as text lines or runc's JSON lines
  --systemd-cgroup        cgroupsPath is in systemd's slice:prefix:name form
  -h --help               Show this help
  -v --version            Print version string

The annotation spawn.register=yes|no|auto in config.json registers the
container with systemd-machined (default: no). See spawn-oci(1).
)";

struct Command {
    const char* name;
    int (*run)(const Globals&, const Args&);
};
constexpr Command kCommands[] = {{"create", cmd_create}, {"start", cmd_start},   {"run", cmd_run},
                                 {"state", cmd_state},   {"kill", cmd_kill},     {"delete", cmd_delete}, {"exec", cmd_exec},
                                 {"list", cmd_list},     {"ps", cmd_ps},         {"features", cmd_features},
                                 {"spec", cmd_spec}};

}  // namespace
}  // namespace spawn::oci_runtime

int main(int argc, char* argv[]) {
    using namespace spawn;
    using namespace spawn::oci_runtime;
    log::set_program("spawn-oci");
    Globals g;
    g.root = kDefaultRoot;
    std::string log_path, log_format = "text";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; ++i) {
        // --name, --name=value, --name value; runc also takes -name.
        std::string a = argv[i][1] == '-' ? argv[i] + 2 : argv[i] + 1, v;
        bool has_value = false;
        if (auto eq = a.find('='); eq != std::string::npos) {
            v = a.substr(eq + 1);
            a.resize(eq);
            has_value = true;
        }
        auto take = [&]() -> bool {
            if (has_value) return true;
            if (i + 1 >= argc) return false;
            v = argv[++i];
            return true;
        };
        if (a == "help" || a == "h") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (a == "version" || a == "v") {
            std::printf("spawn-oci version %s\nspec: %s\n", SPAWN_VERSION, oci::kRuntimeSpecVersion);
            return 0;
        }
        if (a == "root" || a == "log" || a == "log-format" || a == "criu" || a == "rootless") {
            if (!take()) {
                log::error("option --{} needs a value", a);
                return 1;
            }
            if (a == "root") g.root = v;
            if (a == "log") log_path = v;
            if (a == "log-format") log_format = v;
            if (a == "rootless" && v == "true") {
                log::error("--rootless: rootless containers are not supported");
                return 1;
            }
        } else if (a == "systemd-cgroup") {
            g.systemd_cgroup = true;
        } else if (a != "debug") {
            log::error("unknown global option {}", argv[i]);
            return 1;
        }
    }
    if (log_format != "text" && log_format != "json") {
        log::error("--log-format: expected text or json, not {}", log_format);
        return 1;
    }
    if (!log_path.empty()) {
        int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) {
            log::error("--log {}: {}", log_path, std::strerror(errno));
            return 1;
        }
        log::set_file(fd, log_format == "json" ? log::Format::Json : log::Format::Text);
    } else if (log_format == "json") {
        log::set_file(STDERR_FILENO, log::Format::Json);
    }
    if (!g.root.starts_with('/')) {
        log::error("--root {}: not an absolute path", g.root);
        return 1;
    }
    if (i >= argc) {
        log::error("no command given (see spawn-oci --help)");
        return 1;
    }
    const std::string command = argv[i];
    Args args(argv + i + 1, argv + argc);
    for (const auto& c : kCommands)
        if (command == c.name) return c.run(g, args);
    log::error("unknown command {} (see spawn-oci --help)", command);
    return 1;
}
