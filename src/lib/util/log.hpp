// Logging to stderr. Messages are single lines; the program name prefixes
// errors. set_quiet() silences info-level messages (-q/--quiet); debug
// messages appear with SPAWN_DEBUG set in the environment.
#pragma once

#include <string_view>

#include <fmt/format.h>

namespace spawn::log {

enum class Level { Debug, Info, Warning, Error };

void set_program(std::string_view name);
void set_quiet(bool quiet);
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
