#include "util/fault.hpp"

#ifdef SPAWN_FAULT_INJECTION

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <map>
#include <string>

namespace spawn::fault {

namespace {

void say(const std::string& line) { (void)!::write(STDERR_FILENO, line.data(), line.size()); }

bool named(const char* var, const std::string& point) {
    const char* v = ::getenv(var);
    return v && point == v;
}

}  // namespace

Result<void> at(std::string_view point_name) {
    // A point passed again (a mount step of the outer child and the inner
    // one, a cgroup mount per hierarchy) is POINT#2, POINT#3, ...
    static std::map<std::string, int, std::less<>> passed;
    const int n = ++passed[std::string(point_name)];
    const std::string point = n == 1 ? std::string(point_name) : fmt::format("{}#{}", point_name, n);
    if (const char* r = ::getenv("SPAWN_FAULT_RECORD"); r && *r == '1') say(fmt::format("spawn: fault point {}\n", point));
    if (named("SPAWN_FAULT_STOP", point)) {
        say(fmt::format("spawn: stopped at {}\n", point));
        ::raise(SIGSTOP);
    }
    if (named("SPAWN_FAULT", point)) return Error::msg("{}: injected fault", point);
    return {};
}

bool injected(std::string_view point_name) {
    const std::string point(point_name);
    if (named("SPAWN_FAULT_STOP", point)) {
        say(fmt::format("spawn: stopped at {}\n", point));
        ::raise(SIGSTOP);
    }
    return named("SPAWN_FAULT", point);
}

}  // namespace spawn::fault

#endif
