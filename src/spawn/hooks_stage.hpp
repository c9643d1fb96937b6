// hooks_stage: an OCI bundle's hooks that run in the runtime's namespaces
// (oci/hook.hpp), as stages of the start. createContainer and startContainer
// run in the container (child.cpp, the sealed helper).
//   run_creation_hooks  prestart, then createRuntime: the container's
//                       namespaces exist and its network is up, it has not
//                       pivoted; a failure fails the start (spawn and
//                       spawn-oci create alike)
//   PoststartHooks      spawn: once the payload runs (a failure is a warning)
//   PoststopHooks       spawn: armed once the container exists, run when it
//                       is dropped, after everything else is torn down (a
//                       failure is a warning); spawn-oci runs poststart in
//                       start and poststop in delete
#pragma once

#include <sys/types.h>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn {

Result<void> run_creation_hooks(const Config& cfg, pid_t container);

void run_poststart_hooks(const Config& cfg, pid_t container);

class PoststopHooks {
public:
    PoststopHooks() = default;
    PoststopHooks(const PoststopHooks&) = delete;
    PoststopHooks& operator=(const PoststopHooks&) = delete;
    ~PoststopHooks();
    void arm(const Config& cfg) { cfg_ = cfg.oci_hooks.poststop.empty() ? nullptr : &cfg; }
    bool armed() const { return cfg_ != nullptr; }
    void disarm() { cfg_ = nullptr; }

private:
    const Config* cfg_ = nullptr;
};

}  // namespace spawn
