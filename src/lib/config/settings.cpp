#include "config/settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "config/options.hpp"
#include "config/settings_mask.hpp"
#include "util/strings.hpp"

namespace spawn {

namespace {

// Who may give a key.
enum class Trust {
    Any,          // harmless from any file
    Trusted,      // raises privilege or reaches the host: trusted files only
    AllowListed,  // SystemCallFilter=: a deny list (~...) from any file, an allow list from trusted ones
};

using Apply = Result<void> (*)(Config& cfg, std::string_view value);

struct Key {
    std::string_view section;
    std::string_view name;
    Trust trust;
    Apply apply;
};

Result<bool> parse_bool_value(std::string_view v) {
    if (auto b = str::parse_bool(v)) return *b;
    return Error::msg("'{}' is not a boolean (expected yes or no)", v);
}

// The option for each word of V (whitespace-separated, quotes allowed).
Result<void> apply_each_word(Config& cfg, std::string_view option, std::string_view v) {
    for (const auto& w : TRY(split_quoted_words(v))) TRY(apply_long_option(cfg, option, w));
    return ok();
}

// Capability=, DropCapability=, AmbientCapability=: names separated by
// whitespace (or commas, as the option takes them).
Result<void> apply_capabilities(Config& cfg, std::string_view option, std::string_view v) {
    auto words = TRY(split_quoted_words(v));
    if (words.empty()) return Error::msg("no capability given");
    return apply_long_option(cfg, option, str::join(words, ","));
}

Result<void> apply_rlimit(Config& cfg, std::string_view resource, std::string_view v) {
    return apply_long_option(cfg, "rlimit", fmt::format("{}={}", resource, v));
}

// A key whose feature spawn does not have yet: "no" (the default) is
// accepted; anything else goes to the option, which refuses it.
Result<void> apply_unless_off(Config& cfg, std::string_view option, std::string_view v, uint64_t bit) {
    if (str::parse_bool(v) == false || v == "no") {
        cfg.settings_mask |= bit;
        return ok();
    }
    return apply_long_option(cfg, option, v);
}

#define OPTION(option) [](Config& c, std::string_view v) { return apply_long_option(c, option, v); }
#define EACH_WORD(option) [](Config& c, std::string_view v) { return apply_each_word(c, option, v); }
#define LIMIT(resource) [](Config& c, std::string_view v) { return apply_rlimit(c, resource, v); }

// systemd.nspawn(5) of systemd 252, every section and key.
const Key kKeys[] = {
    // [Exec]
    {"Exec", "Boot", Trust::Any,
     [](Config& c, std::string_view v) -> Result<void> {
         bool b = TRY(parse_bool_value(v));
         c.boot = b;
         if (b) c.as_pid2 = false;
         c.settings_mask |= setting::StartMode;
         return ok();
     }},
    {"Exec", "Ephemeral", Trust::Trusted,
     [](Config& c, std::string_view v) { return apply_unless_off(c, "ephemeral", v, setting::Ephemeral); }},
    {"Exec", "ProcessTwo", Trust::Any,
     [](Config& c, std::string_view v) -> Result<void> {
         bool b = TRY(parse_bool_value(v));
         c.as_pid2 = b;
         if (b) c.boot = false;
         c.settings_mask |= setting::StartMode;
         return ok();
     }},
    {"Exec", "Parameters", Trust::Any,
     [](Config& c, std::string_view v) -> Result<void> {
         // Applies with Boot= or ProcessTwo= (which give the start mode), as
         // in nspawn; an empty value clears the list.
         c.command = TRY(split_quoted_words(v));
         return ok();
     }},
    {"Exec", "Environment", Trust::Any,
     [](Config& c, std::string_view v) -> Result<void> {
         auto words = TRY(split_quoted_words(v));
         if (words.empty()) c.setenv.clear();
         for (const auto& w : words) {
             // NAME alone would take spawn's own value: only NAME=VALUE here.
             if (w.find('=') == std::string::npos)
                 return Error::msg("'{}' is not an assignment (expected NAME=VALUE)", w);
             TRY(apply_long_option(c, "setenv", w));
         }
         c.settings_mask |= setting::Environment;
         return ok();
     }},
    {"Exec", "User", Trust::Any, OPTION("user")},
    {"Exec", "WorkingDirectory", Trust::Any, OPTION("chdir")},
    {"Exec", "PivotRoot", Trust::Trusted, OPTION("pivot-root")},
    {"Exec", "Capability", Trust::Trusted,
     [](Config& c, std::string_view v) { return apply_capabilities(c, "capability", v); }},
    {"Exec", "DropCapability", Trust::Any,
     [](Config& c, std::string_view v) { return apply_capabilities(c, "drop-capability", v); }},
    {"Exec", "AmbientCapability", Trust::Trusted,
     [](Config& c, std::string_view v) { return apply_capabilities(c, "ambient-capability", v); }},
    {"Exec", "NoNewPrivileges", Trust::Any, OPTION("no-new-privileges")},
    {"Exec", "KillSignal", Trust::Any, OPTION("kill-signal")},
    {"Exec", "Personality", Trust::Any, OPTION("personality")},
    {"Exec", "MachineID", Trust::Trusted, OPTION("uuid")},
    {"Exec", "PrivateUsers", Trust::Trusted, OPTION("private-users")},
    {"Exec", "NotifyReady", Trust::Any, OPTION("notify-ready")},
    {"Exec", "SystemCallFilter", Trust::AllowListed, OPTION("system-call-filter")},
    {"Exec", "LimitCPU", Trust::Trusted, LIMIT("CPU")},
    {"Exec", "LimitFSIZE", Trust::Trusted, LIMIT("FSIZE")},
    {"Exec", "LimitDATA", Trust::Trusted, LIMIT("DATA")},
    {"Exec", "LimitSTACK", Trust::Trusted, LIMIT("STACK")},
    {"Exec", "LimitCORE", Trust::Trusted, LIMIT("CORE")},
    {"Exec", "LimitRSS", Trust::Trusted, LIMIT("RSS")},
    {"Exec", "LimitNOFILE", Trust::Trusted, LIMIT("NOFILE")},
    {"Exec", "LimitAS", Trust::Trusted, LIMIT("AS")},
    {"Exec", "LimitNPROC", Trust::Trusted, LIMIT("NPROC")},
    {"Exec", "LimitMEMLOCK", Trust::Trusted, LIMIT("MEMLOCK")},
    {"Exec", "LimitLOCKS", Trust::Trusted, LIMIT("LOCKS")},
    {"Exec", "LimitSIGPENDING", Trust::Trusted, LIMIT("SIGPENDING")},
    {"Exec", "LimitMSGQUEUE", Trust::Trusted, LIMIT("MSGQUEUE")},
    {"Exec", "LimitNICE", Trust::Trusted, LIMIT("NICE")},
    {"Exec", "LimitRTPRIO", Trust::Trusted, LIMIT("RTPRIO")},
    {"Exec", "LimitRTTIME", Trust::Trusted, LIMIT("RTTIME")},
    {"Exec", "OOMScoreAdjust", Trust::Trusted, OPTION("oom-score-adjust")},
    {"Exec", "CPUAffinity", Trust::Trusted, OPTION("cpu-affinity")},
    {"Exec", "Hostname", Trust::Any, OPTION("hostname")},
    {"Exec", "ResolvConf", Trust::Any, OPTION("resolv-conf")},
    {"Exec", "Timezone", Trust::Any, OPTION("timezone")},
    {"Exec", "LinkJournal", Trust::Trusted, OPTION("link-journal")},
    {"Exec", "SuppressSync", Trust::Any, OPTION("suppress-sync")},
    // [Files]
    {"Files", "ReadOnly", Trust::Any,
     [](Config& c, std::string_view v) -> Result<void> {
         c.read_only = TRY(parse_bool_value(v));
         c.settings_mask |= setting::ReadOnly;
         return ok();
     }},
    {"Files", "Volatile", Trust::Any,
     [](Config& c, std::string_view v) { return apply_unless_off(c, "volatile", v, setting::Volatile); }},
    {"Files", "Bind", Trust::Trusted, OPTION("bind")},
    {"Files", "BindReadOnly", Trust::Trusted, OPTION("bind-ro")},
    {"Files", "BindUser", Trust::Trusted, EACH_WORD("bind-user")},
    {"Files", "TemporaryFileSystem", Trust::Trusted, OPTION("tmpfs")},
    {"Files", "Inaccessible", Trust::Trusted, OPTION("inaccessible")},
    {"Files", "Overlay", Trust::Trusted, OPTION("overlay")},
    {"Files", "OverlayReadOnly", Trust::Trusted, OPTION("overlay-ro")},
    {"Files", "PrivateUsersOwnership", Trust::Trusted, OPTION("private-users-ownership")},
    {"Files", "PrivateUsersChown", Trust::Trusted,  // the older spelling (yes = chown)
     [](Config& c, std::string_view v) -> Result<void> {
         return apply_long_option(c, "private-users-ownership", TRY(parse_bool_value(v)) ? "chown" : "off");
     }},
    // [Network]
    {"Network", "Private", Trust::Trusted,
     [](Config& c, std::string_view v) -> Result<void> {
         c.net.private_network = TRY(parse_bool_value(v));
         c.settings_mask |= setting::Network;
         return ok();
     }},
    {"Network", "VirtualEthernet", Trust::Trusted,
     [](Config& c, std::string_view v) -> Result<void> {
         if (TRY(parse_bool_value(v))) return apply_long_option(c, "network-veth", "");
         c.net.veth = false;
         c.settings_mask |= setting::Network;
         return ok();
     }},
    {"Network", "VirtualEthernetExtra", Trust::Trusted, OPTION("network-veth-extra")},
    {"Network", "Interface", Trust::Trusted, EACH_WORD("network-interface")},
    {"Network", "MACVLAN", Trust::Trusted, EACH_WORD("network-macvlan")},
    {"Network", "IPVLAN", Trust::Trusted, EACH_WORD("network-ipvlan")},
    {"Network", "Bridge", Trust::Trusted, OPTION("network-bridge")},
    {"Network", "Zone", Trust::Trusted, OPTION("network-zone")},
    {"Network", "Port", Trust::Trusted, OPTION("port")},
};

#undef OPTION
#undef EACH_WORD
#undef LIMIT

const Key* find_key(std::string_view section, std::string_view name) {
    for (const auto& k : kKeys)
        if (k.section == section && k.name == name) return &k;
    return nullptr;
}

bool known_section(std::string_view s) { return s == "Exec" || s == "Files" || s == "Network"; }

// Whether a SystemCallFilter= value is a deny list only (every item "~...",
// or the whole value behind one '~').
bool deny_list_only(std::string_view v) {
    auto t = v.substr(std::min(v.find_first_not_of(" \t"), v.size()));
    return !t.empty() && t.front() == '~';
}

// Offset of the first byte that is not valid UTF-8 (or a NUL), or npos.
size_t first_bad_byte(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == 0) return i;
        size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        if (n == 0 || i + n > s.size()) return i;
        for (size_t j = 1; j < n; ++j)
            if ((static_cast<unsigned char>(s[i + j]) & 0xc0) != 0x80) return i;
        i += n;
    }
    return std::string_view::npos;
}

