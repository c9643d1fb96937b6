#include "container/payload.hpp"

#include <sched.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <climits>
#include <sstream>
#include <type_traits>

#include "config/capabilities.hpp"
#include "config/payload_options.hpp"
#include "util/cptr.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace spawn::container {
namespace {

constexpr uint64_t kInf = kRlimitInfinity;
constexpr uint64_t kHighRlimitNofile = 512 * 1024;  // systemd's HIGH_RLIMIT_NOFILE
constexpr uint64_t kDefaultRlimitMemlock = 8 * 1024 * 1024;

// "unlimited" or a number, as /proc/PID/limits shows a limit.
std::optional<uint64_t> limit_value(const std::string& s) {
    if (s == "unlimited") return kInf;
    return str::parse_uint(s);
}

// The soft and hard value of the line of /proc/PID/limits that starts with label.
std::optional<ResourceLimit> limits_line(const std::string& text, std::string_view label) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.starts_with(label)) continue;
        std::istringstream fields(line.substr(label.size()));
        std::string soft, hard;
        fields >> soft >> hard;
        auto s = limit_value(soft), h = limit_value(hard);
        if (s && h) return ResourceLimit{*s, *h};
    }
    return std::nullopt;
}

ResourceLimit own_limit(int resource) {
    rlimit rl{};
    if (getrlimit(resource, &rl) < 0) return {kInf, kInf};
    return {rl.rlim_cur, rl.rlim_max};
}

// "0-1,5" for {0, 1, 5}.
std::string cpu_list_text(const std::vector<unsigned>& cpus) {
    std::string out;
    for (size_t i = 0; i < cpus.size();) {
        size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(cpus[i]);
        if (j > i) out += "-" + std::to_string(cpus[j]);
        i = j + 1;
    }
    return out;
}

Result<void> set_cpu_affinity(const std::vector<unsigned>& cpus) {
    constexpr size_t kBits = sizeof(unsigned long) * CHAR_BIT;
    std::vector<unsigned long> mask(cpus.back() / kBits + 1);
    for (unsigned c : cpus) mask[c / kBits] |= 1UL << (c % kBits);
    if (sched_setaffinity(0, mask.size() * sizeof(unsigned long), reinterpret_cast<cpu_set_t*>(mask.data())) == 0)
        return ok();
    int err = errno;
    return Error::sys(err, "--cpu-affinity={}: setting the CPU affinity{}", cpu_list_text(cpus),
                      err == EINVAL ? " (none of these CPUs is online and allowed here)" : "");
}

}  // namespace

Result<void> set_rlimit_closest(int resource, const ResourceLimit& l) {
    auto fail = [&](int err) {
        return Error::sys(err, "setting resource limit RLIMIT_{} to {}", rlimit_name(resource), format_rlimit(l));
    };
    rlimit want{l.soft, l.hard};
    if (setrlimit(resource, &want) == 0) return ok();
    if (errno != EPERM) return fail(errno);
    rlimit cur{};
    if (getrlimit(resource, &cur) < 0) return fail(errno);
    if (cur.rlim_max == RLIM_INFINITY) return fail(EPERM);
    rlimit fixed{std::min(want.rlim_cur, cur.rlim_max), std::min(want.rlim_max, cur.rlim_max)};
    if (fixed.rlim_cur == cur.rlim_cur && fixed.rlim_max == cur.rlim_max) return ok();
    if (setrlimit(resource, &fixed) < 0) return fail(errno);
    return ok();
}


RlimitFacts probe_rlimit_facts() {
    RlimitFacts f;
    std::string pid1 = read_text_file("/proc/1/limits");
    f.pid1_nproc = limits_line(pid1, "Max processes").value_or(own_limit(RLIMIT_NPROC));
    f.pid1_sigpending = limits_line(pid1, "Max pending signals").value_or(own_limit(RLIMIT_SIGPENDING));
    std::string nr_open = read_text_file("/proc/sys/fs/nr_open");
    while (!nr_open.empty() && nr_open.back() == '\n') nr_open.pop_back();
    if (auto n = str::parse_uint(nr_open)) f.nr_open = *n;
    return f;
}

