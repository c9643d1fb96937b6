// A transfer's progress on stderr, as machinectl's transfers show it: on a
// terminal a line redrawn at most ten times a second (bytes, rate, and the
// percentage and time left when the total is known); without one, nothing
// until the one line that says it is done.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace spawn::mctl {

// "1.2G", "340.5M", "12.0K", "512B".
std::string format_bytes(uint64_t bytes);

// The progress line (pure, unit-tested): "deb.tar.xz  40% 120.5M 60.2M/s 2s left"
// (total 0: unknown, no percentage nor time left).
std::string progress_line(const std::string& what, uint64_t done, uint64_t total, double seconds);

class ProgressBar {
public:
    // quiet: never a bar (-q); the closing line is the caller's.
    ProgressBar(std::string what, uint64_t total, bool quiet);
    // The total, once known (a download's size comes with its headers).
    void set_total(uint64_t total) { total_ = total; }
    // Called as bytes arrive; redraws the bar when it is time to.
    void update(uint64_t done);
    // Clears the bar; returns "120.5M in 2.0s" for the closing line.
    std::string finish(uint64_t done);

private:
    std::string what_;
    uint64_t total_;
    bool bar_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace spawn::mctl
