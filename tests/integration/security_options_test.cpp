// The payload process options on the busybox tree, observed from inside:
// --no-new-privileges (NoNewPrivs), --ambient-capability (CapAmb, and a
// chown that works as a user only with it), --rlimit and nspawn's default
// limits (/proc/self/limits), --oom-score-adjust (set from the host),
// --cpu-affinity (Cpus_allowed_list), --personality (uname -m); the same
// values as systemd-nspawn 252 on the same tree; bad values refused in one
// line, leaving nothing behind.
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "core_util.hpp"
#include "harness.hpp"
#include "probe_tree.hpp"

using namespace spawn::test;

namespace {

constexpr uint64_t kInf = RLIM_INFINITY;

std::vector<std::string> spawn_in(const TempTree& t, std::vector<std::string> opts, std::vector<std::string> cmd) {
    std::vector<std::string> a{"-D", t.str()};
    a.insert(a.end(), opts.begin(), opts.end());
    a.insert(a.end(), cmd.begin(), cmd.end());
    return spawn_cmd(a);
}

// The value of "Name:" in /proc/PID/status text ("" when absent).
std::string status_field(const std::string& status, const std::string& name) {
    std::istringstream in(status);
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with(name + ":")) {
            auto v = line.substr(name.size() + 1);
            return v.substr(std::min(v.find_first_not_of(" \t"), v.size()));
        }
    return "";
}

uint64_t status_hex(const std::string& status, const std::string& name) {
    return std::strtoull(status_field(status, name).c_str(), nullptr, 16);
}

bool have_cap(int cap) {
    return (status_hex(read_file("/proc/self/status"), "CapEff") >> cap) & 1;
}

// /proc/PID/limits text -> {"Max open files" -> {"1024", "4096"}}.
std::map<std::string, std::pair<std::string, std::string>> parse_limits(const std::string& text) {
    std::map<std::string, std::pair<std::string, std::string>> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() < 26 || line.starts_with("Limit")) continue;
        std::string label = line.substr(0, 25);
        label.erase(label.find_last_not_of(' ') + 1);
        std::istringstream fields(line.substr(26));
        std::string soft, hard;
        fields >> soft >> hard;
        out[label] = {soft, hard};
    }
    return out;
}

std::string limit_text(uint64_t v) { return v == kInf ? "unlimited" : std::to_string(v); }

// What setrlimit as spawn's child ends with for {soft, hard} (nspawn's
// setrlimit_closest): without CAP_SYS_RESOURCE a hard limit cannot rise
// above the one spawn inherited from this test.
std::pair<std::string, std::string> closest(int resource, uint64_t soft, uint64_t hard) {
    rlimit own{};
    getrlimit(resource, &own);
    if (!have_cap(CAP_SYS_RESOURCE) && own.rlim_max != kInf && hard > own.rlim_max) {
        soft = std::min<uint64_t>(soft, own.rlim_max);
        hard = own.rlim_max;
    }
    return {limit_text(soft), limit_text(hard)};
}

uint64_t pid1_limit_hard(const std::string& label) {
    auto v = parse_limits(read_file("/proc/1/limits"))[label].second;
    return v == "unlimited" ? kInf : std::stoull(v);
}
uint64_t pid1_limit_soft(const std::string& label) {
    auto v = parse_limits(read_file("/proc/1/limits"))[label].first;
    return v == "unlimited" ? kInf : std::stoull(v);
}

// The CPUs this process may run on.
std::vector<unsigned> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<unsigned> out;
    if (sched_getaffinity(0, sizeof set, &set) < 0) return out;
    for (unsigned c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set)) out.push_back(c);
    return out;
}

bool nspawn_runs(const TempTree& t, std::string* why) {
    if (access("/usr/bin/systemd-nspawn", X_OK) != 0) {
        *why = "systemd-nspawn not installed";
        return false;
    }
    auto r = run({"systemd-nspawn", "-q", "--register=no", "--keep-unit", "-P", "-D", t.str(), "/bin/true"});
    if (r.status != 0) *why = "systemd-nspawn does not run here: " + r.err;
    return r.status == 0;
}

RunResult nspawn_in(const TempTree& t, std::vector<std::string> opts, std::vector<std::string> cmd) {
    std::vector<std::string> a{"systemd-nspawn", "-q", "--register=no", "--keep-unit", "-P", "-D", t.str()};
    a.insert(a.end(), opts.begin(), opts.end());
    a.insert(a.end(), cmd.begin(), cmd.end());
    return run(a);
}

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

