// Name validation shared by the option parser, settings files and mctl:
// machine names and hostnames (systemd's hostname_is_valid rules) and network
// interface names (systemd's ifname_valid rules).
#pragma once

#include <string>
#include <string_view>

namespace spawn {

// A hostname / machine name as systemd-nspawn accepts with -M and --hostname:
// 1-64 characters of [A-Za-z0-9.-], dot-separated labels, no empty label (no
// leading, trailing or doubled dot), no label that begins or ends with '-'.
// ".host", "." and ".." are therefore refused too.
bool hostname_is_valid(std::string_view name);

// Same rules (machined uses the hostname rules for machine names).
bool machine_name_is_valid(std::string_view name);

// The default machine name for a tree: the last path component of DIR,
// cleaned up as systemd's hostname_cleanup() does (invalid characters
// dropped, empty labels and labels' leading hyphens dropped, trailing '-' and
// '.' stripped, at most 64 characters). May return a string that is still not
// a valid name (e.g. empty); the caller checks with machine_name_is_valid().
std::string machine_name_from_path(std::string_view dir);

// A Linux network interface name: 1-15 bytes, printable ASCII without
// whitespace, '/' or ':', not "." / "..", not "all" / "default", not purely
// numeric.
bool ifname_is_valid(std::string_view name);

// An environment variable name: [A-Za-z_][A-Za-z0-9_]*.
bool env_name_is_valid(std::string_view name);

}  // namespace spawn
