// Defaults that depend on the file system, applied after the command line
// (and settings files) are parsed, as systemd-nspawn's determine_names():
//   -M without -D: the tree is NAME in the image search path (kImageSearchPath);
//   neither -D nor -M: the current directory;
//   the machine name defaults to the tree's cleaned-up basename;
//   the hostname defaults to the machine name.
// (The kill signal's default is derived where it is used: config/derived.hpp.)
#pragma once

#include <functional>
#include <string>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn {

// The questions finalize_config() asks of the system, behind functions so
// that tests can answer them.
struct FsProbe {
    std::function<bool(const std::string& path)> is_directory;
    std::function<std::string()> current_directory;  // empty on failure
    std::function<uint64_t()> random;                 // the -x machine name's suffix
    std::function<bool(const std::string& path)> is_file;  // a regular file (NAME.raw in the search path)
};

// The real file system (stat(), getcwd()).
FsProbe real_fs_probe();

// The tree and the machine name (the first three rules above); idempotent.
// Settings files are looked up by them, so this runs before they are read.
Result<void> resolve_names(Config& cfg, const FsProbe& probe);
inline Result<void> resolve_names(Config& cfg) { return resolve_names(cfg, real_fs_probe()); }

// resolve_names(), the hostname's default, and validate_config().
Result<void> finalize_config(Config& cfg, const FsProbe& probe);
inline Result<void> finalize_config(Config& cfg) { return finalize_config(cfg, real_fs_probe()); }

}  // namespace spawn
