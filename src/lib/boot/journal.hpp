// --link-journal / -j, as systemd-nspawn: make the guest's journal
// (/var/log/journal/<machine-id>) visible on the host.
//   guest:  the journal stays in the tree; the host gets a symlink
//           /var/log/journal/<id> -> TREE/var/log/journal/<id>
//   host:   the host's /var/log/journal/<id> (created) is bind-mounted onto
//           the guest's, so the journal lives on the host
//   auto:   host mode if the host's /var/log/journal/<id> exists, else nothing
//   try-*:  as above, but problems are skipped instead of refused
// Linking is refused when the guest's machine id equals the host's.
// Planning is pure (unit-tested); gather_journal_facts() and
// apply_journal_plan() touch the file system.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn::boot {

enum class HostEntry {
    Missing,          // host /var/log/journal/<id> does not exist
    Directory,        // a directory
    SymlinkToGuest,   // a symlink to the guest's journal directory
    SymlinkElsewhere, // a symlink to somewhere else
    Other,            // a file, socket, ...
};

struct JournalFacts {
    std::string tree;              // the tree on the host (absolute)
    std::string guest_id;          // 32 hex digits
    std::string host_id;           // 32 hex digits ("" if unknown)
    std::string host_journal = "/var/log/journal";
    bool host_journal_exists = false;  // host /var/log/journal is a directory
    HostEntry host_entry = HostEntry::Missing;
    bool host_entry_is_mount = false;
    bool guest_entry_is_mount = false;
    bool guest_entry_nonempty = false;
};

struct JournalPlan {
    bool link = false;              // anything to do at all
    std::string host_path;          // /var/log/journal/<id>
    std::string guest_path;         // TREE/var/log/journal/<id> (host view)
    std::string guest_path_inner;   // /var/log/journal/<id> (guest view)
    bool mkdir_guest_parents = false;   // TREE/var, var/log, var/log/journal
    bool remove_host_symlink = false;   // unlink a stale symlink first
    bool rmdir_host_dir = false;        // guest mode: an empty host dir is replaced
    bool symlink_host_to_guest = false; // guest mode
    bool mkdir_host = false;            // host mode: mkdir host_path (no parents)
    bool bind_host_into_guest = false;  // host/auto mode
    bool try_mode = false;              // failures while applying are skipped
    std::vector<std::string> warnings;
};

// Pure. An error means: refuse to start (non-try modes).
Result<JournalPlan> plan_link_journal(LinkJournal mode, const JournalFacts& facts);

// Reads the host and tree state for the planner.
Result<JournalFacts> gather_journal_facts(const std::string& tree, const std::string& guest_id,
                                          const std::string& host_id);

// Executes the plan in two halves. The host's (links and directories in the
// host's /var/log/journal) runs as host root before the container exists;
// owner: the container's root with a user namespace, given the host
// directory bound into the guest. A try-* mode that fails there clears
// plan.link, so the guest's half does nothing.
Result<void> apply_journal_host(JournalPlan& plan, std::optional<uid_t> owner);
// The guest's: its directories, made in the tree (root_fd) without
// following any symlink the guest planted, then the host's directory bound
// there (host mode), in the container's mount namespace before pivot_root.
// A try-* mode skips what fails.
Result<void> make_journal_guest_dirs(const JournalPlan& plan, int root_fd);
Result<void> bind_journal_into_guest(const JournalPlan& plan, int root_fd);
Result<void> apply_journal_guest(const JournalPlan& plan, int root_fd);
// Both, one after the other.
Result<void> apply_journal_plan(JournalPlan& plan);

}  // namespace spawn::boot
