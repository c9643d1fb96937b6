// machine_state: what spawn tells mctl about a running machine beyond what
// systemd-machined keeps, in /run/spawn/machines/NAME for the life of its
// registration: "KEY=VALUE" lines.
//
//   PoweroffSignal=12              --kill-signal (mctl poweroff sends it)
//   CapabilityBoundingSet=0x...    the bounding set spawn gives the machine
//   SystemCallFilter=@clock acct   --system-call-filter allow list
//   SystemCallFilter=~@mount       --system-call-filter deny list
//
// mctl confines a command it enters into the machine with the machine's own
// bounding set and filter: container::prepare_confinement(bounding,
// state.syscall_filter), then confine_like_machine() in the joining process. The bounding set comes from here, not only from
// the leader: until the leader has dropped its capabilities (right after the
// registration) its CapBnd is the host's.
// Other keys (RebootSignal=, written by an admin) are left to their readers.
// Formatting and parsing are pure (unit-tested).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn::machined {

// Where the per-machine state files live.
inline constexpr const char* kMachineStateDir = "/run/spawn/machines";

struct MachineState {
    int poweroff_signal = 0;                // PoweroffSignal=; 0: not set
    SyscallFilter syscall_filter;           // SystemCallFilter= lines
    std::optional<uint64_t> bounding_set;   // CapabilityBoundingSet=
    bool empty() const { return poweroff_signal == 0 && !bounding_set && syscall_filter.empty(); }
    bool operator==(const MachineState&) const = default;
};

// The file's text (one line per set key, in the order above).
std::string format_machine_state(const MachineState& s);
// The keys above from a file's text; unknown keys are skipped, a bad value is
// an error naming the line.
Result<MachineState> parse_machine_state(std::string_view text);

// /run/spawn/machines/NAME.
std::string machine_state_path(std::string_view name);
// The state of machine NAME; a machine without a file has the empty state
// (the defaults: nspawn's filter for its bounding set). Errors name the file.
Result<MachineState> read_machine_state(std::string_view name);
// Writes the file (replacing it at once).
Result<void> write_machine_state(std::string_view name, const MachineState& s);

}  // namespace spawn::machined