// spawn with opts fails with one line containing message, before or after
// clone, and leaves no mount, no cgroup and no lock behind.
void expect_refused_leaving_nothing(const TempTree& t, const std::vector<std::string>& opts,
                                    const std::string& message) {
    auto before = host_mount_points();
    auto r = run(spawn_in(t, opts, {"/bin/echo", "ran"}));
    EXPECT_NE(r.status, 0) << "accepted: " << r.out;
    EXPECT_NE(r.err.find(message), std::string::npos) << "stderr: " << r.err;
    EXPECT_EQ(lines(r.err), 1) << "stderr: " << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(mounts_under(t.path()).empty());
    EXPECT_EQ(leaked_mounts(before, t.str()), std::vector<std::string>{});
    EXPECT_TRUE(machine_cgroups(t.path().filename().string()).empty());
    auto again = run(spawn_in(t, {}, {"/bin/echo", "again"}));  // the tree's lock is free
    EXPECT_EQ(again.out, "again\n") << again.err;
}

const char* kStatusLines = "grep -E '^(Cap|NoNewPrivs|Seccomp:|Cpus_allowed_list)' /proc/self/status";

}  // namespace

// ---- --no-new-privileges -----------------------------------------------------

TEST(SecurityOptions, NoNewPrivilegesIsSetAfterTheFilter) {
    TempTree t("busybox");
    auto def = run(spawn_in(t, {}, {"/bin/sh", "-c", kStatusLines}));
    ASSERT_EQ(def.status, 0) << def.err;
    EXPECT_EQ(status_field(def.out, "NoNewPrivs"), "0");
    auto nnp = run(spawn_in(t, {"--no-new-privileges=yes"}, {"/bin/sh", "-c", kStatusLines}));
    ASSERT_EQ(nnp.status, 0) << nnp.err;
    EXPECT_EQ(status_field(nnp.out, "NoNewPrivs"), "1");
    EXPECT_EQ(status_field(nnp.out, "Seccomp"), "2");  // the filter is still there (loaded before)
    EXPECT_EQ(status_field(nnp.out, "CapBnd"), status_field(def.out, "CapBnd"));
    // The stub init and its payload (a user) both.
    auto pid2 = run(spawn_in(t, {"-a", "-u", "daemon", "--no-new-privileges=on"},
                             {"/bin/sh", "-c", "grep NoNewPrivs /proc/1/status /proc/self/status; id -u"}));
    ASSERT_EQ(pid2.status, 0) << pid2.err;
    EXPECT_EQ(pid2.out, "/proc/1/status:NoNewPrivs:\t1\n/proc/self/status:NoNewPrivs:\t1\n1\n");
    auto off = run(spawn_in(t, {"--no-new-privileges=no"}, {"/bin/sh", "-c", kStatusLines}));
    EXPECT_EQ(status_field(off.out, "NoNewPrivs"), "0") << off.err;
}

// ---- --ambient-capability ------------------------------------------------------

TEST(SecurityOptions, AmbientCapabilitiesReachRootAndUserPayloads) {
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0) < 0)
        GTEST_SKIP() << "no ambient capabilities in this kernel";
    if (!have_cap(CAP_CHOWN) || !have_cap(CAP_NET_RAW)) GTEST_SKIP() << "the test itself lacks CAP_CHOWN or CAP_NET_RAW";
    const uint64_t want = (1ULL << CAP_CHOWN) | (1ULL << CAP_NET_RAW);
    TempTree t("busybox");
    auto root = run(spawn_in(t, {"--ambient-capability=CAP_NET_RAW,CAP_CHOWN"}, {"/bin/sh", "-c", kStatusLines}));
    ASSERT_EQ(root.status, 0) << root.err;
    EXPECT_EQ(status_hex(root.out, "CapAmb"), want) << root.out;
    // A user keeps exactly them, through two execs (sh, then grep).
    for (bool pid2 : {false, true}) {
        std::vector<std::string> opts{"-u", "daemon", "--ambient-capability=CAP_CHOWN", "--ambient-capability=net_raw"};
        if (pid2) opts.push_back("--as-pid2");
        auto user = run(spawn_in(t, opts, {"/bin/sh", "-c", std::string(kStatusLines) + "; id -u"}));
        ASSERT_EQ(user.status, 0) << user.err;
        for (const char* f : {"CapAmb", "CapPrm", "CapEff", "CapInh"})
            EXPECT_EQ(status_hex(user.out, f), want) << f << " pid2=" << pid2 << "\n" << user.out;
        EXPECT_NE(user.out.find("\n1\n"), std::string::npos) << user.out;
    }
    // What it is for: daemon may chown with CAP_CHOWN, not without.
    const std::string chown = "touch /tmp/ambient-f && chown 2 /tmp/ambient-f && echo chowned";
    auto with = run(spawn_in(t, {"-u", "daemon", "--ambient-capability=CAP_CHOWN"}, {"/bin/sh", "-c", chown}));
    EXPECT_EQ(with.out, "chowned\n") << with.err;
    auto without = run(spawn_in(t, {"-u", "daemon"}, {"/bin/sh", "-c", chown}));
    EXPECT_NE(without.status, 0);
    EXPECT_EQ(without.out, "");
}

