#include "container/caps.hpp"

#include "config/derived.hpp"

#include <grp.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <type_traits>

#include <fstream>

#include "util/cptr.hpp"

namespace spawn::container {

uint64_t plan_capabilities(const Config& cfg) {
    uint64_t caps = kDefaultCapabilities;
    if (own_network(cfg.net)) caps |= cap_bit(CAP_NET_ADMIN);
    if (cfg.capability_sets) caps = cfg.capability_sets->bounding;  // an OCI bundle's, exactly
    caps |= cfg.capability_add;
    caps &= ~cfg.capability_drop;
    return caps;
}

Result<void> apply_capabilities(uint64_t retain, uid_t uid, const CapabilitySets* exact) {
    // Bounding set: everything the running kernel knows beyond `retain`.
    for (int cap = 0;; ++cap) {
        int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (r < 0) {
            if (errno == EINVAL) break;  // past the kernel's last capability
            return Error::errno_("reading capability {} of the bounding set", capability_name(cap));
        }
        if (r == 0 || (cap < 64 && (retain & cap_bit(cap)))) continue;
        if (cap_drop_bound(static_cast<cap_value_t>(cap)) < 0)
            return Error::errno_("dropping {} from the bounding set", capability_name(cap));
    }
    // Ambient first: it may only hold what stays permitted and inheritable.
    if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() < 0) return Error::errno_("clearing the ambient capabilities");

    CPtr<std::remove_pointer_t<cap_t>, cap_free> cur(cap_get_proc());
    if (!cur) return Error::errno_("reading the process capabilities");
    CPtr<std::remove_pointer_t<cap_t>, cap_free> next(cap_init());
    if (!next) return Error::errno_("allocating a capability set");
    // nspawn's sets: the bounding set in effective and permitted (and, for
    // root, inheritable); or an OCI bundle's sets as given.
    uint64_t effective = exact ? exact->effective : retain;
    uint64_t permitted = exact ? exact->permitted : retain;
    uint64_t inheritable = exact ? exact->inheritable : (uid == 0 ? retain : 0);
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
        cap_value_t v = cap;
        cap_flag_value_t have = CAP_CLEAR;
        if (cap_get_flag(cur.get(), v, CAP_PERMITTED, &have) < 0 || have != CAP_SET) continue;
        uint64_t bit = cap_bit(cap);
        if (effective & permitted & retain & bit) cap_set_flag(next.get(), CAP_EFFECTIVE, 1, &v, CAP_SET);
        if (permitted & retain & bit) cap_set_flag(next.get(), CAP_PERMITTED, 1, &v, CAP_SET);
        if (inheritable & bit) cap_set_flag(next.get(), CAP_INHERITABLE, 1, &v, CAP_SET);
    }
    if (cap_set_proc(next.get()) < 0) return Error::errno_("setting the process capabilities");
    return ok();
}

Result<void> become_user_keeping_capabilities(const UserIds& ids) {
    int death_signal = 0;
    prctl(PR_GET_PDEATHSIG, &death_signal);
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return Error::errno_("keeping the capabilities through a user change");
    std::vector<gid_t> groups(ids.groups.begin(), ids.groups.end());
    if (setgroups(groups.size(), groups.data()) < 0) return Error::errno_("setting the supplementary groups");
    if (setresgid(ids.gid, ids.gid, ids.gid) < 0) return Error::errno_("changing to group {}", ids.gid);
    if (setresuid(ids.uid, ids.uid, ids.uid) < 0) return Error::errno_("changing to user {}", ids.uid);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return Error::errno_("resetting keep-capabilities");
    // A credential change clears the death signal: arm it again.
    if (death_signal) prctl(PR_SET_PDEATHSIG, death_signal);
    // The change cleared the effective set (for a uid other than 0): raise it
    // from the permitted set, which KEEPCAPS kept.
    CPtr<std::remove_pointer_t<cap_t>, cap_free> cur(cap_get_proc());
    if (!cur) return Error::errno_("reading the process capabilities");
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
        cap_value_t v = cap;
        cap_flag_value_t have = CAP_CLEAR;
        if (cap_get_flag(cur.get(), v, CAP_PERMITTED, &have) == 0 && have == CAP_SET)
            cap_set_flag(cur.get(), CAP_EFFECTIVE, 1, &v, CAP_SET);
    }
    if (cap_set_proc(cur.get()) < 0) return Error::errno_("raising the effective capabilities again");
    return ok();
}

Result<void> raise_ambient_capabilities(uint64_t ambient) {
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap)
        if ((ambient & cap_bit(cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            return Error::errno_("raising {} into the ambient set", capability_name(cap));
    return ok();
}

Result<uint64_t> read_bounding_set(pid_t pid) {
    std::string path = "/proc/" + std::to_string(pid) + "/status";
    std::ifstream in(path);
    if (!in) return Error::errno_("reading {}", path);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.starts_with("CapBnd:")) continue;
        char* end = nullptr;
        errno = 0;
        uint64_t v = std::strtoull(line.c_str() + 7, &end, 16);
        if (errno != 0 || end == line.c_str() + 7) break;
        return v;
    }
    return Error(EINVAL, fmt::format("no CapBnd line in {}", path));
}

}  // namespace spawn::container
