// Finding and reading the settings file of a machine, as systemd-nspawn's
// load_settings(): the first of
//   /etc/systemd/nspawn/NAME.spawn, /etc/systemd/nspawn/NAME.nspawn,
//   /run/systemd/nspawn/NAME.spawn, /run/systemd/nspawn/NAME.nspawn  (trusted)
//   DIR/NAME.spawn, DIR/NAME.nspawn, DIR being the directory that holds the
//   tree                                                             (trusted
//                                                    with --settings=trusted)
// that exists (.spawn before .nspawn in each place). The parsing and merging
// are pure (config/settings.hpp); this file touches the file system.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "oci/spec.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn {

// Settings files larger than this are refused (a settings file is a few
// lines; this bounds what an untrusted one can make spawn read).
inline constexpr size_t kSettingsFileMax = 1 << 20;

struct SettingsSource {
    std::string path;
    bool trusted = false;
    UniqueFd fd;  // open for reading
};

// The settings file for CFG (machine and directory resolved), open, or none.
// Errors: a file that exists but cannot be opened.
Result<std::optional<SettingsSource>> find_settings_file(const Config& cfg);

// With --settings other than no: finds the file, reads it (a regular file of
// at most kSettingsFileMax bytes), parses it, prints its warnings (one line
// each) and merges it into CFG. Errors are one line naming the file.
Result<void> apply_settings_file(Config& cfg);

// A regular file of at most kSettingsFileMax bytes, open as FD, read whole
// (PATH for messages).
Result<std::string> read_settings_text(int fd, const std::string& path);

// With --oci-bundle: reads BUNDLE/config.json (oci/spec.hpp), prints its
// warnings and merges its settings into CFG (oci/bundle.hpp); the bundle's
// root becomes the tree unless -D gave one, the bundle directory's name the
// machine's unless -M gave one. Errors are one line naming the file and the
// field. Without --oci-bundle: nothing.
Result<void> apply_oci_bundle(Config& cfg);
// Its two halves, for spawn-oci, which needs the spec itself too:
// BUNDLE/config.json read (as a settings file: regular, at most
// kSettingsFileMax bytes) and parsed; and SPEC merged into CFG (whose
// oci_bundle names the bundle), its warnings printed if asked (exec reads the
// bundle after create printed them).
Result<oci::Spec> read_oci_spec(const std::string& bundle);
Result<void> apply_oci_spec(Config& cfg, const oci::Spec& spec, bool warnings = true);

}  // namespace spawn
