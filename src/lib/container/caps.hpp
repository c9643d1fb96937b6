// caps: the capability bounding set of the container (nspawn 252's default
// set, plus CAP_NET_ADMIN with a private network). The planner is pure and
// unit-tested; apply_capabilities() runs in the child right before exec.
#pragma once

#include <linux/capability.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/capabilities.hpp"
#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn::container {

// The names and masks (config/capabilities.hpp), also under this namespace.
using spawn::cap_bit;
using spawn::capability_from_name;
using spawn::capability_mask_names;
using spawn::capability_name;
using spawn::kAllCapabilities;

// nspawn 252's default retained set (design.md section 7).
inline constexpr uint64_t kDefaultCapabilities =
    cap_bit(CAP_AUDIT_CONTROL) | cap_bit(CAP_AUDIT_WRITE) | cap_bit(CAP_CHOWN) |
    cap_bit(CAP_DAC_OVERRIDE) | cap_bit(CAP_DAC_READ_SEARCH) | cap_bit(CAP_FOWNER) |
    cap_bit(CAP_FSETID) | cap_bit(CAP_IPC_OWNER) | cap_bit(CAP_KILL) | cap_bit(CAP_LEASE) |
    cap_bit(CAP_LINUX_IMMUTABLE) | cap_bit(CAP_MKNOD) | cap_bit(CAP_NET_BIND_SERVICE) |
    cap_bit(CAP_NET_BROADCAST) | cap_bit(CAP_NET_RAW) | cap_bit(CAP_SETFCAP) | cap_bit(CAP_SETGID) |
    cap_bit(CAP_SETPCAP) | cap_bit(CAP_SETUID) | cap_bit(CAP_SYS_ADMIN) | cap_bit(CAP_SYS_BOOT) |
    cap_bit(CAP_SYS_CHROOT) | cap_bit(CAP_SYS_NICE) | cap_bit(CAP_SYS_PTRACE) |
    cap_bit(CAP_SYS_RESOURCE) | cap_bit(CAP_SYS_TTY_CONFIG);

// The bounding set for the container: the default set, CAP_NET_ADMIN with a
// private network (or an OCI bundle's bounding set instead), then
// --capability= added and --drop-capability= removed.
uint64_t plan_capabilities(const Config& cfg);

// In the child, as root, right before the payload's credential change and
// exec: drops every capability outside `retain` from the bounding set (up to
// the running kernel's last capability), sets effective and permitted to
// `retain` & what the process has, inheritable to the same for uid 0 and to
// nothing for another user (as nspawn does; setuid() to that user then clears
// effective and permitted), and clears the ambient set. With EXACT (an OCI
// bundle's process.capabilities) effective, permitted and inheritable are
// its sets instead (effective and permitted within `retain`).
Result<void> apply_capabilities(uint64_t retain, uid_t uid = 0, const CapabilitySets* exact = nullptr);

// An OCI bundle's process.user, as runc applies it: the user change before
// the capability drop (root of a bundle may lack CAP_SETUID and CAP_SETGID),
// keeping the permitted set through it and raising effective again, so that
// apply_capabilities() then sets the bundle's sets for that user.
Result<void> become_user_keeping_capabilities(const UserIds& ids);

// After become_user_keeping_capabilities() and apply_capabilities(): raises
// AMBIENT (within permitted and inheritable) now, so that it survives the
// exec of the sealed helper, which as another user than root would
// otherwise start with no capabilities at all.
Result<void> raise_ambient_capabilities(uint64_t ambient);

// The CapBnd of a running process (/proc/PID/status), e.g. a machine's leader.
Result<uint64_t> read_bounding_set(pid_t pid);

}  // namespace spawn::container