// S for an error message: at most 80 characters, control characters as '?'.
std::string quoted(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 80)) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
    if (s.size() > 80) out += "...";
    return out;
}

std::string_view trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

}  // namespace

Result<std::vector<std::string>> split_quoted_words(std::string_view s) {
    std::vector<std::string> words;
    size_t i = 0;
    while (true) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        if (i >= s.size()) break;
        std::string w;
        char quote = 0;
        for (; i < s.size(); ++i) {
            char ch = s[i];
            if (quote) {
                if (ch == quote) {
                    quote = 0;
                } else if (ch == '\\' && quote == '"' && i + 1 < s.size()) {
                    w += s[++i];
                } else {
                    w += ch;
                }
            } else if (ch == ' ' || ch == '\t') {
                break;
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
            } else if (ch == '\\' && i + 1 < s.size()) {
                w += s[++i];
            } else {
                w += ch;
            }
        }
        if (quote) return Error::msg("unterminated quote in '{}'", s);
        words.push_back(std::move(w));
    }
    return words;
}

std::vector<std::string> settings_file_keys() {
    std::vector<std::string> out;
    for (const auto& k : kKeys) out.push_back(fmt::format("{}.{}", k.section, k.name));
    return out;
}

Result<SettingsFile> parse_settings_file(std::string_view text, std::string path, bool trusted) {
    SettingsFile file;
    file.path = std::move(path);
    file.trusted = trusted;
    if (auto bad = first_bad_byte(text); bad != std::string_view::npos) {
        size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<long>(bad), '\n'));
        return Error::msg("{}:{}: not a settings file (binary data: {} byte at offset {})", file.path, line,
                          text[bad] == 0 ? "a NUL" : "an invalid UTF-8", bad);
    }

    std::string section;
    bool section_known = false;
    std::set<std::string> ignored;  // untrusted keys already warned about
    size_t lineno = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        // One logical line: physical lines joined where one ends in '\'.
        size_t first = ++lineno;
        std::string line;
        while (pos < text.size()) {
            size_t nl = text.find('\n', pos);
            std::string_view phys = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
            pos = nl == std::string_view::npos ? text.size() : nl + 1;
            std::string_view t = trim(phys);
            if (!t.empty() && t.back() == '\\' && pos < text.size()) {
                line += t.substr(0, t.size() - 1);
                line += ' ';
                ++lineno;
                continue;
            }
            line += t;
            break;
        }
        std::string_view l = trim(line);
        if (l.empty() || l.front() == '#' || l.front() == ';') continue;
        auto where = [&] { return fmt::format("{}:{}", file.path, first); };

        if (l.front() == '[') {
            if (l.back() != ']' || l.size() < 3)
                return Error::msg("{}: invalid section header '{}'", where(), quoted(l));
            section = std::string(l.substr(1, l.size() - 2));
            section_known = known_section(section);
            if (!section_known)
                file.warnings.push_back(fmt::format("{}: Unknown section '{}'. Ignoring.", where(), quoted(section)));
            continue;
        }
        auto eq = l.find('=');
        if (eq == std::string_view::npos)
            return Error::msg("{}: expected KEY=VALUE or [Section], got '{}'", where(), quoted(l));
        std::string_view name = trim(l.substr(0, eq));
        std::string_view value = trim(l.substr(eq + 1));
        if (section.empty()) {
            file.warnings.push_back(fmt::format("{}: Assignment outside of section. Ignoring.", where()));
            continue;
        }
        if (!section_known) continue;
        const Key* key = find_key(section, name);
        if (!key) {
            file.warnings.push_back(
                fmt::format("{}: Unknown key '{}' in section [{}], ignoring.", where(), quoted(name), quoted(section)));
            continue;
        }
        bool privileged = key->trust == Trust::Trusted || (key->trust == Trust::AllowListed && !deny_list_only(value));
        if (privileged && !trusted) {
            if (ignored.insert(std::string(name)).second)
                file.warnings.push_back(fmt::format(
                    "Ignoring {}= in {}: the file is not trusted (only files in /etc/systemd/nspawn/ and "
                    "/run/systemd/nspawn/ are, or any with --settings=trusted).",
                    name, file.path));
            continue;
        }
        if (auto r = key->apply(file.values, value); !r.ok())
            return Error::msg("{}: {}={}: {}", where(), name, quoted(value), r.error().message());
    }
    if (!file.values.command.empty() && !(file.values.settings_mask & setting::StartMode))
        file.warnings.push_back(fmt::format(
            "{}: Parameters= without Boot= or ProcessTwo= is ignored, as by systemd-nspawn (add Boot=no to run it as "
            "the command).",
            file.path));
    return file;
}

