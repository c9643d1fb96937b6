#include "container/fs_ids.hpp"

#include <linux/capability.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace spawn::container {
namespace {

Result<void> raise_effective() {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2] = {};
    if (syscall(SYS_capget, &h, d) < 0) return Error::errno_("capget");
    d[0].effective = d[0].permitted;
    d[1].effective = d[1].permitted;
    if (syscall(SYS_capset, &h, d) < 0) return Error::errno_("capset");
    return ok();
}

// A change of file system IDs clears the parent-death signal (the kernel's
// rule for any credential change): spawn's outer child would outlive a
// SIGKILLed spawn (found by the fault walk). Set it again; if the parent
// died meanwhile, die as the signal would have made us.
struct ParentDeathSignal {
    int sig = 0;
    pid_t parent = getppid();
    ParentDeathSignal() { prctl(PR_GET_PDEATHSIG, &sig); }
    void rearm() const {
        if (sig == 0) return;
        prctl(PR_SET_PDEATHSIG, sig);
        if (getppid() != parent) raise(sig);
    }
};

}  // namespace

Result<CreateAsContainerRoot> CreateAsContainerRoot::enter(uint32_t base) {
    const ParentDeathSignal death;
    setfsgid(base);
    setfsuid(base);
    death.rearm();
    if (static_cast<uint32_t>(setfsuid(static_cast<uid_t>(-1))) != base)
        return Error::msg("switching to the container root's file system IDs failed");
    TRY(raise_effective());
    return CreateAsContainerRoot();
}

CreateAsContainerRoot::~CreateAsContainerRoot() {
    if (!active_) return;
    const ParentDeathSignal death;
    setfsuid(0);
    setfsgid(0);
    death.rearm();
    (void)raise_effective();
}

}  // namespace spawn::container
