// lock: one container per tree. An flock on the tree's directory fd: exclusive
// normally, shared with --read-only (several read-only containers may share a
// tree). Released when the TreeLock is dropped, and by the kernel when spawn
// dies (even by SIGKILL): nothing to clean up after a crash.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "util/fd.hpp"
#include "util/handoff.hpp"
#include "util/result.hpp"

namespace spawn::container {

class TreeLock {
public:
    // Locks the tree (dir_fd is duplicated); fails at once with
    // "Directory tree X is currently busy." when another container holds it.
    static Result<TreeLock> acquire(int dir_fd, const std::string& dir, bool shared);
    // util/handoff.hpp
    void hand_off(Handoff& h, const std::string& key) && { h.put_fd(key, std::move(fd_)); }
    static TreeLock take_over(Handoff& h, const std::string& key);

private:
    UniqueFd fd_;
};

// An flock on a file at a path, held while the object lives and by the
// kernel until the process dies (even by SIGKILL). The file is removed on
// release when no one else holds it (a start that opened it meanwhile
// notices and takes the new one); after a SIGKILL the next holder reuses it.
class PathLock {
public:
    // Fails with EBUSY (message busy) when another holder's lock conflicts,
    // at once or, with patience, when it still does after that long (what
    // cleans up dead machines' locks takes a free one for a moment: a start
    // must not take that for a running machine).
    static Result<PathLock> acquire(const std::string& path, bool shared, const std::string& busy,
                                    std::chrono::milliseconds patience = std::chrono::milliseconds(0));
    PathLock(PathLock&& o) noexcept : fd_(std::move(o.fd_)), path_(std::move(o.path_)) { o.path_.clear(); }
    PathLock& operator=(PathLock&&) = delete;
    ~PathLock();
    // The file stays on release (what it marks is not cleared yet).
    void keep_file() { path_.clear(); }
    // util/handoff.hpp
    void hand_off(Handoff& h, const std::string& key) &&;
    static PathLock take_over(Handoff& h, const std::string& key);

private:
    PathLock() = default;
    UniqueFd fd_;
    std::string path_;
};

// One start per machine name: a PathLock on /run/spawn/names/NAME.lock, held
// for the container's life and taken before anything of the machine is made
// on the host, so two starts of one name at the same instant cannot share (or
// tear down) each other's cgroups, links or registration: the second fails at
// once with "Machine NAME is already running."
class NameLock {
public:
    // For the start of the machine: waits out a cleaner's momentary hold.
    static Result<NameLock> claim(const std::string& machine);
    // For cleaners: at once, or EBUSY.
    static Result<NameLock> acquire(const std::string& machine);
    // The lock file stays on release: a dead machine's leftovers that could
    // not be cleared yet, found again by the next start or mctl verb.
    void keep_file() { lock_.keep_file(); }
    void hand_off(Handoff& h, const std::string& key) && { std::move(lock_).hand_off(h, key); }
    static NameLock take_over(Handoff& h, const std::string& key) { return NameLock(PathLock::take_over(h, key)); }

private:
    explicit NameLock(PathLock l) : lock_(std::move(l)) {}
    static Result<NameLock> take(const std::string& machine, std::chrono::milliseconds patience);
    PathLock lock_;
};

// How long a start waits out a lock a cleaner holds for a moment.
inline constexpr std::chrono::milliseconds kCleanerPatience{1000};

// The names of the files in dir whose lock no one holds: what processes that
// died (SIGKILL) left. Each is removed, as its holder would have on release,
// unless it is `keep` (or another process takes it meanwhile). Returns them.
std::vector<std::string> remove_free_lock_files(const std::string& dir, std::string_view keep = {});

// mkdir -p of a directory for lock files (mode 0755).
Result<void> make_lock_dir(const std::string& dir);

// Where the name locks live.
inline constexpr const char* kNameLockDir = "/run/spawn/names";

}  // namespace spawn::container