// ---- --rlimit and nspawn's defaults --------------------------------------------

TEST(SecurityOptions, DefaultResourceLimitsAreNspawns) {
    TempTree t("busybox");
    auto r = run(spawn_in(t, {}, {"/bin/cat", "/proc/self/limits"}));
    ASSERT_EQ(r.status, 0) << r.err;
    auto l = parse_limits(r.out);
    uint64_t nr_open = std::stoull(read_file("/proc/sys/fs/nr_open"));
    EXPECT_EQ(l["Max open files"], closest(RLIMIT_NOFILE, 1024, std::min<uint64_t>(nr_open, 524288)));
    EXPECT_EQ(l["Max locked memory"], closest(RLIMIT_MEMLOCK, 8 << 20, 8 << 20));
    EXPECT_EQ(l["Max stack size"], closest(RLIMIT_STACK, 8 << 20, kInf));
    EXPECT_EQ(l["Max core file size"], closest(RLIMIT_CORE, 0, kInf));
    EXPECT_EQ(l["Max msgqueue size"], closest(RLIMIT_MSGQUEUE, 819200, 819200));
    EXPECT_EQ(l["Max nice priority"], closest(RLIMIT_NICE, 0, 0));
    EXPECT_EQ(l["Max realtime priority"], closest(RLIMIT_RTPRIO, 0, 0));
    EXPECT_EQ(l["Max cpu time"], closest(RLIMIT_CPU, kInf, kInf));
    EXPECT_EQ(l["Max address space"], closest(RLIMIT_AS, kInf, kInf));
    EXPECT_EQ(l["Max processes"],
              closest(RLIMIT_NPROC, pid1_limit_soft("Max processes"), pid1_limit_hard("Max processes")));
    EXPECT_EQ(l["Max pending signals"],
              closest(RLIMIT_SIGPENDING, pid1_limit_soft("Max pending signals"), pid1_limit_hard("Max pending signals")));
}

TEST(SecurityOptions, RlimitOptionsReachThePayload) {
    TempTree t("busybox");
    auto r = run(spawn_in(t,
                          {"--rlimit=NOFILE=100:200", "--rlimit=RLIMIT_CORE=infinity", "--rlimit=CPU=1min:2min",
                           "--rlimit=LimitFSIZE=1M", "--rlimit=NOFILE=64:128", "--rlimit=RTTIME=5ms"},
                          {"/bin/sh", "-c", "cat /proc/self/limits; ulimit -n"}));
    ASSERT_EQ(r.status, 0) << r.err;
    auto l = parse_limits(r.out);
    EXPECT_EQ(l["Max open files"], closest(RLIMIT_NOFILE, 64, 128));  // the last one wins
    EXPECT_EQ(l["Max core file size"], closest(RLIMIT_CORE, kInf, kInf));
    EXPECT_EQ(l["Max cpu time"], closest(RLIMIT_CPU, 60, 120));
    EXPECT_EQ(l["Max file size"], closest(RLIMIT_FSIZE, 1 << 20, 1 << 20));
    EXPECT_EQ(l["Max realtime timeout"], closest(RLIMIT_RTTIME, 5000, 5000));
    EXPECT_NE(r.out.find("\n64\n"), std::string::npos) << r.out;  // the shell sees it too
}

