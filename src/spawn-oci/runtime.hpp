// spawn-oci: the runc command line, for engines (containerd's shim, conmon)
// and people. Each command is a function of its arguments (after the global
// options) returning the exit status; errors are one line (log::error, to
// --log when given).
//   create.cpp      create, run (and the supervisor they fork: supervisor.hpp)
//   control.cpp     start, state, kill, delete
//   exec.cpp        exec
//   listing.cpp     list, ps
//   info.cpp        features, spec
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "oci/spec.hpp"
#include "util/result.hpp"

namespace spawn::oci_runtime {

struct Globals {
    std::string root;  // --root: the containers' state directories
    bool systemd_cgroup = false;
};

using Args = std::vector<std::string>;

int cmd_exec(const Globals& g, const Args& args);
int cmd_create(const Globals& g, const Args& args);
int cmd_run(const Globals& g, const Args& args);
int cmd_start(const Globals& g, const Args& args);
int cmd_state(const Globals& g, const Args& args);
int cmd_kill(const Globals& g, const Args& args);
int cmd_delete(const Globals& g, const Args& args);
int cmd_list(const Globals& g, const Args& args);
int cmd_ps(const Globals& g, const Args& args);
int cmd_features(const Globals& g, const Args& args);
int cmd_spec(const Globals& g, const Args& args);

// The configuration of container ID from BUNDLE's SPEC (read_oci_spec),
// taken by spawn's own option parser as `spawn --oci-bundle` takes it,
// detached, registered as its annotations say (create.cpp); its warnings
// printed if asked. Not finalized.
Result<Config> bundle_config(const std::string& bundle, const oci::Spec& spec, const std::string& id, bool warnings);

// A command's options: --name=value, --name value, -x value and flags, then
// positional arguments. Errors name the option.
struct OptionSpec {
    const char* long_name;
    char short_name;   // 0: none
    bool takes_value;
};
struct ParsedArgs {
    std::vector<std::pair<std::string, std::string>> options;  // long name, value ("" for a flag)
    std::vector<std::string> positional;
    const std::string* get(std::string_view name) const;
    bool has(std::string_view name) const { return get(name) != nullptr; }
};
Result<ParsedArgs> parse_args(const char* command, const Args& args, const std::vector<OptionSpec>& specs);

// The one positional container ID of a command (errors name the command).
Result<std::string> one_id(const char* command, const ParsedArgs& p);

// Logs r's error and returns 1, or returns 0.
int exit_status(const Result<void>& r);

}  // namespace spawn::oci_runtime
