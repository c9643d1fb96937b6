#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace spawn::mctl {

std::string format_bytes(uint64_t bytes) {
    constexpr const char* kUnits[] = {"K", "M", "G", "T", "P"};
    if (bytes < 1024) return fmt::format("{}B", bytes);
    double v = static_cast<double>(bytes) / 1024;
    size_t unit = 0;
    for (; v >= 1024 && unit + 1 < std::size(kUnits); ++unit) v /= 1024;
    return fmt::format("{:.1f}{}", v, kUnits[unit]);
}

std::string progress_line(const std::string& what, uint64_t done, uint64_t total, double seconds) {
    std::string line = what;
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
    if (total > 0) line += fmt::format(" {:3}%", std::min<uint64_t>(100, done * 100 / total));
    line += " " + format_bytes(done);
    if (rate > 0) line += " " + format_bytes(static_cast<uint64_t>(rate)) + "/s";
    if (total > done && rate > 0) line += fmt::format(" {:.0f}s left", static_cast<double>(total - done) / rate);
    return line;
}

ProgressBar::ProgressBar(std::string what, uint64_t total, bool quiet)
    : what_(std::move(what)), total_(total), bar_(!quiet && isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

void ProgressBar::update(uint64_t done) {
    if (!bar_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    drawn_ = true;
    const double s = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\r\033[K%s", progress_line(what_, done, total_, s).c_str());
    std::fflush(stderr);
}

std::string ProgressBar::finish(uint64_t done) {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return fmt::format("{} in {:.1f}s", format_bytes(done), s);
}

}  // namespace spawn::mctl