// The reference: systemd-nspawn 252 on the same tree, same options, same
// limits, capability sets and no_new_privs.
TEST(SecurityOptions, SameLimitsAndCapabilitiesAsSystemdNspawn) {
    TempTree t("busybox");
    std::string why;
    if (!nspawn_runs(t, &why)) GTEST_SKIP() << why;
    const std::vector<std::vector<std::string>> cases = {
        {},
        {"--rlimit=NOFILE=100:200", "--rlimit=CPU=1min 30s:infinity", "--rlimit=FSIZE=1.5K", "--rlimit=NICE=-5",
         "--rlimit=RLIMIT_CORE=infinity", "--rlimit=MEMLOCK=64K"},
        {"--ambient-capability=CAP_NET_RAW,CAP_CHOWN", "--no-new-privileges=yes"},
    };
    for (const auto& opts : cases) {
        std::vector<std::string> cmd{"/bin/sh", "-c", std::string("cat /proc/self/limits; ") + kStatusLines};
        auto theirs = nspawn_in(t, opts, cmd);
        ASSERT_EQ(theirs.status, 0) << theirs.err;
        auto ours = run(spawn_in(t, opts, cmd));
        ASSERT_EQ(ours.status, 0) << ours.err;
        EXPECT_EQ(parse_limits(ours.out), parse_limits(theirs.out)) << "ours:\n" << ours.out << "theirs:\n" << theirs.out;
        for (const char* f : {"CapBnd", "CapEff", "CapPrm", "CapInh", "CapAmb", "NoNewPrivs", "Seccomp"})
            EXPECT_EQ(status_field(ours.out, f), status_field(theirs.out, f)) << f;
    }
}

// ---- --oom-score-adjust -----------------------------------------------------------

TEST(SecurityOptions, OomScoreAdjustIsSetFromTheHost) {
    TempTree t("busybox");
    auto r = run(spawn_in(t, {"--oom-score-adjust=500", "-a"},
                          {"/bin/sh", "-c", "cat /proc/1/oom_score_adj /proc/self/oom_score_adj"}));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "500\n500\n");
    auto def = run(spawn_in(t, {}, {"/bin/cat", "/proc/self/oom_score_adj"}));
    EXPECT_EQ(def.out, read_file("/proc/self/oom_score_adj")) << def.err;  // inherited without the option
}

// Lowering it needs CAP_SYS_RESOURCE on the host side only: the container's
// bounding set may lack it.
TEST(SecurityOptions, LoweringTheOomScoreNeedsNoPrivilegeInside) {
    TempTree t("busybox");
    if (!have_cap(CAP_SYS_RESOURCE)) GTEST_SKIP() << "the test lacks CAP_SYS_RESOURCE (lowering it is refused; "
                                                     "SecurityOptions.BadValuesAreRefusedAndLeaveNothing checks that)";
    auto low = run(spawn_in(t, {"--oom-score-adjust=-500", "--drop-capability=CAP_SYS_RESOURCE"},
                            {"/bin/cat", "/proc/self/oom_score_adj"}));
    EXPECT_EQ(low.out, "-500\n") << low.err;
}

// ---- --cpu-affinity ------------------------------------------------------------------

TEST(SecurityOptions, CpuAffinityRestrictsTheContainer) {
    auto cpus = allowed_cpus();
    if (cpus.size() < 2) GTEST_SKIP() << "fewer than two CPUs allowed here: nothing to restrict";
    TempTree t("busybox");
    std::string last = std::to_string(cpus.back());
    // PID 1 and a process it starts (grep, forked by sh).
    auto one = run(spawn_in(t, {"--cpu-affinity=" + last}, {"/bin/sh", "-c", kStatusLines}));
    ASSERT_EQ(one.status, 0) << one.err;
    EXPECT_EQ(status_field(one.out, "Cpus_allowed_list"), last);
    std::string both = std::to_string(cpus[0]) + "," + last;
    auto two = run(spawn_in(t, {"--cpu-affinity", both}, {"/bin/grep", "Cpus_allowed_list", "/proc/1/status"}));
    ASSERT_EQ(two.status, 0) << two.err;
    std::string want = cpus.back() == cpus[0] + 1 ? std::to_string(cpus[0]) + "-" + last : both;
    EXPECT_EQ(two.out, "Cpus_allowed_list:\t" + want + "\n");
}

// ---- --personality ------------------------------------------------------------------

