// seccomp_plan: which system calls the container's filter lets through, which
// it answers with EPERM (and, implicitly, ENOSYS for the rest): systemd-nspawn
// 252's allow list.
//
// nspawn allows the groups @aio @basic-io @chown @default @file-system
// @io-event @ipc @mount @network-io @process @resources @setuid @signal @sync
// @timer and a list of single calls; the capability-gated items only when the
// bounding set has the capability (@clock: CAP_SYS_TIME, @module:
// CAP_SYS_MODULE, @raw-io: CAP_SYS_RAWIO, @memlock: CAP_IPC_LOCK, acct:
// CAP_SYS_PACCT, ptrace and process_vm_*: CAP_SYS_PTRACE (process_vm_* are in
// @ipc too), reboot: CAP_SYS_BOOT, syslog: CAP_SYSLOG, vhangup:
// CAP_SYS_TTY_CONFIG); then --system-call-filter's own lists, the deny list
// winning. Every other system call systemd 252 knows (@known) answers EPERM,
// anything else (calls newer than that table, e.g. listmount(2)) ENOSYS. The
// groups are systemd's own (config/syscall_groups.hpp). Beyond nspawn: TIOCSTI and
// TIOCLINUX ioctls answer EPERM. Pure: unit-tested without privileges.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/syscall_groups.hpp"
#include "util/result.hpp"

namespace spawn::container {

struct DeniedIoctl {
    unsigned long request;  // compared on the low 32 bits, as the kernel reads it
    std::string name;
};

struct SeccompPlan {
    std::vector<std::string> allowed;         // sorted names that reach the kernel
    std::vector<std::string> denied;          // sorted names answered with EPERM
    // Every other system call: ENOSYS.
    std::vector<DeniedIoctl> denied_ioctls;   // ioctl requests answered with EPERM
    bool deny_audit_netlink = true;           // socket(AF_NETLINK, *, NETLINK_AUDIT) -> EAFNOSUPPORT
    // --suppress-sync (nspawn's): sync(), fsync(), fdatasync(), syncfs(),
    // sync_file_range(), msync() return 0 without reaching the kernel;
    // open()/openat() with O_SYNC or O_DSYNC fail with EINVAL, openat2() with
    // ENOSYS (its flags cannot be inspected; callers fall back to openat).
    bool suppress_sync = false;
};

// The filter for a container whose bounding set is `caps` (plan_capabilities()),
// with --system-call-filter's lists (items checked by check_syscall_filter_item();
// an unknown @group left in contributes nothing). Without lists: nspawn 252's
// default. The user's deny list gets EPERM even for calls outside @known.
SeccompPlan plan_seccomp(uint64_t caps, const SyscallFilter& user = {}, bool suppress_sync = false);

// The calls --suppress-sync answers with 0.
inline constexpr const char* kSyncCalls[] = {"fdatasync", "fsync", "msync", "sync", "sync_file_range",
                                             "sync_file_range2", "syncfs"};

// True when the plan lets `name` reach the kernel / answers it with EPERM.
bool seccomp_allows(const SeccompPlan& plan, std::string_view name);
bool seccomp_denies(const SeccompPlan& plan, std::string_view name);

// The groups, the item check and the architectures: config/syscall_groups.hpp.
using spawn::check_syscall_filter_item;
using spawn::seccomp_filter_arches;

}  // namespace spawn::container
