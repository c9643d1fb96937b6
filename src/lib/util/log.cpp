#include "util/log.hpp"

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include "util/json.hpp"

namespace spawn::log {
namespace {
std::string g_program = "spawn";
bool g_quiet = false;
Level g_least = Level::Debug;
bool g_debug = std::getenv("SPAWN_DEBUG") != nullptr;
int g_fd = STDERR_FILENO;
Format g_format = Format::Text;

const char* level_name(Level level) {
    switch (level) {
        case Level::Debug: return "debug";
        case Level::Info: return "info";
        case Level::Warning: return "warning";
        case Level::Error: return "error";
    }
    return "error";
}
}  // namespace

void set_file(int fd, Format format) {
    g_fd = fd;
    g_format = format;
}

std::string json_line(Level level, std::string_view message, long long unix_seconds) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    struct tm tm {};
    gmtime_r(&t, &tm);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string("{\"level\":\"") + level_name(level) + "\",\"msg\":" + json_string(message) +
           ",\"time\":\"" + when + "\"}\n";
}

void set_program(std::string_view name) { g_program = name; }
void set_quiet(bool q) { g_quiet = q; }
void set_least(Level level) { g_least = level; }
bool quiet() { return g_quiet; }

void write(Level level, std::string_view message) {
    if (level < g_least) return;
    if (level == Level::Info && g_quiet) return;
    if (level == Level::Debug && !g_debug) return;
    std::string line;
    if (g_format == Format::Json) {
        line = json_line(level, message, static_cast<long long>(std::time(nullptr)));
        [[maybe_unused]] auto n = ::write(g_fd, line.data(), line.size());
        return;
    }
    if (level == Level::Error || level == Level::Warning) line = g_program + ": ";
    if (level == Level::Warning) line += "warning: ";
    line += message;
    line += '\n';
    // One write() so lines from parent and child do not interleave.
    [[maybe_unused]] auto n = ::write(g_fd, line.data(), line.size());
}

}  // namespace spawn::log
