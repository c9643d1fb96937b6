// Logging to stderr. Messages are single lines; the program name prefixes
// errors. set_quiet() silences info-level messages (-q/--quiet); debug
// messages appear with SPAWN_DEBUG set in the environment. set_file()
// sends them to a file instead (spawn-oci's --log: an engine gives the
// runtime's stderr to the container), as text or as runc's JSON lines.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace spawn::log {

enum class Level { Debug, Info, Warning, Error };

void set_program(std::string_view name);
void set_quiet(bool quiet);
// Drops messages below level (spawn exec'd back by its monitor parses its
// command line again: its warnings were shown the first time).
void set_least(Level level);
enum class Format { Text, Json };
// fd (kept open, owned by the log from now on) instead of stderr.
void set_file(int fd, Format format);
// One line as runc's --log-format json writes it:
// {"level":"error","msg":"...","time":"2026-12-06T01:02:03Z"}. Pure.
std::string json_line(Level level, std::string_view message, long long unix_seconds);
bool quiet();
void write(Level level, std::string_view message);

template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::Error, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::Warning, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::Info, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::Debug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace spawn::log
