#include "util/signals.hpp"

#include <signal.h>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace spawn {
namespace {

struct SignalName {
    const char* name;
    int sig;
};

const SignalName kSignals[] = {
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},   {"BUS", SIGBUS},     {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM},   {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CONT", SIGCONT},
    {"STOP", SIGSTOP},   {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},   {"TTOU", SIGTTOU},   {"URG", SIGURG},
    {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
    {"IO", SIGIO},       {"PWR", SIGPWR},     {"SYS", SIGSYS},
};

}  // namespace

std::optional<int> parse_signal_name(std::string_view s) {
    if (s.empty()) return std::nullopt;
    if (s.front() >= '0' && s.front() <= '9') {
        auto n = str::parse_uint(s);
        if (!n || *n < 1 || *n >= static_cast<uint64_t>(NSIG)) return std::nullopt;
        return static_cast<int>(*n);
    }
    bool had_sig = false;
    s = str::lstrip_prefix(s, "SIG", &had_sig);
    for (const auto& e : kSignals)
        if (s == e.name) return e.sig;
    // RTMIN, RTMIN+n, RTMAX, RTMAX-n
    bool had = false;
    std::string_view rest = str::lstrip_prefix(s, "RTMIN", &had);
    if (had) {
        if (rest.empty()) return SIGRTMIN;
        if (rest.front() != '+') return std::nullopt;
        auto n = str::parse_uint(rest.substr(1));
        if (!n || *n > static_cast<uint64_t>(SIGRTMAX - SIGRTMIN)) return std::nullopt;
        return SIGRTMIN + static_cast<int>(*n);
    }
    rest = str::lstrip_prefix(s, "RTMAX", &had);
    if (had) {
        if (rest.empty()) return SIGRTMAX;
        if (rest.front() != '-') return std::nullopt;
        auto n = str::parse_uint(rest.substr(1));
        if (!n || *n > static_cast<uint64_t>(SIGRTMAX - SIGRTMIN)) return std::nullopt;
        return SIGRTMAX - static_cast<int>(*n);
    }
    return std::nullopt;
}

std::string signal_name(int sig) {
    for (const auto& e : kSignals)
        if (e.sig == sig) return std::string("SIG") + e.name;
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
        if (sig == SIGRTMIN) return "SIGRTMIN";
        return fmt::format("SIGRTMIN+{}", sig - SIGRTMIN);
    }
    return std::to_string(sig);
}

}  // namespace spawn
