// etc_plan: what a start does to the guest's /etc/resolv.conf and
// /etc/localtime (--resolv-conf, --timezone), decided from the options and
// the host's files as systemd-nspawn 252 decides it. Pure (unit-tested);
// container/etc_files.hpp gathers the facts and does it.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"

namespace spawn::container {

// The host's resolver configuration files (systemd-resolved's, when it runs).
inline constexpr const char* kHostResolvConf = "/etc/resolv.conf";
inline constexpr const char* kStaticResolvConf = "/usr/lib/systemd/resolv.conf";
inline constexpr const char* kUplinkResolvConf = "/run/systemd/resolve/resolv.conf";
inline constexpr const char* kStubResolvConf = "/run/systemd/resolve/stub-resolv.conf";

struct EtcFacts {
    bool private_network = false;   // the guest has a network of its own
    bool etc_writable = true;       // the tree is writable (not --read-only)
    bool host_resolv_conf = false;  // /etc/resolv.conf exists on the host
    bool resolved_stub = false;     // the stub file exists and systemd-resolved listens on it
    // The host's /etc/localtime: its symlink target, or why there is none.
    enum class Localtime { Symlink, Regular, Missing, Unreadable } localtime = Localtime::Missing;
    std::string localtime_target;  // Symlink: where it points
};

struct ResolvConfPlan {
    enum class Action { None, Delete, Copy, Replace, Bind } action = Action::None;
    std::string source;  // the host file (Copy, Replace, Bind)
    bool operator==(const ResolvConfPlan&) const = default;
};

struct TimezonePlan {
    // Symlink: /etc/localtime -> ../usr/share/zoneinfo/ZONE if the guest has
    // that zone, else as Bind. Bind: the host's file over the guest's (what
    // it resolves to inside the tree), else as Copy. Copy: the host's
    // content replaces the guest's file.
    enum class Action { None, Delete, Symlink, Bind, Copy } action = Action::None;
    std::string zone;  // Symlink: "Europe/Berlin"
    bool operator==(const TimezonePlan&) const = default;
};

ResolvConfPlan plan_resolv_conf(ResolvConfMode mode, const EtcFacts& facts);
// An error only for a symlink mode whose host link does not point into
// /usr/share/zoneinfo (nspawn warns and leaves the guest's file): the
// message, with Action::None.
TimezonePlan plan_timezone(TimezoneMode mode, const EtcFacts& facts, std::string* warning);

// "Europe/Berlin" for "../usr/share/zoneinfo/Europe/Berlin" or
// "/usr/share/zoneinfo/Europe/Berlin"; nullopt otherwise.
std::optional<std::string> zone_of_link(std::string_view target);

}  // namespace spawn::container
