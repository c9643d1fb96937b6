// The transfers running on this host, for list-transfers and cancel-transfer
// (machinectl's, which ask systemd-importd; here each transfer says so
// itself): one state file per transfer under /run/spawn/transfers, named by
// its number, written by the transfer and locked (flock) as long as it runs.
// A file whose lock is free is a killed transfer's, removed by whoever sees it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn::mctl {

inline constexpr const char* kTransferDir = "/run/spawn/transfers";

struct TransferInfo {
    unsigned id = 0;
    std::string type;    // import-tar, pull-raw, export-tar, ...
    std::string remote;  // the file or URL
    std::string local;   // the image
    pid_t pid = 0;
    int percent = -1;    // -1: unknown (no size known)
};

// This process's transfer, listed while it lives.
class TransferRecord {
public:
    static Result<TransferRecord> open(const std::string& type, const std::string& remote, const std::string& local,
                                       const std::string& dir = kTransferDir);
    TransferRecord(TransferRecord&&) = default;
    ~TransferRecord();
    // The percentage done (rewritten at most once a second).
    void progress(uint64_t done, uint64_t total);
    unsigned id() const { return info_.id; }

private:
    TransferRecord() = default;
    void write_state();
    TransferInfo info_;
    std::string path_;
    UniqueFd fd_;
    std::chrono::steady_clock::time_point last_write_{};
};

// The transfers running now, by number (stale files removed on the way).
std::vector<TransferInfo> list_transfers(const std::string& dir = kTransferDir);

// Stops transfer id (SIGTERM through a pidfd, taken while its lock shows it
// still runs) and waits up to timeout for it to be gone.
Result<void> cancel_transfer(unsigned id, std::chrono::milliseconds timeout, const std::string& dir = kTransferDir);

}  // namespace spawn::mctl
