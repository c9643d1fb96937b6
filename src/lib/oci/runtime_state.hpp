// oci/runtime_state: what spawn-oci keeps of a container between its
// commands (--root/ID/state.json), and the state the runtime specification
// defines (`spawn-oci state`, `list --format json`). Pure: text in, text out.
// state.json is written by spawn-oci alone, in a directory only root can
// write, but it is read back as untrusted input all the same (a fuzz target
// parses it): a malformed file is an error naming the field, never a crash.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace spawn::oci {

// The runtime specification's version spawn-oci reports.
inline constexpr const char* kRuntimeSpecVersion = "1.0.2";

struct RuntimeState {
    std::string id;
    std::string bundle;            // absolute
    std::string rootfs;            // absolute
    std::string created;           // RFC 3339, UTC
    pid_t pid = 0;                 // the container's init, in the host's PID namespace
    uint64_t pid_start = 0;        // its start time (/proc/PID/stat field 22): a reused PID is not it
    pid_t supervisor = 0;          // spawn-oci's supervisor, which holds what the start set up
    bool started = false;          // `start` released the init to its process
    std::map<std::string, std::string> annotations;
    bool operator==(const RuntimeState&) const = default;
};

enum class Status { Creating, Created, Running, Stopped };
std::string_view status_name(Status s);

// state.json's text, and back (errors name the field: "state.json: pid: ...").
std::string state_file_text(const RuntimeState& s);
Result<RuntimeState> parse_state_file(std::string_view text);

// The specification's state object, as `runc state` prints it (indented).
std::string spec_state_json(const RuntimeState& s, Status status);

// Container IDs: machine names (the container is the machine of that name),
// which runc accepts too: letters, digits, '-' and '.' as in a host name, at
// most 64 characters.
Result<void> check_container_id(std::string_view id);

}  // namespace spawn::oci
