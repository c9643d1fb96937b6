// usage: what a machine uses, read from its cgroups and its host-side links
// (mctl stats, mctl top). The parsers and the arithmetic are pure (unit-tested).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "machined/registry.hpp"
#include "util/result.hpp"

namespace spawn::mctl {

struct Usage {
    size_t tasks = 0;
    std::optional<uint64_t> cpu_usec;        // CPU time used, all processes
    std::optional<uint64_t> memory;          // bytes (the memory controller's, else the sum of RSS)
    bool memory_is_rss = false;
    std::optional<uint64_t> io_read, io_write;  // bytes read from and written to block devices
    std::optional<uint64_t> net_rx, net_tx;     // bytes the machine received and sent on its host-side links
};

// Bytes read and written from a cgroup2 io.stat ("MAJ:MIN rbytes=N wbytes=N ...").
std::pair<uint64_t, uint64_t> parse_io_stat(std::string_view text);
// The same from a cgroup v1 blkio.throttle.io_service_bytes(_recursive) ("MAJ:MIN Read N").
std::pair<uint64_t, uint64_t> parse_blkio_bytes(std::string_view text);
// CPU % of one CPU over a wall-clock interval (100 = one CPU busy).
double cpu_percent(uint64_t cpu_usec_before, uint64_t cpu_usec_after, uint64_t wall_usec);

// Reads machine `info`'s usage; the leader must be pinned by the caller and
// still run afterwards for the figures to be the machine's.
Result<Usage> read_usage(const machined::MachineInfo& info);

}  // namespace spawn::mctl
