#include "config/payload_options.hpp"

#include <sys/personality.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <span>

#include "config/options.hpp"
#include "util/strings.hpp"

namespace spawn {
namespace {

// How the value of a resource limit is written (systemd's rlimit_parse_table).
enum class Kind { Number, Size, Seconds, Microseconds, Nice };

struct RlimitInfo {
    std::string_view name;
    int resource;
    Kind kind;
};

constexpr std::array<RlimitInfo, kRlimitCount> kRlimits = {{
    {"CPU", RLIMIT_CPU, Kind::Seconds},
    {"FSIZE", RLIMIT_FSIZE, Kind::Size},
    {"DATA", RLIMIT_DATA, Kind::Size},
    {"STACK", RLIMIT_STACK, Kind::Size},
    {"CORE", RLIMIT_CORE, Kind::Size},
    {"RSS", RLIMIT_RSS, Kind::Size},
    {"NPROC", RLIMIT_NPROC, Kind::Number},
    {"NOFILE", RLIMIT_NOFILE, Kind::Number},
    {"MEMLOCK", RLIMIT_MEMLOCK, Kind::Size},
    {"AS", RLIMIT_AS, Kind::Size},
    {"LOCKS", RLIMIT_LOCKS, Kind::Number},
    {"SIGPENDING", RLIMIT_SIGPENDING, Kind::Number},
    {"MSGQUEUE", RLIMIT_MSGQUEUE, Kind::Size},
    {"NICE", RLIMIT_NICE, Kind::Nice},
    {"RTPRIO", RLIMIT_RTPRIO, Kind::Number},
    {"RTTIME", RLIMIT_RTTIME, Kind::Microseconds},
}};
static_assert(RLIM_NLIMITS == kRlimitCount, "Config::rlimits is indexed by RLIMIT_*");
static_assert(RLIM_INFINITY == kRlimitInfinity);

const RlimitInfo* rlimit_info(int resource) {
    for (const auto& i : kRlimits)
        if (i.resource == resource) return &i;
    return nullptr;
}

// A unit suffix and what one of it is worth.
struct Unit {
    std::string_view suffix;
    uint64_t factor;
};

constexpr uint64_t kUsecPerSec = 1000000;
constexpr Unit kTimeUnits[] = {
    {"seconds", kUsecPerSec}, {"second", kUsecPerSec}, {"sec", kUsecPerSec}, {"s", kUsecPerSec},
    {"minutes", 60 * kUsecPerSec}, {"minute", 60 * kUsecPerSec}, {"min", 60 * kUsecPerSec},
    {"months", 2629800 * kUsecPerSec}, {"month", 2629800 * kUsecPerSec}, {"M", 2629800 * kUsecPerSec},
    {"msec", 1000}, {"ms", 1000}, {"m", 60 * kUsecPerSec},
    {"hours", 3600 * kUsecPerSec}, {"hour", 3600 * kUsecPerSec}, {"hr", 3600 * kUsecPerSec}, {"h", 3600 * kUsecPerSec},
    {"days", 86400 * kUsecPerSec}, {"day", 86400 * kUsecPerSec}, {"d", 86400 * kUsecPerSec},
    {"weeks", 604800 * kUsecPerSec}, {"week", 604800 * kUsecPerSec}, {"w", 604800 * kUsecPerSec},
    {"years", 31557600 * kUsecPerSec}, {"year", 31557600 * kUsecPerSec}, {"y", 31557600 * kUsecPerSec},
    {"usec", 1}, {"us", 1}, {"\u00b5s", 1},
};
constexpr Unit kSizeUnits[] = {
    {"E", uint64_t{1} << 60}, {"P", uint64_t{1} << 50}, {"T", uint64_t{1} << 40}, {"G", uint64_t{1} << 30},
    {"M", uint64_t{1} << 20}, {"K", uint64_t{1} << 10}, {"B", 1},
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The longest unit S starts with, else nullptr.
const Unit* match_unit(std::string_view s, std::span<const Unit> units) {
    const Unit* best = nullptr;
    for (const auto& u : units)
        if (s.starts_with(u.suffix) && (!best || u.suffix.size() > best->suffix.size())) best = &u;
    return best;
}

// WHOLE.FRAC times factor; nullopt on overflow.
std::optional<uint64_t> scale(std::string_view whole, std::string_view frac, uint64_t factor) {
    uint64_t w = whole.empty() ? 0 : str::parse_uint(whole).value_or(~uint64_t{0});
    uint64_t out = 0;
    if (whole.size() > 19 || __builtin_mul_overflow(w, factor, &out)) return std::nullopt;
    uint64_t num = 0, den = 1;
    for (char c : frac.substr(0, 18)) {
        num = num * 10 + static_cast<uint64_t>(c - '0');
        den *= 10;
    }
    __extension__ using Wide = unsigned __int128;  // num * factor may exceed 64 bits
    Wide part = static_cast<Wide>(num) * factor / den;
    if (__builtin_add_overflow(out, static_cast<uint64_t>(part), &out)) return std::nullopt;
    return out;
}

// systemd's numbers with units, added up: "1min 30s", "1.5K", "2G 512M". A
// number without a unit counts default_factor. nullopt on bad syntax or overflow.
std::optional<uint64_t> parse_amount(std::string_view s, std::span<const Unit> units, uint64_t default_factor) {
    uint64_t total = 0;
    bool any = false;
    size_t i = 0;
    auto skip_space = [&] {
        while (i < s.size() && is_space(s[i])) ++i;
    };
    skip_space();
    while (i < s.size()) {
        size_t start = i;
        while (i < s.size() && is_digit(s[i])) ++i;
        std::string_view whole = s.substr(start, i - start), frac;
        if (i < s.size() && s[i] == '.') {
            size_t f = ++i;
            while (i < s.size() && is_digit(s[i])) ++i;
            frac = s.substr(f, i - f);
        }
        if (whole.empty() && frac.empty()) return std::nullopt;
        skip_space();
        const Unit* unit = match_unit(s.substr(i), units);
        if (unit) i += unit->suffix.size();
        auto v = scale(whole, frac, unit ? unit->factor : default_factor);
        if (!v || __builtin_add_overflow(total, *v, &total)) return std::nullopt;
        any = true;
        skip_space();
    }
    if (!any) return std::nullopt;
    return total;
}

// One limit value of a resource of kind K; nullopt when it is not one.
std::optional<uint64_t> parse_limit_value(std::string_view v, Kind k) {
    if (v == "infinity" && k != Kind::Nice) return kRlimitInfinity;
    std::optional<uint64_t> r;
    switch (k) {
    case Kind::Number:
        r = str::parse_uint(v);
        break;
    case Kind::Size:
        r = parse_amount(v, kSizeUnits, 1);
        break;
    case Kind::Seconds:
        // Whole seconds, rounded up, as nspawn.
        if (auto us = parse_amount(v, kTimeUnits, kUsecPerSec)) r = *us / kUsecPerSec + (*us % kUsecPerSec != 0);
        break;
    case Kind::Microseconds:
        r = parse_amount(v, kTimeUnits, 1);
        break;
    case Kind::Nice: {
        // Linux's RLIMIT_NICE is 20 - nice level: 40..1 for -20..19 (0 is the kernel's default).
        auto n = str::parse_uint(v.substr(v.starts_with('+') || v.starts_with('-') ? 1 : 0));
        if (!n) return std::nullopt;
        if (v.starts_with('+')) return *n <= 19 ? std::optional<uint64_t>(20 - *n) : std::nullopt;
        if (v.starts_with('-')) return *n <= 20 ? std::optional<uint64_t>(20 + *n) : std::nullopt;
        return *n <= 40 ? n : std::nullopt;
    }
    }
    if (r && *r == kRlimitInfinity) return std::nullopt;  // "infinity" is spelled out
    return r;
}

std::string_view expected_value(Kind k) {
    switch (k) {
    case Kind::Number: return "a number or infinity";
    case Kind::Size: return "a size in bytes, optionally with K, M, G, T, P or E (base 1024), or infinity";
    case Kind::Seconds: return "seconds or a time span such as '1min 30s', or infinity";
    case Kind::Microseconds: return "microseconds or a time span such as 5ms, or infinity";
    case Kind::Nice: return "a limit from 0 to 40, or a nice level from +0 to +19 or from -0 to -20";
    }
    return "";
}

constexpr std::string_view kRlimitForm = "expected NAME=SOFT[:HARD], e.g. NOFILE=1024:4096";

// Architectures of systemd's table (systemd-analyze architectures).
constexpr std::string_view kArchitectures[] = {
    "alpha", "arc", "arc-be", "arm", "arm64", "arm64-be", "arm-be", "cris", "ia64", "loongarch64", "m68k",
    "mips", "mips-le", "mips64", "mips64-le", "nios2", "parisc", "parisc64", "ppc", "ppc-le", "ppc64",
    "ppc64-le", "riscv32", "riscv64", "s390", "s390x", "sh", "sh64", "sparc", "sparc64", "tilegx", "x86",
    "x86-64",
};

}  // namespace

std::optional<int> rlimit_from_name(std::string_view name) {
    bool had = false;
    std::string_view bare = str::lstrip_prefix(name, "RLIMIT_", &had);
    if (!had) bare = str::lstrip_prefix(name, "Limit", &had);
    for (const auto& i : kRlimits)
        if (i.name == bare) return i.resource;
    return std::nullopt;
}

std::string_view rlimit_name(int resource) {
    const RlimitInfo* i = rlimit_info(resource);
    return i ? i->name : "?";
}

Result<std::pair<int, ResourceLimit>> parse_rlimit(std::string_view s) {
    auto bad = [&](std::string_view why) { return Error::msg("Invalid --rlimit: '{}' ({})", s, why); };
    auto eq = s.find('=');
    if (eq == std::string_view::npos) return bad(kRlimitForm);
    std::string_view name = s.substr(0, eq);
    auto resource = rlimit_from_name(name);
    if (!resource) {
        std::vector<std::string> names;
        for (const auto& i : kRlimits) names.emplace_back(i.name);
        return bad(fmt::format("unknown resource limit '{}'; expected {}, optionally with RLIMIT_ before", name,
                               str::join(names, ", ")));
    }
    const Kind kind = rlimit_info(*resource)->kind;
    auto fields = str::split(s.substr(eq + 1), ':');
    if (fields.size() > 2) return bad(kRlimitForm);
    auto soft = parse_limit_value(fields[0], kind);
    auto hard = fields.size() == 2 ? parse_limit_value(fields[1], kind) : soft;
    if (!soft || !hard) return bad(fmt::format("{} takes {}, as SOFT[:HARD]", name, expected_value(kind)));
    if (*soft > *hard)
        return bad(fmt::format("soft limit {} exceeds hard limit {}", format_rlimit({*soft, *soft}),
                               format_rlimit({*hard, *hard})));
    return std::make_pair(*resource, ResourceLimit{*soft, *hard});
}

Result<std::vector<unsigned>> parse_cpu_affinity(std::string_view s) {
    auto bad = [&](std::string_view why) { return Error::msg("Invalid --cpu-affinity: '{}' ({})", s, why); };
    constexpr std::string_view kForm = "expected CPU numbers and ranges separated by ',' or spaces, such as 0,2-3";
    std::vector<unsigned> cpus;
    std::string_view rest = s;
    constexpr std::string_view kSeparators = " \t\n,";
    while (!rest.empty()) {
        rest.remove_prefix(std::min(rest.find_first_not_of(kSeparators), rest.size()));
        std::string_view word = rest.substr(0, rest.find_first_of(kSeparators));
        rest.remove_prefix(word.size());
        if (word.empty()) continue;
        auto dash = word.find('-');
        auto lo = str::parse_uint(word.substr(0, dash));
        auto hi = dash == std::string_view::npos ? lo : str::parse_uint(word.substr(dash + 1));
        if (!lo || !hi) return bad(kForm);
        if (*lo > *hi) return bad(fmt::format("range {} is reversed", word));
        if (*hi > kMaxCpu) return bad(fmt::format("CPU {} is beyond the largest CPU number, {}", *hi, kMaxCpu));
        for (uint64_t c = *lo; c <= *hi; ++c) cpus.push_back(static_cast<unsigned>(c));
    }
    if (cpus.empty()) return bad(kForm);
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    return cpus;
}

std::string_view native_architecture_name() {
#if defined(__x86_64__)
    return "x86-64";
#elif defined(__i386__)
    return "x86";
#elif defined(__aarch64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return "arm64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return "ppc64-le";
#elif defined(__s390x__)
    return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
    return "riscv64";
#else
    return "";
#endif
}

std::string_view secondary_architecture_name() {
#if defined(__x86_64__)
    return "x86";
#elif defined(__aarch64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return "arm";
#elif defined(__s390x__)
    return "s390";
#else
    return "";
#endif
}

Result<unsigned long> parse_personality(std::string_view s) {
    std::string_view native = native_architecture_name(), secondary = secondary_architecture_name();
    if (!native.empty() && s == native) return static_cast<unsigned long>(PER_LINUX);
    if (!secondary.empty() && s == secondary) return static_cast<unsigned long>(PER_LINUX32);
    std::string expected = secondary.empty() ? std::string(native) : fmt::format("{} or {}", native, secondary);
    bool known = std::find(std::begin(kArchitectures), std::end(kArchitectures), s) != std::end(kArchitectures);
    if (known)
        return Error::msg("Invalid --personality: '{}' (not supported on this {} host; expected {})", s, native,
                          expected);
    return Error::msg("Invalid --personality: '{}' (unknown architecture; expected {})", s, expected);
}

Result<int> parse_oom_score_adjust(std::string_view s) {
    auto v = str::parse_int(s.starts_with('+') ? s.substr(1) : s);
    if (!v || *v < -1000 || *v > 1000 || s.starts_with("+-"))
        return Error::msg("Invalid --oom-score-adjust: '{}' (expected a number from -1000 to 1000)", s);
    return static_cast<int>(*v);
}

Result<bool> parse_no_new_privileges(std::string_view s) {
    if (auto b = str::parse_bool(s)) return *b;
    return Error::msg("Invalid --no-new-privileges: '{}' (expected a boolean: yes or no)", s);
}

Result<uint64_t> parse_ambient_capabilities(std::string_view s) {
    for (const auto& item : str::split(s, ','))
        if (item == "all")
            return Error::msg(
                "Invalid --ambient-capability: '{}' (all is refused, as by systemd-nspawn: name the capabilities)", s);
    return parse_capability_list(s).context("Invalid --ambient-capability");
}

std::string format_rlimit(const ResourceLimit& l) {
    auto one = [](uint64_t v) { return v == kRlimitInfinity ? std::string("unlimited") : std::to_string(v); };
    return l.soft == l.hard ? one(l.soft) : one(l.soft) + ":" + one(l.hard);
}

}  // namespace spawn
