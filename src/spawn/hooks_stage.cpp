#include "spawn/hooks_stage.hpp"

#include "oci/hooks.hpp"
#include "util/log.hpp"

namespace spawn {

Result<void> run_creation_hooks(const Config& cfg, pid_t container) {
    const auto& hooks = cfg.oci_hooks;
    if (hooks.prestart.empty() && hooks.create_runtime.empty()) return ok();
    const std::string state = oci::hook_state_json(cfg, container, oci::Status::Creating);
    TRY(oci::run_hooks(hooks.prestart, "prestart", state));
    return oci::run_hooks(hooks.create_runtime, "createRuntime", state);
}

void run_poststart_hooks(const Config& cfg, pid_t container) {
    if (cfg.oci_hooks.poststart.empty()) return;
    const std::string state = oci::hook_state_json(cfg, container, oci::Status::Running);
    if (auto r = oci::run_hooks(cfg.oci_hooks.poststart, "poststart", state); !r.ok()) log::warn("{}", r.error().message());
}

PoststopHooks::~PoststopHooks() {
    if (!cfg_) return;
    const std::string state = oci::hook_state_json(*cfg_, 0, oci::Status::Stopped);
    if (auto r = oci::run_hooks(cfg_->oci_hooks.poststop, "poststop", state); !r.ok()) log::warn("{}", r.error().message());
}

}  // namespace spawn
