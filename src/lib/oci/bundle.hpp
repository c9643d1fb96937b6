// oci/bundle: spawn --oci-bundle=PATH. An OCI runtime bundle (a directory
// with config.json and the root file system) gives the tree and the settings
// of the container, as a settings file does, and through the same merge
// (config/settings.hpp): what the command line gives wins. As with
// systemd-nspawn, no .spawn/.nspawn file is read then.
//
// bundle_settings() is pure: the parsed config.json (oci/spec.hpp) -> the
// options spawn already has, each given through the option that does the
// same (apply_long_option, so a bundle's value gets the option's checks),
// plus what only a bundle can say (numeric user IDs, exact capability sets,
// masked and read-only paths, sysctls). Errors name the config.json field.
#pragma once

#include <string>
#include <string_view>

#include "config/settings.hpp"
#include "oci/spec.hpp"
#include "util/result.hpp"

namespace spawn::oci {

// The destinations of mounts spawn sets up itself (its /proc, /dev, /sys,
// cgroup and /dev/pts, /dev/shm, /dev/mqueue): a bundle's mounts there are
// skipped, as systemd-nspawn skips them.
inline constexpr const char* kOwnMounts[] = {"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys",
                                             "/sys/fs/cgroup"};

// SPEC, read from BUNDLE_DIR/config.json (BUNDLE_DIR absolute), as the
// settings it gives; values.directory is the root file system's absolute
// path. Warnings (one line each) for what is ignored with a reason.
Result<SettingsFile> bundle_settings(const Spec& spec, const std::string& bundle_dir);

// linux.namespaces types a container joins by path (besides network's, which
// is --network-namespace-path): their CLONE_NEW* type, 0 for any other; and
// back (for messages).
int joinable_namespace_type(std::string_view type);
std::string_view joinable_namespace_name(int clone_type);

// A sysctl a container may set: one of its own namespaces' (IPC, UTS, and
// with a network namespace of its own or joined, net.*), as runc allows.
bool sysctl_is_namespaced(const std::string& name, bool own_network);

}  // namespace spawn::oci
