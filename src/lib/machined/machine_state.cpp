#include "machined/machine_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>

#include "config/options.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/signals.hpp"
#include "util/strings.hpp"

namespace spawn::machined {
namespace {

Result<void> check_name(std::string_view name) {
    if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == "..")
        return Error::msg("invalid machine name '{}' for a state file", name);
    return ok();
}

}  // namespace

std::string format_machine_state(const MachineState& s) {
    std::string out;
    if (s.poweroff_signal > 0) out += "PoweroffSignal=" + std::to_string(s.poweroff_signal) + "\n";
    if (s.bounding_set) out += fmt::format("CapabilityBoundingSet={:#x}\n", *s.bounding_set);
    if (!s.syscall_filter.allow.empty()) out += "SystemCallFilter=" + str::join(s.syscall_filter.allow, " ") + "\n";
    if (!s.syscall_filter.deny.empty()) out += "SystemCallFilter=~" + str::join(s.syscall_filter.deny, " ") + "\n";
    return out;
}

Result<MachineState> parse_machine_state(std::string_view text) {
    MachineState s;
    int lineno = 0;
    while (!text.empty()) {
        std::string_view line = text.substr(0, text.find('\n'));
        text.remove_prefix(std::min(line.size() + 1, text.size()));
        ++lineno;
        if (line.empty() || line.front() == '#') continue;
        auto eq = line.find('=');
        std::string_view key = line.substr(0, eq), value = eq == line.npos ? "" : line.substr(eq + 1);
        if (key == "PoweroffSignal") {
            auto sig = parse_signal_name(value);
            if (!sig) return Error::msg("line {}: bad PoweroffSignal '{}'", lineno, value);
            s.poweroff_signal = *sig;
        } else if (key == "CapabilityBoundingSet") {
            uint64_t v = 0;
            std::string_view hex = value.starts_with("0x") ? value.substr(2) : std::string_view();
            auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), v, 16);
            if (hex.empty() || ec != std::errc() || end != hex.data() + hex.size())
                return Error::msg("line {}: bad CapabilityBoundingSet '{}'", lineno, value);
            s.bounding_set = v;
        } else if (key == "SystemCallFilter") {
            TRY_CTX(parse_syscall_filter(value, s.syscall_filter), fmt::format("line {}", lineno));
        }
    }
    return s;
}

std::string machine_state_path(std::string_view name) {
    return std::string(kMachineStateDir) + "/" + std::string(name);
}

Result<MachineState> read_machine_state(std::string_view name) {
    TRY(check_name(name));
    std::string path = machine_state_path(name);
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return MachineState{};
        return Error::errno_("reading {}", path);
    }
    return TRY_CTX(parse_machine_state(TRY(read_fd(fd.get(), path))), path);
}

Result<void> write_machine_state(std::string_view name, const MachineState& s) {
    TRY(check_name(name));
    if (mkdir("/run/spawn", 0755) < 0 && errno != EEXIST) return Error::errno_("creating /run/spawn");
    if (mkdir(kMachineStateDir, 0755) < 0 && errno != EEXIST) return Error::errno_("creating {}", kMachineStateDir);
    std::string path = machine_state_path(name), tmp = path + ".tmp";
    UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) return Error::errno_("writing {}", tmp);
    std::string text = format_machine_state(s);
    if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        Error e = Error::errno_("writing {}", tmp);
        unlink(tmp.c_str());
        return e;
    }
    fd.reset();
    if (rename(tmp.c_str(), path.c_str()) < 0) {
        Error e = Error::errno_("renaming {} to {}", tmp, path);
        unlink(tmp.c_str());
        return e;
    }
    return ok();
}

}  // namespace spawn::machined