TEST(SecurityOptions, PersonalityX86ShowsI686) {
#if !defined(__x86_64__)
    GTEST_SKIP() << "x86 personality: x86-64 hosts only";
#endif
    // Probe: does PER_LINUX32 give i686 from uname(2) here?
    pid_t pid = fork();
    if (pid == 0) {
        utsname u{};
        _exit(personality(PER_LINUX32) >= 0 && uname(&u) == 0 && std::string(u.machine) == "i686" ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) GTEST_SKIP() << "PER_LINUX32 does not report i686 on this kernel";
    TempTree t("busybox");
    auto x86 = run(spawn_in(t, {"--personality=x86"}, {"/bin/sh", "-c", "uname -m; /bin/uname -m"}));
    EXPECT_EQ(x86.out, "i686\ni686\n") << x86.err;
    auto native = run(spawn_in(t, {"--personality=x86-64"}, {"/bin/uname", "-m"}));
    EXPECT_EQ(native.out, "x86_64\n") << native.err;
    auto def = run(spawn_in(t, {}, {"/bin/uname", "-m"}));
    EXPECT_EQ(def.out, "x86_64\n") << def.err;
}

// ---- bad values ---------------------------------------------------------------------

TEST(SecurityOptions, BadValuesAreRefusedAndLeaveNothing) {
    TempTree t("busybox");
    // Refused by the parser.
    expect_refused_leaving_nothing(t, {"--no-new-privileges=maybe"}, "Invalid --no-new-privileges: 'maybe'");
    expect_refused_leaving_nothing(t, {"--ambient-capability=all"}, "Invalid --ambient-capability: 'all'");
    expect_refused_leaving_nothing(t, {"--rlimit=FOO=1"}, "Invalid --rlimit: 'FOO=1'");
    expect_refused_leaving_nothing(t, {"--rlimit=NOFILE=200:100"}, "Invalid --rlimit: 'NOFILE=200:100'");
    expect_refused_leaving_nothing(t, {"--oom-score-adjust=1001"}, "Invalid --oom-score-adjust: '1001'");
    expect_refused_leaving_nothing(t, {"--cpu-affinity="}, "Invalid --cpu-affinity: ''");
    expect_refused_leaving_nothing(t, {"--personality=arm64"}, "Invalid --personality: 'arm64'");
    // Refused by the planner.
    expect_refused_leaving_nothing(t, {"--ambient-capability=CAP_SYS_TIME"},
                                   "--ambient-capability: CAP_SYS_TIME not in the container's bounding set");
    // Refused by the container's first process, after clone and mounts.
    expect_refused_leaving_nothing(t, {"--cpu-affinity=8191"}, "--cpu-affinity=8191: setting the CPU affinity");
    // Refused on the host side after clone, when lowering needs what spawn lacks.
    if (!have_cap(CAP_SYS_RESOURCE))
        expect_refused_leaving_nothing(t, {"--oom-score-adjust=-1000"},
                                       "--oom-score-adjust=-1000: adjusting the OOM score of the container");
}

// ---- --suppress-sync -------------------------------------------------------------

// The sync calls return 0 without reaching the kernel (on a pipe the kernel
// answers EINVAL/ESPIPE), O_SYNC/O_DSYNC opens fail with EINVAL; without the
// option, all as the kernel answers.
TEST(SecurityOptions, SuppressSyncTurnsSyncCallsIntoNoOps) {
    ProbeTree t;
    auto plain = run(spawn_cmd({"-D", t.str(), "/probe", "sync"}));
    ASSERT_EQ(plain.status, 0) << plain.err;
    auto p = parse_probe(plain.out);
    EXPECT_EQ(p["fsync"], "EINVAL");
    EXPECT_EQ(p["fdatasync"], "EINVAL");
    EXPECT_EQ(p["sync_file_range"], "ESPIPE");
    EXPECT_EQ(p["open_osync"], "ok");
    EXPECT_EQ(p["openat_odsync"], "ok");
    for (const char* on : {"--suppress-sync=yes", "--suppress-sync=true"}) {
        auto sup = run(spawn_cmd({"-D", t.str(), on, "/probe", "sync"}));
        ASSERT_EQ(sup.status, 0) << sup.err;
        auto s = parse_probe(sup.out);
        EXPECT_EQ(s["fsync"], "ok") << on;
        EXPECT_EQ(s["fdatasync"], "ok");
        EXPECT_EQ(s["sync_file_range"], "ok");
        EXPECT_EQ(s["syncfs"], "ok");
        EXPECT_EQ(s["open_osync"], "EINVAL");
        EXPECT_EQ(s["openat_odsync"], "EINVAL");
        EXPECT_EQ(s["openat_plain"], "ok");
    }
    EXPECT_EQ(parse_probe(run(spawn_cmd({"-D", t.str(), "--suppress-sync=no", "/probe", "sync"})).out)["fsync"], "EINVAL");
    for (auto [arg, msg] : std::vector<std::pair<std::string, std::string>>{
             {"--suppress-sync", "spawn: Option --suppress-sync requires an argument\n"},
             {"--suppress-sync=", "spawn: Invalid --suppress-sync: '' (expected yes or no)\n"},
             {"--suppress-sync=often", "spawn: Invalid --suppress-sync: 'often' (expected yes or no)\n"}}) {
        std::vector<std::string> args = {"-D", t.str(), arg};
        if (arg.find('=') != std::string::npos) args.push_back("/bin/true");  // a missing value: the last argument
        auto r = run(spawn_cmd(args));
        EXPECT_EQ(r.status, 1);
        EXPECT_EQ(r.err, msg);
    }
}
