// The spawn command line: argv -> Config, with systemd-nspawn 252's spellings
// and getopt_long parsing (clustered short options, --opt=value and
// --opt value, unambiguous abbreviations of long options, "--" ends the
// options, everything from the first non-option on is the command).
//
// Pure: never prints, never touches the file system (except getcwd() to make
// a relative -D absolute, as nspawn does). Errors are one line naming the
// option and the bad value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn {

// Parses argv[1..argc-1]. -h/--help and --version stop the parsing at once
// (as nspawn does) and set show_help / show_version; the caller prints
// spawn_usage() / spawn_version() (config/help.hpp) and exits 0.
// Cross-option checks (validate_config) run at the end.
Result<Config> parse_spawn_options(int argc, char* const argv[]);

// Checks that concern several options together (nspawn's verify_arguments),
// the one place of each such rule and its wording: --boot with --as-pid2, and
// validate_network(). Run again by finalize_config() after settings files.
Result<void> validate_config(const Config& c);
// The network options against each other: --network-namespace-path with
// other network options (or relative), bridge with zone, --port without a
// private network, --network-address without host0. The network planner
// (net/plan.hpp) runs it too.
Result<void> validate_network(const NetworkConfig& n);

// The single-value parsers behind the options, exposed for settings files
// (.spawn/.nspawn) and mctl. Each returns a one-line Error on bad input.
Result<ConsoleMode> parse_console_mode(std::string_view s);
Result<LinkJournal> parse_link_journal(std::string_view s);
Result<RegisterMode> parse_register_mode(std::string_view s);
// --settings=: yes, no (and the other booleans), override, trusted.
Result<SettingsMode> parse_settings_mode(std::string_view s);
// --capability= / --drop-capability= value: "CAP_A,CAP_B" or "all" -> bit mask
// (1 << CAP_*); the error message lacks the option name (the caller adds it).
Result<uint64_t> parse_capability_list(std::string_view s);
// --system-call-filter= value: system call names and @groups separated by
// spaces, all of them a deny list with a leading '~'; each item must be a
// group of systemd's table or a known system call. Adds them to filter
// (repeated options combine, duplicates dropped).
Result<void> parse_syscall_filter(std::string_view s, SyscallFilter& filter);
Result<Uuid> parse_uuid(std::string_view s);
Result<int> parse_signal(std::string_view s);          // "SIGTERM", "TERM", "RTMIN+3", "15"
Result<BindMount> parse_bind(std::string_view s, bool read_only);
Result<TmpfsMount> parse_tmpfs(std::string_view s);
Result<PortForward> parse_port(std::string_view s);
Result<NetworkAddress> parse_network_address(std::string_view s);
// "HOSTIF[:CONTAINERIF]" -> "HOSTIF:CONTAINERIF" (container side defaults to HOSTIF).
Result<std::string> parse_veth_extra(std::string_view s);
// "NAME=VALUE" (kept), or "NAME" (value taken from the environment, empty if unset).
Result<std::string> parse_setenv(std::string_view s);
// "foo" -> "foo.slice"; "foo.slice" kept.
Result<std::string> parse_slice(std::string_view s);

// Applies the long option --LONG_NAME with VALUE (ignored for an option
// without argument) to CFG, as if given on the command line (also recording
// its settings group in cfg.settings_mask): the settings-file parser gives
// its keys this way, so that a key and its option share one parser.
Result<void> apply_long_option(Config& cfg, std::string_view long_name, std::string_view value);

// Names for messages and for mctl/settings output.
std::string_view console_mode_name(ConsoleMode m);
std::string_view link_journal_name(LinkJournal m);
std::string_view register_mode_name(RegisterMode m);

// Every long option the parser knows, without "--" (for docs checks and
// shell completion).
std::vector<std::string> spawn_long_option_names();

// Collapses repeated '/', drops "." components and a trailing '/'.
std::string path_simplify(std::string_view p);

}  // namespace spawn
