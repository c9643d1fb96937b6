// device_policy: which device nodes the container may create (mknod) and
// open, as systemd-nspawn 252 sets it on the machine's scope:
//   DevicePolicy=closed   systemd's closed set: /dev/null, /dev/zero, /dev/full,
//                         /dev/random, /dev/urandom, /dev/tty, /dev/ptmx rwm and
//                         the inaccessible nodes c 0:0, b 0:0 rwm
//   DeviceAllow=          /dev/net/tun rwm, char-pts rw, each --bind (--bind-ro)
//                         of a host device node rw (r), --property=DeviceAllow=
// Pure planner (unit-tested): DeviceAllow= parsing, resolution to
// major:minor rules against /proc/devices and stat() facts given by the
// caller, the cgroup v1 devices.allow lines, and the BPF_PROG_TYPE_CGROUP_DEVICE
// program for cgroup2 (instructions emitted by hand, as systemd does).
// The executor is device_cgroup.hpp.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace spawn::container {

// One DeviceAllow= entry as systemd takes it: a /dev path (or
// /run/systemd/inaccessible/ path), char-NAME or block-NAME (NAME a glob
// matched against /proc/devices), and access, a combination of r, w, m.
struct DeviceAllow {
    std::string spec;
    std::string access;  // normalised to the order "rwm"
    bool operator==(const DeviceAllow&) const = default;
};

// A resolved rule: type 'c' or 'b', major/minor (-1: any), access ("rwm" subset).
struct DeviceRule {
    char type = 'c';
    int64_t major = -1;
    int64_t minor = -1;
    std::string access;
    bool operator==(const DeviceRule&) const = default;
};

// A device node as stat() shows it.
struct DeviceNode {
    char type = 'c';
    unsigned major = 0, minor = 0;
};

// What the planner needs to know about the host.
struct DeviceFacts {
    std::string proc_devices;  // /proc/devices
    // stat() of a host path: the node, std::nullopt when it exists but is no
    // device node, an error (errno kept) when it cannot be stat'ed.
    std::function<Result<std::optional<DeviceNode>>(const std::string& path)> stat;
};

// The host side of a --bind / --bind-ro.
struct BindSource {
    std::string path;
    bool read_only = false;
};

struct DevicePolicy {
    std::vector<DeviceAllow> allow;       // beyond DevicePolicy=closed: what systemd gets as DeviceAllow=
    std::vector<DeviceAllow> bind_allow;  // the part of allow that comes from --bind/--bind-ro and an OCI
                                          // bundle's linux.devices (not from --property)
    std::vector<DeviceRule> rules;        // all the container may use (closed set included), resolved
};

// "SPEC [ACCESS]" (systemd's DeviceAllow= syntax; no ACCESS means rwm). Errors
// name the value: "--property=DeviceAllow=/dev/null xyz: ...".
Result<DeviceAllow> parse_device_allow(std::string_view value);

// The values of the DeviceAllow= assignments among --property= arguments.
std::vector<std::string> device_allow_values(const std::vector<std::string>& properties);

// systemd's closed set (DevicePolicy=closed) as rules.
std::vector<DeviceRule> closed_set_rules();
// nspawn's additions: /dev/net/tun rwm, char-pts rw.
std::vector<DeviceAllow> nspawn_device_allow();

// Rules for one entry: a path is stat'ed, char-/block-NAME matched against
// /proc/devices. Errors name the entry.
Result<std::vector<DeviceRule>> resolve_device_allow(const DeviceAllow& allow, const DeviceFacts& facts);

// The whole policy: closed set, nspawn's additions, binds of device nodes
// (sources that do not exist are skipped, as nspawn does), then the
// --property=DeviceAllow= values (already checked by parse_device_allow).
Result<DevicePolicy> plan_device_policy(const std::vector<std::string>& device_allow_values,
                                        const std::vector<BindSource>& binds, const DeviceFacts& facts);

// devices.allow lines for cgroup v1 ("c 1:3 rwm", "c 136:* rw"), written
// after "a" to devices.deny.
std::vector<std::string> device_v1_lines(const std::vector<DeviceRule>& rules);

// A BPF_PROG_TYPE_CGROUP_DEVICE program allowing exactly the rules (1 =
// allow, 0 = deny), in the shape of systemd's bpf-devices.c.
std::vector<struct bpf_insn> device_bpf_program(const std::vector<DeviceRule>& rules);

}  // namespace spawn::container