void merge_settings(Config& cfg, const SettingsFile& file, bool override) {
    const Config& f = file.values;
    auto take = [&](uint64_t bit) {
        return (f.settings_mask & bit) != 0 && (override || (cfg.settings_mask & bit) == 0);
    };
    if (take(setting::StartMode)) {
        cfg.boot = f.boot;
        cfg.as_pid2 = f.as_pid2;
        cfg.command = f.command;
    }
    if (take(setting::Environment)) {
        cfg.setenv = f.setenv;
        cfg.exact_environment = f.exact_environment;
    }
    if (take(setting::User)) {
        cfg.user = f.user;
        cfg.user_ids = f.user_ids;
    }
    if (take(setting::WorkingDirectory)) cfg.chdir = f.chdir;
    if (take(setting::Capability)) {
        // Added to the command line's, as nspawn does.
        cfg.capability_add |= f.capability_add;
        cfg.capability_drop |= f.capability_drop;
        cfg.ambient_capabilities |= f.ambient_capabilities;
        if (f.capability_sets) cfg.capability_sets = f.capability_sets;
    }
    if (take(setting::KillSignal)) cfg.kill_signal = f.kill_signal;
    if (take(setting::Personality)) cfg.personality = f.personality;
    if (take(setting::MachineId)) cfg.uuid = f.uuid;
    if (take(setting::ReadOnly)) cfg.read_only = f.read_only;
    if (take(setting::CustomMounts)) {
        cfg.binds = f.binds;
        cfg.tmpfs = f.tmpfs;
        cfg.inaccessible = f.inaccessible;
        cfg.overlays = f.overlays;
        cfg.masked_paths = f.masked_paths;
        cfg.read_only_paths = f.read_only_paths;
    }
    if (take(setting::Ephemeral)) cfg.ephemeral = f.ephemeral;
    if (take(setting::Volatile)) cfg.volatile_mode = f.volatile_mode;
    if (take(setting::Network)) {
        auto ports = std::move(cfg.net.ports);
        auto addresses = std::move(cfg.net.addresses);
        cfg.net = f.net;
        cfg.net.ports = std::move(ports);
        cfg.net.addresses = std::move(addresses);
    }
    if (take(setting::ExposePorts)) cfg.net.ports = f.net.ports;
    if (take(setting::UserNamespace)) cfg.userns = f.userns;
    if (take(setting::BindUser)) cfg.bind_users = f.bind_users;
    if (take(setting::SyscallFilter)) {
        cfg.syscall_filter = f.syscall_filter;
        cfg.seccomp_profile = f.seccomp_profile;
    }
    for (int r = 0; r < kRlimitCount; ++r)
        if (take(setting::rlimit(r))) cfg.rlimits[static_cast<size_t>(r)] = f.rlimits[static_cast<size_t>(r)];
    if (take(setting::Hostname)) cfg.hostname = f.hostname;
    if (take(setting::NoNewPrivileges)) cfg.no_new_privileges = f.no_new_privileges;
    if (take(setting::OomScoreAdjust)) cfg.oom_score_adjust = f.oom_score_adjust;
    if (take(setting::CpuAffinity)) cfg.cpu_affinity = f.cpu_affinity;
    if (take(setting::LinkJournal)) cfg.link_journal = f.link_journal;
    if (take(setting::ResolvConf)) cfg.resolv_conf = f.resolv_conf;
    if (take(setting::NotifyReady)) cfg.notify_ready = f.notify_ready;
    if (take(setting::SuppressSync)) cfg.suppress_sync = f.suppress_sync;
    if (take(setting::PivotRoot)) {
        cfg.pivot_root_new = f.pivot_root_new;
        cfg.pivot_root_old = f.pivot_root_old;
    }
    if (take(setting::Credentials)) cfg.credentials = f.credentials;
    if (take(setting::Timezone)) cfg.timezone = f.timezone;
    // Only an OCI bundle (oci/bundle.hpp) gives these.
    if (take(setting::ConsoleMode)) cfg.console = f.console;
    if (take(setting::Slice)) cfg.slice = f.slice;
    if (take(setting::Properties)) cfg.properties = f.properties;
    if (take(setting::Sysctl)) cfg.sysctls = f.sysctls;
    if (take(setting::JoinedNamespaces)) cfg.joined_namespaces = f.joined_namespaces;
    if (take(setting::DeviceNodes)) cfg.device_nodes = f.device_nodes;
}

}  // namespace spawn