std::array<ResourceLimit, kRlimitCount> default_rlimits(const RlimitFacts& facts) {
    std::array<ResourceLimit, kRlimitCount> r;
    r.fill({kInf, kInf});  // CPU FSIZE DATA RSS AS LOCKS RTTIME
    r[RLIMIT_CORE] = {0, kInf};
    r[RLIMIT_MEMLOCK] = {kDefaultRlimitMemlock, kDefaultRlimitMemlock};
    r[RLIMIT_MSGQUEUE] = {819200, 819200};
    r[RLIMIT_NICE] = {0, 0};
    r[RLIMIT_NOFILE] = {1024, std::min(facts.nr_open, kHighRlimitNofile)};
    r[RLIMIT_RTPRIO] = {0, 0};
    r[RLIMIT_STACK] = {8 * 1024 * 1024, kInf};
    r[RLIMIT_NPROC] = facts.pid1_nproc;
    r[RLIMIT_SIGPENDING] = facts.pid1_sigpending;
    return r;
}

Result<PayloadPlan> plan_payload(const Config& cfg, uint64_t bounding_set, const RlimitFacts& facts) {
    PayloadPlan p;
    p.rlimits = default_rlimits(facts);
    for (size_t i = 0; i < cfg.rlimits.size(); ++i)
        if (cfg.rlimits[i]) p.rlimits[i] = *cfg.rlimits[i];
    p.cpu_affinity = cfg.cpu_affinity;
    p.personality = cfg.personality;
    p.oom_score_adjust = cfg.oom_score_adjust;
    p.no_new_privileges = cfg.no_new_privileges;
    if (uint64_t outside = cfg.ambient_capabilities & ~bounding_set)
        return Error::msg(
            "--ambient-capability: {} not in the container's bounding set (retain it with --capability=)",
            capability_mask_names(outside));
    p.ambient_capabilities = cfg.ambient_capabilities;
    // An OCI bundle's ambient set: what the kernel lets be raised (in
    // permitted and inheritable); runc leaves out the rest without a word.
    if (const auto& sets = cfg.capability_sets)
        p.ambient_capabilities |= sets->ambient & sets->permitted & sets->inheritable & bounding_set;
    return p;
}

Result<void> adjust_oom_score(pid_t pid, int value) {
    auto w = write_file("/proc/" + std::to_string(pid) + "/oom_score_adj", std::to_string(value));
    if (w.ok()) return ok();
    bool denied = w.error().code() == EACCES || w.error().code() == EPERM;
    return std::move(w).context(fmt::format("--oom-score-adjust={}: adjusting the OOM score of the container{}", value,
                                            denied ? " (lowering it needs CAP_SYS_RESOURCE)" : ""));
}

Result<void> apply_payload_limits(const PayloadPlan& p) {
    if (p.personality && personality(*p.personality) < 0)
        return Error::errno_("--personality: setting the personality {:#x}", *p.personality);
    if (!p.cpu_affinity.empty()) TRY(set_cpu_affinity(p.cpu_affinity));
    for (size_t i = 0; i < p.rlimits.size(); ++i) TRY(set_rlimit_closest(static_cast<int>(i), p.rlimits[i]));
    return ok();
}

Result<void> check_ambient_available(uint64_t ambient) {
    if (!ambient) return ok();
    CPtr<std::remove_pointer_t<cap_t>, cap_free> cur(cap_get_proc());
    if (!cur) return Error::errno_("reading the process capabilities");
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
        if (!(ambient & cap_bit(cap))) continue;
        cap_value_t v = cap;
        cap_flag_value_t have = CAP_CLEAR;
        if (cap_get_flag(cur.get(), v, CAP_PERMITTED, &have) < 0 || have != CAP_SET)
            return Error::msg("--ambient-capability: spawn itself does not have {}, it cannot give it to the payload",
                              capability_name(cap));
    }
    return ok();
}

Result<void> set_no_new_privileges() {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return Error::errno_("setting no_new_privs");
    return ok();
}

}  // namespace spawn::container
