#include "container/seccomp_plan.hpp"

#include <linux/capability.h>
#include <seccomp.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <iterator>
#include <set>

#include "container/caps.hpp"
#include "config/syscall_groups.hpp"

namespace spawn::container {
namespace {

// What systemd-nspawn 252 allows (src/nspawn/nspawn-seccomp.c), in its order:
// a capability of -1 means always, else only when the bounding set has it.
struct AllowItem {
    int cap;
    const char* name;
};
constexpr AllowItem kNspawnAllowList[] = {
    {-1, "@aio"}, {-1, "@basic-io"}, {-1, "@chown"}, {-1, "@default"}, {-1, "@file-system"},
    {-1, "@io-event"}, {-1, "@ipc"}, {-1, "@mount"}, {-1, "@network-io"}, {-1, "@process"},
    {-1, "@resources"}, {-1, "@setuid"}, {-1, "@signal"}, {-1, "@sync"}, {-1, "@timer"},
    {CAP_SYS_TIME, "@clock"}, {CAP_SYS_MODULE, "@module"}, {CAP_SYS_RAWIO, "@raw-io"},
    {CAP_IPC_LOCK, "@memlock"},
    {-1, "brk"}, {-1, "capget"}, {-1, "capset"}, {-1, "copy_file_range"}, {-1, "fadvise64"},
    {-1, "fadvise64_64"}, {-1, "flock"}, {-1, "get_mempolicy"}, {-1, "getcpu"}, {-1, "getpriority"},
    {-1, "getrandom"}, {-1, "ioctl"}, {-1, "ioprio_get"}, {-1, "kcmp"}, {-1, "madvise"},
    {-1, "mincore"}, {-1, "mprotect"}, {-1, "mremap"}, {-1, "name_to_handle_at"},
    {-1, "oldolduname"}, {-1, "olduname"}, {-1, "personality"}, {-1, "readahead"}, {-1, "readdir"},
    {-1, "remap_file_pages"}, {-1, "sched_get_priority_max"}, {-1, "sched_get_priority_min"},
    {-1, "sched_getaffinity"}, {-1, "sched_getattr"}, {-1, "sched_getparam"},
    {-1, "sched_getscheduler"}, {-1, "sched_rr_get_interval"}, {-1, "sched_rr_get_interval_time64"},
    {-1, "sched_yield"}, {-1, "seccomp"}, {-1, "sendfile"}, {-1, "sendfile64"}, {-1, "setdomainname"},
    {-1, "setfsgid"}, {-1, "setfsgid32"}, {-1, "setfsuid"}, {-1, "setfsuid32"}, {-1, "sethostname"},
    {-1, "setpgid"}, {-1, "setsid"}, {-1, "splice"}, {-1, "sysinfo"}, {-1, "tee"}, {-1, "umask"},
    {-1, "uname"}, {-1, "userfaultfd"}, {-1, "vmsplice"},
    {CAP_SYS_PACCT, "acct"}, {CAP_SYS_PTRACE, "process_vm_readv"}, {CAP_SYS_PTRACE, "process_vm_writev"},
    {CAP_SYS_PTRACE, "ptrace"}, {CAP_SYS_BOOT, "reboot"}, {CAP_SYSLOG, "syslog"},
    {CAP_SYS_TTY_CONFIG, "vhangup"},
};

// The names of the items (unknown @groups contribute nothing).
std::set<std::string> resolve_all(const std::vector<std::string>& items) {
    std::set<std::string> out;
    for (const auto& item : items)
        if (auto names = resolve_syscall_item(item); names.ok()) out.insert(names->begin(), names->end());
    return out;
}

}  // namespace

SeccompPlan plan_seccomp(uint64_t caps, const SyscallFilter& user, bool suppress_sync) {
    // As nspawn: the user's deny list is never allowed; nspawn's list (the
    // capability-gated items only with the capability), then the user's allow
    // list; everything else systemd knows, and what the user denied, EPERM.
    const std::set<std::string> deny = resolve_all(user.deny);
    std::set<std::string> allowed;
    auto allow = [&](std::string_view item) {
        auto names = resolve_syscall_item(item);
        if (!names) return;
        for (auto& n : *names)
            if (!deny.contains(n)) allowed.insert(std::move(n));
    };
    for (const auto& a : kNspawnAllowList)
        if (a.cap < 0 || (caps & cap_bit(a.cap))) allow(a.name);
    for (const auto& item : user.allow) allow(item);

    std::set<std::string> denied = deny;
    if (auto known = resolve_syscall_item("@known"); known.ok()) denied.insert(known->begin(), known->end());
    SeccompPlan plan;
    plan.allowed.assign(allowed.begin(), allowed.end());
    std::set_difference(denied.begin(), denied.end(), allowed.begin(), allowed.end(),
                        std::back_inserter(plan.denied));
    plan.denied_ioctls = {{TIOCSTI, "TIOCSTI"}, {TIOCLINUX, "TIOCLINUX"}};
    plan.suppress_sync = suppress_sync;
    return plan;
}

bool seccomp_allows(const SeccompPlan& plan, std::string_view name) {
    return std::binary_search(plan.allowed.begin(), plan.allowed.end(), name);
}

bool seccomp_denies(const SeccompPlan& plan, std::string_view name) {
    return std::binary_search(plan.denied.begin(), plan.denied.end(), name);
}

}  // namespace spawn::container
