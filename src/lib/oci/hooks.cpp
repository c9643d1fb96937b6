#include "oci/hooks.hpp"

#include "util/run_program.hpp"

namespace spawn::oci {

Result<void> run_hooks(const std::vector<Hook>& hooks, const char* which, std::string_view state) {
    for (size_t i = 0; i < hooks.size(); ++i) {
        const Hook& h = hooks[i];
        const int64_t timeout = h.timeout.value_or(0);
        const ProgramEnd end = run_program(h.path, h.args, h.env, state, timeout);
        if (!end.ok()) return Error::msg("hooks.{}[{}] ({}): {}", which, i, h.path, describe(end, timeout));
    }
    return ok();
}

std::string hook_state_json(const Config& cfg, pid_t pid, Status status) {
    RuntimeState s;
    s.id = cfg.machine;
    s.bundle = cfg.oci_bundle;
    s.rootfs = cfg.directory;
    s.pid = pid;
    s.annotations = cfg.oci_annotations;
    return spec_state_json(s, status);
}

}  // namespace spawn::oci
