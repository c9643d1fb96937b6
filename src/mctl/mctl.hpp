// mctl: shared declarations of the verb handlers (one table in main.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "journal/format.hpp"
#include "machined/ghost.hpp"
#include "machined/registry.hpp"
#include "util/json.hpp"
#include "util/result.hpp"
#include "util/signals.hpp"

namespace spawn::mctl {

struct Options {
    bool legend = true;                  // --no-legend clears
    std::string output = "short";        // -o/--output
    bool output_set = false;
    journal::Format journal_format = journal::Format::Short;  // -o for journal and status
    std::vector<std::string> properties; // -p/--property
    bool value = false;                  // --value
    bool read_only = false;              // --read-only (clone)
    bool force = false;                  // --force (clean --all without asking; imports and exports replace)
    bool mkdir = false;                  // --mkdir (bind)
    std::string format;                  // --format= of export-tar/export-raw (compression)
    std::string verify;                  // --verify= of pull-tar/pull-raw ("": signature)
    std::string keyring;                 // --keyring= for --verify=signature
    bool all = false;                    // -a/--all
    std::optional<int> signal;           // -s/--signal
    std::string kill_whom;               // --kill-whom
    int lines = -1;                      // -n/--lines
    bool follow = false;                 // -f/--follow
    std::string unit;                    // -u/--unit
    bool this_boot = false;              // -b/--boot
    bool quiet = false;                  // -q/--quiet
    std::vector<std::string> setenv;     // -E/--setenv
    std::string uid;                     // --uid
    std::string spawn_bin;               // path of spawn for `start` ($SPAWN_BIN or next to mctl)
    std::string host;                    // -H/--host=[USER@]HOST[:PORT]
    std::string machine;                 // -M/--machine=CONTAINER
    uint64_t iterations = 0;             // top --iterations=N (0: until stopped)
    int delay_ms = 1000;                 // top --delay=SECONDS
    std::string order = "cpu";           // top --order=
    size_t max_addresses = 1;            // --max-addresses=N|all: addresses `list` shows (SIZE_MAX: all)
};

using Handler = int (*)(const Options&, const std::vector<std::string>&);

// Prints "mctl: <message>" and returns 1.
int fail(const Error& e);
// Connects to machined (of the -H host or -M container, see set_target()).
Result<machined::Machined> connect();
// Where connect() goes: set once by main() from -H/-M.
void set_target(const Options& o);
// The verbs that work on this host's files, processes or cgroups refuse -H
// and -M in one line ("... only supported on the local host"), as
// machinectl's do.
Result<void> local_only(const char* verb);
// No -H/-M: this host's /proc, cgroups and /run/spawn describe the machines.
bool target_is_local();

// Machine NAME as machined has it and, on the local host, its leader pinned
// (machined/ghost.hpp): what the verbs send or open through the leader goes
// through the pin. A ghost (its spawn died, its leader PID is gone or
// reused) is cleared on the way and is an error (ESRCH) "Machine 'NAME' is
// not running: ...".
struct LiveMachine {
    machined::MachineInfo info;
    std::optional<machined::PinnedLeader> leader;  // local targets, not .host
};
Result<LiveMachine> live_machine(machined::Machined& m, const std::string& name);
// Clears machine `info` if it is a ghost (local targets): true when it was one
// and is gone now. A failure to clear is a warning.
bool cleared_ghost(machined::Machined& m, const machined::MachineInfo& info);

// Formatting helpers shared by the verbs.
// The ADDRESSES cell of `list`: at most MAX of them, "…" when some were left out.
std::string shown_addresses(const std::vector<std::string>& addresses, size_t max);
std::string format_timestamp(uint64_t usec);       // "Sat 2026-11-28 23:05:59 UTC"
std::string format_relative(uint64_t usec);        // "42ms ago"

// Verbs.
int verb_list(const Options&, const std::vector<std::string>&);
int verb_status(const Options&, const std::vector<std::string>&);
int verb_show(const Options&, const std::vector<std::string>&);
int verb_poweroff(const Options&, const std::vector<std::string>&);
int verb_reboot(const Options&, const std::vector<std::string>&);
int verb_terminate(const Options&, const std::vector<std::string>&);
int verb_kill(const Options&, const std::vector<std::string>&);
int verb_exec(const Options&, const std::vector<std::string>&);
int verb_shell(const Options&, const std::vector<std::string>&);
int verb_login(const Options&, const std::vector<std::string>&);
int verb_journal(const Options&, const std::vector<std::string>&);
int verb_list_images(const Options&, const std::vector<std::string>&);
int verb_clone(const Options&, const std::vector<std::string>&);
int verb_rename(const Options&, const std::vector<std::string>&);
int verb_remove(const Options&, const std::vector<std::string>&);
int verb_read_only(const Options&, const std::vector<std::string>&);
int verb_set_limit(const Options&, const std::vector<std::string>&);
int verb_clean(const Options&, const std::vector<std::string>&);
int verb_copy_to(const Options&, const std::vector<std::string>&);
int verb_bind(const Options&, const std::vector<std::string>&);
// The host ID of the machine's root when it runs in a user namespace of its
// own (its leader's uid_map "0 BASE COUNT"), else 0 (copy-to, bind).
Result<uint32_t> user_namespace_base(uint32_t leader, const std::string& machine);
int verb_import_tar(const Options&, const std::vector<std::string>&);
int verb_import_raw(const Options&, const std::vector<std::string>&);
int verb_import_fs(const Options&, const std::vector<std::string>&);
int verb_export_tar(const Options&, const std::vector<std::string>&);
int verb_export_raw(const Options&, const std::vector<std::string>&);
int verb_pull_tar(const Options&, const std::vector<std::string>&);
int verb_pull_raw(const Options&, const std::vector<std::string>&);
int verb_list_transfers(const Options&, const std::vector<std::string>&);
int verb_cancel_transfer(const Options&, const std::vector<std::string>&);
int verb_copy_from(const Options&, const std::vector<std::string>&);
int verb_image_status(const Options&, const std::vector<std::string>&);
int verb_show_image(const Options&, const std::vector<std::string>&);
int verb_start(const Options&, const std::vector<std::string>&);
int verb_enable(const Options&, const std::vector<std::string>&);
int verb_disable(const Options&, const std::vector<std::string>&);
int verb_stats(const Options&, const std::vector<std::string>&);
int verb_top(const Options&, const std::vector<std::string>&);

// Column table as machinectl prints it: columns padded to their widest
// cell, one space apart, "-" for empty cells, legend optional.
class Table {
public:
    explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    size_t size() const { return rows_.size(); }
    std::string render(bool legend) const;

private:
    std::vector<std::string> header_;
    std::vector<std::vector<std::string>> rows_;
};

// JSON string literal (util/json.hpp).
using spawn::json_string;

}  // namespace spawn::mctl
