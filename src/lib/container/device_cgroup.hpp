// device_cgroup: the kernel half of the device policy (device_policy.hpp),
// applied to the machine's cgroups before any task joins them:
//   cgroup v1 devices hierarchy  "a" to devices.deny, then one devices.allow
//                                line per rule
//   cgroup2                      the BPF_PROG_TYPE_CGROUP_DEVICE program,
//                                loaded with bpf(BPF_PROG_LOAD) and attached
//                                with BPF_F_ALLOW_MULTI (a guest's own
//                                programs below can only restrict further)
// The kernel checks both on every mknod and open of a device node, whatever
// the layout: on a hybrid host the cgroup2 program holds even against a
// container root that rewrites its v1 devices.allow (the container cannot
// call bpf(), seccomp denies it). A kernel without BPF device programs gets
// one warning line and the v1 policy alone (as systemd does).
#pragma once

#include "container/cgroup_plan.hpp"
#include "container/device_policy.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::container {

// /proc/devices and stat() of the host.
DeviceFacts host_device_facts();

// Whether this kernel loads BPF_PROG_TYPE_CGROUP_DEVICE programs (a trivial
// one is loaded); the error says why not.
Result<void> probe_device_programs();

// Loads the program (the verifier's first complaint in the error).
Result<UniqueFd> load_device_program(const std::vector<struct bpf_insn>& program);

// Applies the policy to the machine's cgroups (the v1 devices one and the
// cgroup2 one, those of the plan that exist).
Result<void> apply_device_policy(const CgroupPlan& plan, const DevicePolicy& policy);

}  // namespace spawn::container
