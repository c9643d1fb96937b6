#include "util/log.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace spawn::log {
namespace {
std::string g_program = "spawn";
bool g_quiet = false;
bool g_debug = std::getenv("SPAWN_DEBUG") != nullptr;
}  // namespace

void set_program(std::string_view name) { g_program = name; }
void set_quiet(bool q) { g_quiet = q; }
bool quiet() { return g_quiet; }

void write(Level level, std::string_view message) {
    if (level == Level::Info && g_quiet) return;
    if (level == Level::Debug && !g_debug) return;
    std::string line;
    if (level == Level::Error || level == Level::Warning) line = g_program + ": ";
    if (level == Level::Warning) line += "warning: ";
    line += message;
    line += '\n';
    // One write() so lines from parent and child do not interleave.
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace spawn::log
