// payload_options: the values of the options that set up the payload
// process, with systemd-nspawn 252's spellings and parsing: --rlimit=,
// --cpu-affinity=, --personality=, --oom-score-adjust=,
// --no-new-privileges=, --ambient-capability=. Pure. Each parser returns a
// one-line Error naming the option and the value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn {

// The largest CPU number --cpu-affinity= takes (systemd's CPU set limit).
inline constexpr unsigned kMaxCpu = 8191;

// RLIMIT_* number of "NOFILE", "RLIMIT_NOFILE" or "LimitNOFILE" (upper case,
// as nspawn); nullopt if unknown.
std::optional<int> rlimit_from_name(std::string_view name);
// RLIMIT_NOFILE -> "NOFILE".
std::string_view rlimit_name(int resource);

// "NAME=SOFT[:HARD]" (one value: both limits) -> {RLIMIT_*, limits}. Values
// as nspawn: "infinity"; CPU in seconds and RTTIME in microseconds, both also
// as time spans ("1min 30s", "5ms"); sizes (FSIZE DATA STACK CORE RSS AS
// MEMLOCK MSGQUEUE) in bytes or with K, M, G, T, P, E (base 1024); NICE as
// the raw limit 0..40 or as a nice level "+N" (0..19) / "-N" (0..20); the
// rest as numbers. SOFT may not exceed HARD.
Result<std::pair<int, ResourceLimit>> parse_rlimit(std::string_view s);

// "0,2-3" or "0 2-3" -> {0, 2, 3} (sorted, no duplicates, each <= kMaxCpu).
Result<std::vector<unsigned>> parse_cpu_affinity(std::string_view s);

// systemd's architecture names: the native one (PER_LINUX) or the secondary
// one this build's architecture runs (PER_LINUX32: "x86" on x86-64).
Result<unsigned long> parse_personality(std::string_view s);
// The architecture name of the native personality ("x86-64"), and of the
// secondary one ("" when there is none).
std::string_view native_architecture_name();
std::string_view secondary_architecture_name();

// -1000..1000, an optional sign.
Result<int> parse_oom_score_adjust(std::string_view s);

Result<bool> parse_no_new_privileges(std::string_view s);

// "CAP_A,CAP_B" -> bit mask; "all" is refused, as by nspawn (the ambient set
// is named, never everything).
Result<uint64_t> parse_ambient_capabilities(std::string_view s);

// "SOFT:HARD" as /proc/PID/limits shows them ("unlimited"), for messages.
std::string format_rlimit(const ResourceLimit& l);

}  // namespace spawn
