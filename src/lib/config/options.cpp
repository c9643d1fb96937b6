#include "config/options.hpp"


#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "config/credential_options.hpp"
#include "config/etc_options.hpp"
#include "config/names.hpp"
#include "config/path_args.hpp"
#include "config/payload_options.hpp"
#include "config/root_options.hpp"
#include "config/capabilities.hpp"
#include "config/settings_mask.hpp"
#include "config/syscall_groups.hpp"
#include "config/userns_options.hpp"
#include "util/signals.hpp"
#include "util/strings.hpp"

namespace spawn {

namespace {

// Values of the long-only options (above any char).
enum : int {
    ARG_VERSION = 0x100,
    ARG_HOSTNAME,
    ARG_CHDIR,
    ARG_CONSOLE,
    ARG_PRIVATE_NETWORK,
    ARG_NETWORK_VETH_EXTRA,
    ARG_NETWORK_BRIDGE,
    ARG_NETWORK_ZONE,
    ARG_NETWORK_INTERFACE,
    ARG_NETWORK_MACVLAN,
    ARG_NETWORK_IPVLAN,
    ARG_NETWORK_NAMESPACE_PATH,
    ARG_NETWORK_ADDRESS,
    ARG_BIND,
    ARG_BIND_RO,
    ARG_TMPFS,
    ARG_READ_ONLY,
    ARG_UUID,
    ARG_KILL_SIGNAL,
    ARG_REGISTER,
    ARG_KEEP_UNIT,
    ARG_PROPERTY,
    ARG_LINK_JOURNAL,
    ARG_CAPABILITY,
    ARG_DROP_CAPABILITY,
    ARG_NO_NEW_PRIVILEGES,
    ARG_AMBIENT_CAPABILITY,
    ARG_RLIMIT,
    ARG_OOM_SCORE_ADJUST,
    ARG_CPU_AFFINITY,
    ARG_PERSONALITY,
    ARG_SYSTEM_CALL_FILTER,
    ARG_PRIVATE_USERS,
    ARG_PRIVATE_USERS_OWNERSHIP,
    ARG_BIND_USER,
    ARG_SETTINGS,
    ARG_NO_PAGER,
    ARG_RESOLV_CONF,
    ARG_NOTIFY_READY,
    ARG_INACCESSIBLE,
    ARG_SUPPRESS_SYNC,
    ARG_PIVOT_ROOT,
    ARG_SET_CREDENTIAL,
    ARG_LOAD_CREDENTIAL,
    ARG_TIMEZONE,
    ARG_TEMPLATE,
    ARG_VOLATILE,
    ARG_OVERLAY,
    ARG_OVERLAY_RO,
    ARG_ROOT_HASH,
    ARG_ROOT_HASH_SIG,
    ARG_VERITY_DATA,
    ARG_OCI_BUNDLE,
};

// Leading '+': stop at the first non-option (the command). ':' after it:
// report a missing argument as ':' and print nothing.
constexpr const char* kShortOptions = "+:hD:u:abM:jS:qp:nE:PUZ:L:xi:";

const struct option kLongOptions[] = {
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, ARG_VERSION},
    {"directory", required_argument, nullptr, 'D'},
    {"user", required_argument, nullptr, 'u'},
    {"as-pid2", no_argument, nullptr, 'a'},
    {"boot", no_argument, nullptr, 'b'},
    {"machine", required_argument, nullptr, 'M'},
    {"hostname", required_argument, nullptr, ARG_HOSTNAME},
    {"chdir", required_argument, nullptr, ARG_CHDIR},
    {"setenv", required_argument, nullptr, 'E'},
    {"console", required_argument, nullptr, ARG_CONSOLE},
    {"pipe", no_argument, nullptr, 'P'},
    {"private-network", no_argument, nullptr, ARG_PRIVATE_NETWORK},
    {"network-veth", no_argument, nullptr, 'n'},
    {"network-veth-extra", required_argument, nullptr, ARG_NETWORK_VETH_EXTRA},
    {"network-bridge", required_argument, nullptr, ARG_NETWORK_BRIDGE},
    {"network-zone", required_argument, nullptr, ARG_NETWORK_ZONE},
    {"network-interface", required_argument, nullptr, ARG_NETWORK_INTERFACE},
    {"network-macvlan", required_argument, nullptr, ARG_NETWORK_MACVLAN},
    {"network-ipvlan", required_argument, nullptr, ARG_NETWORK_IPVLAN},
    {"network-namespace-path", required_argument, nullptr, ARG_NETWORK_NAMESPACE_PATH},
    {"network-address", required_argument, nullptr, ARG_NETWORK_ADDRESS},
    {"port", required_argument, nullptr, 'p'},
    {"bind", required_argument, nullptr, ARG_BIND},
    {"bind-ro", required_argument, nullptr, ARG_BIND_RO},
    {"tmpfs", required_argument, nullptr, ARG_TMPFS},
    {"read-only", no_argument, nullptr, ARG_READ_ONLY},
    {"uuid", required_argument, nullptr, ARG_UUID},
    {"kill-signal", required_argument, nullptr, ARG_KILL_SIGNAL},
    {"register", required_argument, nullptr, ARG_REGISTER},
    {"keep-unit", no_argument, nullptr, ARG_KEEP_UNIT},
    {"slice", required_argument, nullptr, 'S'},
    {"property", required_argument, nullptr, ARG_PROPERTY},
    {"link-journal", required_argument, nullptr, ARG_LINK_JOURNAL},
    {"capability", required_argument, nullptr, ARG_CAPABILITY},
    {"drop-capability", required_argument, nullptr, ARG_DROP_CAPABILITY},
    {"no-new-privileges", required_argument, nullptr, ARG_NO_NEW_PRIVILEGES},
    {"ambient-capability", required_argument, nullptr, ARG_AMBIENT_CAPABILITY},
    {"rlimit", required_argument, nullptr, ARG_RLIMIT},
    {"oom-score-adjust", required_argument, nullptr, ARG_OOM_SCORE_ADJUST},
    {"cpu-affinity", required_argument, nullptr, ARG_CPU_AFFINITY},
    {"personality", required_argument, nullptr, ARG_PERSONALITY},
    {"system-call-filter", required_argument, nullptr, ARG_SYSTEM_CALL_FILTER},
    {"private-users", required_argument, nullptr, ARG_PRIVATE_USERS},
    {"private-users-ownership", required_argument, nullptr, ARG_PRIVATE_USERS_OWNERSHIP},
    {"bind-user", required_argument, nullptr, ARG_BIND_USER},
    {"settings", required_argument, nullptr, ARG_SETTINGS},
    {"no-pager", no_argument, nullptr, ARG_NO_PAGER},
    {"resolv-conf", required_argument, nullptr, ARG_RESOLV_CONF},
    {"notify-ready", required_argument, nullptr, ARG_NOTIFY_READY},
    {"inaccessible", required_argument, nullptr, ARG_INACCESSIBLE},
    {"suppress-sync", required_argument, nullptr, ARG_SUPPRESS_SYNC},
    {"pivot-root", required_argument, nullptr, ARG_PIVOT_ROOT},
    {"set-credential", required_argument, nullptr, ARG_SET_CREDENTIAL},
    {"load-credential", required_argument, nullptr, ARG_LOAD_CREDENTIAL},
    {"timezone", required_argument, nullptr, ARG_TIMEZONE},
    {"selinux-context", required_argument, nullptr, 'Z'},
    {"selinux-apifs-context", required_argument, nullptr, 'L'},
    {"ephemeral", no_argument, nullptr, 'x'},
    {"image", required_argument, nullptr, 'i'},
    {"template", required_argument, nullptr, ARG_TEMPLATE},
    {"volatile", optional_argument, nullptr, ARG_VOLATILE},
    {"overlay", required_argument, nullptr, ARG_OVERLAY},
    {"overlay-ro", required_argument, nullptr, ARG_OVERLAY_RO},
    {"root-hash", required_argument, nullptr, ARG_ROOT_HASH},
    {"root-hash-sig", required_argument, nullptr, ARG_ROOT_HASH_SIG},
    {"verity-data", required_argument, nullptr, ARG_VERITY_DATA},
    {"oci-bundle", required_argument, nullptr, ARG_OCI_BUNDLE},
    {"quiet", no_argument, nullptr, 'q'},
    {nullptr, 0, nullptr, 0},
};

// "--name" of the long option with value VAL (the first one in the table).
std::string long_name_of(int val) {
    for (const auto* o = kLongOptions; o->name; ++o)
        if (o->val == val) return std::string("--") + o->name;
    return {};
}

// Name of the option as the user typed it: "--directory" (canonical, even if
// abbreviated) when typed long, "-D" when typed short.
std::string typed_name(int val, const char* arg) {
    if (arg && std::strncmp(arg, "--", 2) == 0) {
        // Prefer the canonical long name matching what was typed.
        std::string_view typed(arg + 2);
        typed = typed.substr(0, typed.find('='));
        for (const auto* o = kLongOptions; o->name; ++o)
            if (o->val == val && std::string_view(o->name).starts_with(typed)) return std::string("--") + o->name;
        return std::string("--") + std::string(typed);
    }
    if (val > 0 && val < 0x100) return std::string("-") + static_cast<char>(val);
    return long_name_of(val);
}

bool is_short_option(int c) {
    if (c <= 0 || c >= 0x100 || c == ':' || c == '+') return false;
    return std::strchr(kShortOptions, c) != nullptr;
}

std::optional<uint16_t> parse_ip_port(std::string_view s) {
    auto n = str::parse_uint(s);
    if (!n || *n < 1 || *n > 65535) return std::nullopt;
    return static_cast<uint16_t>(*n);
}

constexpr const char* kNameRules =
    "expected 1-64 characters of letters, digits, '-' and '.', in dot-separated labels that neither begin nor end "
    "with '-'";

// The settings group option C belongs to (0: none: it is never in a settings
// file, or, for --rlimit, its bit depends on the value).
uint64_t setting_of_option(int c) {
    switch (c) {
    case 'b': case 'a': return setting::StartMode;
    case 'E': return setting::Environment;
    case 'u': return setting::User;
    case ARG_CAPABILITY: case ARG_DROP_CAPABILITY: case ARG_AMBIENT_CAPABILITY: return setting::Capability;
    case ARG_KILL_SIGNAL: return setting::KillSignal;
    case ARG_PERSONALITY: return setting::Personality;
    case ARG_UUID: return setting::MachineId;
    case ARG_PRIVATE_NETWORK: case 'n': case ARG_NETWORK_VETH_EXTRA: case ARG_NETWORK_BRIDGE:
    case ARG_NETWORK_ZONE: case ARG_NETWORK_INTERFACE: case ARG_NETWORK_MACVLAN: case ARG_NETWORK_IPVLAN:
    case ARG_NETWORK_NAMESPACE_PATH:
        return setting::Network;
    case 'p': return setting::ExposePorts;
    case ARG_READ_ONLY: return setting::ReadOnly;
    case ARG_BIND: case ARG_BIND_RO: case ARG_TMPFS: case ARG_INACCESSIBLE: case ARG_OVERLAY: case ARG_OVERLAY_RO:
        return setting::CustomMounts;
    case 'x': return setting::Ephemeral;
    case ARG_VOLATILE: return setting::Volatile;
    case ARG_CHDIR: return setting::WorkingDirectory;
    case 'U': case ARG_PRIVATE_USERS: case ARG_PRIVATE_USERS_OWNERSHIP: return setting::UserNamespace;
    case ARG_SYSTEM_CALL_FILTER: return setting::SyscallFilter;
    case ARG_HOSTNAME: return setting::Hostname;
    case ARG_NO_NEW_PRIVILEGES: return setting::NoNewPrivileges;
    case ARG_OOM_SCORE_ADJUST: return setting::OomScoreAdjust;
    case ARG_CPU_AFFINITY: return setting::CpuAffinity;
    case ARG_LINK_JOURNAL: case 'j': return setting::LinkJournal;
    case 'S': return setting::Slice;
    case ARG_PROPERTY: return setting::Properties;
    case ARG_CONSOLE: case 'P': return setting::ConsoleMode;
    case ARG_BIND_USER: return setting::BindUser;
    case ARG_RESOLV_CONF: return setting::ResolvConf;
    case ARG_NOTIFY_READY: return setting::NotifyReady;
    case ARG_SUPPRESS_SYNC: return setting::SuppressSync;
    case ARG_PIVOT_ROOT: return setting::PivotRoot;
    case ARG_SET_CREDENTIAL: case ARG_LOAD_CREDENTIAL: return setting::Credentials;
    case ARG_TIMEZONE: return setting::Timezone;
    default: return 0;
    }
}

// Parses one option (C with OPTARG) into CFG.
Result<void> apply_option(Config& cfg, int c, const char* optarg_, const char* typed_arg) {
    std::string_view arg = optarg_ ? std::string_view(optarg_) : std::string_view();
    auto name = [&] { return typed_name(c, typed_arg); };
    auto& net = cfg.net;

    switch (c) {
    case 'D':
        cfg.directory = TRY(host_path_argument("--directory", arg));
        break;
    case 'M':
        if (!machine_name_is_valid(arg)) return Error::msg("Invalid --machine: '{}' ({})", arg, kNameRules);
        cfg.machine = std::string(arg);
        break;
    case ARG_HOSTNAME:
        if (!hostname_is_valid(arg)) return Error::msg("Invalid --hostname: '{}' ({})", arg, kNameRules);
        cfg.hostname = std::string(arg);
        break;
    case 'u': {
        bool bad = arg.empty();
        for (char ch : arg)
            if (static_cast<unsigned char>(ch) <= 32 || ch == '/' || ch == ':' || ch == 127) bad = true;
        if (bad) return Error::msg("Invalid --user: '{}' (expected a user name or UID)", arg);
        cfg.user = std::string(arg);
        break;
    }
    case ARG_CHDIR:
        if (!container_path_ok(arg))
            return Error::msg("Invalid --chdir: '{}' (working directory must be an absolute path)", arg);
        cfg.chdir = path_simplify(arg);
        break;
    case 'E': {
        std::string assignment = TRY(parse_setenv(arg));
        std::string key = assignment.substr(0, assignment.find('=') + 1);
        std::erase_if(cfg.setenv, [&](const std::string& e) { return e.starts_with(key); });
        cfg.setenv.push_back(std::move(assignment));
        break;
    }
    case 'a':
        cfg.as_pid2 = true;  // with --boot: refused by validate_config()
        break;
    case 'b':
        cfg.boot = true;
        break;
    case ARG_CONSOLE:
        cfg.console = TRY(parse_console_mode(arg));
        break;
    case 'P':
        cfg.console = ConsoleMode::Pipe;
        break;
    case ARG_PRIVATE_NETWORK:
        net.private_network = true;
        break;
    case 'n':
        net.veth = true;
        net.private_network = true;
        break;
    case ARG_NETWORK_VETH_EXTRA:
        net.veth_extra.push_back(TRY(parse_veth_extra(arg)));
        net.private_network = true;
        break;
    case ARG_NETWORK_BRIDGE:
        if (!ifname_is_valid(arg)) return Error::msg("Invalid --network-bridge: '{}' (not a valid interface name)", arg);
        net.bridge = std::string(arg);
        net.veth = true;
        net.private_network = true;
        break;
    case ARG_NETWORK_ZONE:
        // The zone's bridge is "vz-ZONE", which must be a valid interface name.
        if (arg.empty() || !ifname_is_valid("vz-" + std::string(arg)))
            return Error::msg("Invalid --network-zone: '{}' (vz-{} is not a valid interface name)", arg, arg);
        net.zone = std::string(arg);
        net.veth = true;
        net.private_network = true;
        break;
    case ARG_NETWORK_INTERFACE:
    case ARG_NETWORK_MACVLAN:
    case ARG_NETWORK_IPVLAN: {
        if (!ifname_is_valid(arg)) return Error::msg("Invalid {}: '{}' (not a valid interface name)", name(), arg);
        auto& list = c == ARG_NETWORK_INTERFACE ? net.interfaces
                     : c == ARG_NETWORK_MACVLAN ? net.macvlan
                                                : net.ipvlan;
        if (std::find(list.begin(), list.end(), arg) == list.end()) list.emplace_back(arg);
        net.private_network = true;
        break;
    }
    case ARG_NETWORK_NAMESPACE_PATH:
        net.netns_path = TRY(host_path_argument("--network-namespace-path", arg));
        break;
    case ARG_NETWORK_ADDRESS:
        net.addresses.push_back(TRY(parse_network_address(arg)));
        break;
    case 'p': {
        PortForward p = TRY(parse_port(arg));
        for (const auto& q : net.ports)
            if (q.protocol == p.protocol && q.host_port == p.host_port && q.host_address == p.host_address)
                return Error::msg("Invalid --port: '{}' (duplicate port specification)", arg);
        net.ports.push_back(std::move(p));
        break;
    }
    case ARG_BIND:
    case ARG_BIND_RO:
        cfg.binds.push_back(TRY(parse_bind(arg, c == ARG_BIND_RO)));
        break;
    case ARG_TMPFS:
        cfg.tmpfs.push_back(TRY(parse_tmpfs(arg)));
        break;
    case ARG_READ_ONLY:
        cfg.read_only = true;
        break;
    case ARG_UUID:
        cfg.uuid = TRY(parse_uuid(arg));
        break;
    case ARG_KILL_SIGNAL:
        cfg.kill_signal = TRY(parse_signal(arg));
        break;
    case ARG_REGISTER:
        cfg.register_mode = TRY(parse_register_mode(arg));
        break;
    case ARG_KEEP_UNIT:
        cfg.keep_unit = true;
        break;
    case 'S':
        cfg.slice = TRY(parse_slice(arg));
        break;
    case ARG_PROPERTY: {
        auto eq = arg.find('=');
        if (eq == std::string_view::npos || eq == 0)
            return Error::msg("Invalid --property: '{}' (expected NAME=VALUE)", arg);
        for (char ch : arg.substr(0, eq))
            if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
                return Error::msg("Invalid --property: '{}' (property name must be alphanumeric)", arg);
        cfg.properties.emplace_back(arg);
        break;
    }
    case ARG_LINK_JOURNAL:
        cfg.link_journal = TRY(parse_link_journal(arg));
        break;
    case 'j':
        cfg.link_journal = LinkJournal::TryGuest;
        break;
    case 'q':
        cfg.quiet = true;
        break;
    case ARG_CAPABILITY:
    case ARG_DROP_CAPABILITY: {
        uint64_t mask = TRY(parse_capability_list(arg).context("Invalid " + long_name_of(c)));
        (c == ARG_CAPABILITY ? cfg.capability_add : cfg.capability_drop) |= mask;
        break;
    }
    // The payload process (config/payload_options.hpp). Repeated
    // --ambient-capability and --rlimit (of different limits) add up; the
    // others replace.
    case ARG_NO_NEW_PRIVILEGES:
        cfg.no_new_privileges = TRY(parse_no_new_privileges(arg));
        break;
    case ARG_AMBIENT_CAPABILITY:
        cfg.ambient_capabilities |= TRY(parse_ambient_capabilities(arg));
        break;
    case ARG_RLIMIT: {
        auto [resource, limit] = TRY(parse_rlimit(arg));
        cfg.rlimits[static_cast<size_t>(resource)] = limit;
        cfg.settings_mask |= setting::rlimit(resource);
        break;
    }
    case ARG_OOM_SCORE_ADJUST:
        cfg.oom_score_adjust = TRY(parse_oom_score_adjust(arg));
        break;
    case ARG_CPU_AFFINITY:
        cfg.cpu_affinity = TRY(parse_cpu_affinity(arg));
        break;
    case ARG_PERSONALITY:
        cfg.personality = TRY(parse_personality(arg));
        break;
    case ARG_SYSTEM_CALL_FILTER:
        TRY(parse_syscall_filter(arg, cfg.syscall_filter));
        break;
    case 'U':
        apply_dash_u(cfg.userns);
        break;
    case ARG_PRIVATE_USERS:
        TRY(parse_private_users(arg, cfg.userns));
        break;
    case ARG_PRIVATE_USERS_OWNERSHIP:
        cfg.userns.ownership = TRY(parse_private_users_ownership(arg));
        break;
    case ARG_BIND_USER:
        cfg.bind_users.push_back(TRY(parse_bind_user(arg)));
        break;
    case ARG_SETTINGS:
        cfg.settings = TRY(parse_settings_mode(arg));
        break;
    case ARG_NO_PAGER:
        break;  // spawn never pages its output
    case ARG_RESOLV_CONF:
        cfg.resolv_conf = TRY(parse_resolv_conf_mode(arg));
        break;
    case ARG_SET_CREDENTIAL:
        TRY(parse_set_credential(arg, cfg.credentials));
        break;
    case ARG_INACCESSIBLE:
        if (!container_path_ok(arg) || path_simplify(arg) == "/")
            return Error::msg("Invalid --inaccessible: '{}' (expected an absolute path below /, without '..')", arg);
        cfg.inaccessible.push_back(path_simplify(arg));
        break;
    case ARG_PIVOT_ROOT: {
        auto parts = split_colon_escaped(arg, 2);
        for (const auto& p : parts)
            if (!container_path_ok(p))
                return Error::msg("Invalid --pivot-root: '{}' (expected PATH[:PATH], absolute, without '..')", arg);
        cfg.pivot_root_new = path_simplify(parts[0]);
        cfg.pivot_root_old = parts.size() == 2 ? path_simplify(parts[1]) : "";
        if (cfg.pivot_root_new == "/" || cfg.pivot_root_old == "/")
            return Error::msg("Invalid --pivot-root: '{}' (neither path may be /)", arg);
        break;
    }
    case ARG_SUPPRESS_SYNC: {
        auto b = str::parse_bool(arg);
        if (!b) return Error::msg("Invalid --suppress-sync: '{}' (expected yes or no)", arg);
        cfg.suppress_sync = *b;
        break;
    }
    case ARG_NOTIFY_READY: {
        auto b = str::parse_bool(arg);
        if (!b) return Error::msg("Invalid --notify-ready: '{}' (expected yes or no)", arg);
        cfg.notify_ready = *b;
        break;
    }
    case ARG_LOAD_CREDENTIAL:
        TRY(parse_load_credential(arg, cfg.credentials));
        break;
    case ARG_TIMEZONE:
        cfg.timezone = TRY(parse_timezone_mode(arg));
        break;
    case 'Z':
    case 'L': {
        if (arg.empty()) return Error::msg("Invalid {}: '' (expected an SELinux label)", name());
        for (char ch : arg)
            if (static_cast<unsigned char>(ch) <= 32 || ch == '"' || ch == ',' || ch == 127)
                return Error::msg("Invalid {}: '{}' (not an SELinux label)", name(), arg);
        (c == 'Z' ? cfg.selinux_context : cfg.selinux_apifs_context) = std::string(arg);
        break;
    }
    case 'x':
        cfg.ephemeral = true;
        break;
    case ARG_VOLATILE:
        cfg.volatile_mode = TRY(parse_volatile(arg));
        break;
    case ARG_TEMPLATE:
        cfg.template_dir = TRY(host_path_argument("--template", arg));
        break;
    case ARG_OVERLAY:
    case ARG_OVERLAY_RO:
        cfg.overlays.push_back(TRY(parse_overlay(arg, c == ARG_OVERLAY_RO)));
        break;
    case 'i':
        cfg.image = TRY(host_path_argument("--image", arg));
        break;
    case ARG_ROOT_HASH:
        cfg.root_hash = TRY(parse_root_hash(arg));
        break;
    case ARG_ROOT_HASH_SIG:
        if (arg.empty()) return Error::msg("Invalid --root-hash-sig: '' (expected a path or base64:DATA)");
        cfg.root_hash_sig = arg.starts_with("base64:") ? std::string(arg) : TRY(host_path_argument("--root-hash-sig", arg));
        break;
    case ARG_VERITY_DATA:
        cfg.verity_data = TRY(host_path_argument("--verity-data", arg));
        break;
    case ARG_OCI_BUNDLE:
        cfg.oci_bundle = TRY(host_path_argument("--oci-bundle", arg));
        break;
    default:
        return Error::msg("internal error: unhandled option {}", name());
    }
    cfg.settings_mask |= setting_of_option(c);
    return ok();
}

}  // namespace

Result<void> apply_long_option(Config& cfg, std::string_view long_name, std::string_view value) {
    for (const auto* o = kLongOptions; o->name; ++o) {
        if (long_name != o->name) continue;
        std::string v(value);
        return apply_option(cfg, o->val, o->has_arg == no_argument ? nullptr : v.c_str(), nullptr);
    }
    return Error::msg("internal error: no option --{}", long_name);
}

std::vector<std::string> spawn_long_option_names() {
    std::vector<std::string> out;
    for (const auto* o = kLongOptions; o->name; ++o) out.emplace_back(o->name);
    return out;
}

std::string path_simplify(std::string_view p) {
    std::string out;
    bool abs = !p.empty() && p.front() == '/';
    for (const auto& part : str::split(p, '/')) {
        if (part.empty() || part == ".") continue;
        if (!out.empty() || abs) out += '/';
        out += part;
    }
    if (out.empty()) return abs ? "/" : (p.empty() ? "" : ".");
    return out;
}

Result<ConsoleMode> parse_console_mode(std::string_view s) {
    if (s == "interactive") return ConsoleMode::Interactive;
    if (s == "read-only") return ConsoleMode::ReadOnly;
    if (s == "passive") return ConsoleMode::Passive;
    if (s == "pipe") return ConsoleMode::Pipe;
    if (s == "autopipe") return ConsoleMode::Autopipe;
    return Error::msg("Invalid --console: '{}' (expected interactive, read-only, passive, pipe or autopipe)", s);
}

Result<LinkJournal> parse_link_journal(std::string_view s) {
    if (s == "no") return LinkJournal::No;
    if (s == "host") return LinkJournal::Host;
    if (s == "try-host") return LinkJournal::TryHost;
    if (s == "guest") return LinkJournal::Guest;
    if (s == "try-guest") return LinkJournal::TryGuest;
    if (s == "auto") return LinkJournal::Auto;
    return Error::msg("Invalid --link-journal: '{}' (expected no, host, try-host, guest, try-guest or auto)", s);
}

Result<uint64_t> parse_capability_list(std::string_view s) {
    uint64_t mask = 0;
    if (s.empty()) return Error::msg("'' (expected capability names such as CAP_NET_ADMIN, comma-separated, or all)");
    for (const auto& name : str::split(s, ',')) {
        if (name == "all") {
            mask |= kAllCapabilities;
            continue;
        }
        auto cap = capability_from_name(name);
        if (!cap)
            return Error::msg("'{}' (unknown capability '{}'; expected names such as CAP_NET_ADMIN, comma-separated, "
                              "or all)",
                              s, name);
        mask |= cap_bit(*cap);
    }
    return mask;
}

Result<void> parse_syscall_filter(std::string_view s, SyscallFilter& filter) {
    auto bad = [&](const std::string& why) { return Error::msg("Invalid --system-call-filter: '{}' ({})", s, why); };
    bool deny = s.starts_with('~');
    std::vector<std::string> items;
    std::string_view rest = deny ? s.substr(1) : s;
    constexpr std::string_view kSpace = " \t\n";
    while (!rest.empty()) {
        rest.remove_prefix(std::min(rest.find_first_not_of(kSpace), rest.size()));
        std::string_view it = rest.substr(0, rest.find_first_of(kSpace));
        rest.remove_prefix(it.size());
        if (it.empty()) continue;
        if (auto r = check_syscall_filter_item(it); !r) return bad(r.error().message());
        items.emplace_back(it);
    }
    if (items.empty())
        return bad("expected system call names or @groups separated by spaces, with a leading ~ for a deny list");
    auto& list = deny ? filter.deny : filter.allow;
    for (auto& item : items)
        if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(std::move(item));
    return ok();
}

Result<RegisterMode> parse_register_mode(std::string_view s) {
    if (s == "auto") return RegisterMode::Auto;
    if (auto b = str::parse_bool(s)) return *b ? RegisterMode::Yes : RegisterMode::No;
    return Error::msg("Invalid --register: '{}' (expected yes, no or auto)", s);
}

Result<Uuid> parse_uuid(std::string_view s) {
    if (s.size() != 32 && s.size() != 36)
        return Error::msg("Invalid --uuid: '{}' (expected 32 hexadecimal digits or a UUID)", s);
    auto u = parse_uuid_text(s);
    if (!u) return Error::msg("Invalid --uuid: '{}' (expected 32 hexadecimal digits or a UUID)", s);
    if (uuid_is_null(*u)) return Error::msg("Invalid --uuid: '{}' (machine UUID may not be all zeroes)", s);
    return *u;
}

Result<int> parse_signal(std::string_view s) {
    if (auto sig = parse_signal_name(s)) return *sig;
    return Error::msg("Invalid --kill-signal: '{}' (not a signal name or number)", s);
}

Result<std::string> parse_setenv(std::string_view s) {
    auto eq = s.find('=');
    std::string_view key = s.substr(0, eq);
    if (!env_name_is_valid(key))
        return Error::msg("Invalid --setenv: '{}' (expected NAME=VALUE with a valid variable name)", s);
    if (eq != std::string_view::npos) {
        std::string_view value = s.substr(eq + 1);
        for (char ch : value)
            if (static_cast<unsigned char>(ch) < 32 && ch != '\t' && ch != '\n')
                return Error::msg("Invalid --setenv: '{}' (control character in value)", s);
        return std::string(s);
    }
    // "NAME" alone passes the variable through from spawn's environment, as nspawn does.
    std::string k(key);
    const char* v = secure_getenv(k.c_str());
    return k + "=" + (v ? v : "");
}

Result<std::string> parse_slice(std::string_view s) {
    if (s.empty()) return Error::msg("Invalid --slice: '' (empty slice name)");
    for (char ch : s) {
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == ':' ||
                  ch == '_' || ch == '.' || ch == '-' || ch == '\\';
        if (!ok) return Error::msg("Invalid --slice: '{}' (not a valid unit name)", s);
    }
    std::string out(s);
    if (!out.ends_with(".slice")) out += ".slice";
    if (out == ".slice" || out.size() > 255) return Error::msg("Invalid --slice: '{}' (not a valid unit name)", s);
    return out;
}

Result<std::string> parse_veth_extra(std::string_view s) {
    auto parts = str::split(s, ':');
    if (parts.size() == 2 && parts[1].empty()) parts.pop_back();  // "HOSTIF:" as nspawn: same name inside
    if (parts.size() > 2 || !ifname_is_valid(parts[0]) || (parts.size() == 2 && !ifname_is_valid(parts[1])))
        return Error::msg("Invalid --network-veth-extra: '{}' (expected HOSTIF[:CONTAINERIF], valid interface names)",
                          s);
    return parts[0] + ":" + (parts.size() == 2 ? parts[1] : parts[0]);
}

Result<BindMount> parse_bind(std::string_view s, bool read_only) {
    std::string_view opt = read_only ? "--bind-ro" : "--bind";
    auto fields = split_colon_escaped(s, 3);
    BindMount m;
    m.read_only = read_only;
    m.source = fields[0];
    if (m.source.empty()) return Error::msg("Invalid {}: '{}' (empty source path)", opt, s);
    std::string src = m.source;
    bool in_tree = src.front() == '+';
    if (in_tree) {
        // "+/PATH": PATH inside the tree.
        src.erase(0, 1);
        if (src.empty() || src.front() != '/')
            return Error::msg("Invalid {}: '{}' (a source starting with '+' must continue with an absolute path)",
                              opt, s);
        if (has_dotdot_component(src))
            return Error::msg("Invalid {}: '{}' (source inside the tree may not contain '..')", opt, s);
        src = path_simplify(src);
        m.source = "+" + src;
    } else {
        // A host path; a relative one is taken from the current directory, as nspawn 252 does.
        src = TRY(host_path_argument(opt, src));
        m.source = src;
    }
    std::string dst = fields.size() >= 2 ? fields[1] : src;
    if (!container_path_ok(dst))
        return Error::msg("Invalid {}: '{}' (destination must be an absolute path without '..')", opt, s);
    m.target = path_simplify(dst);
    if (fields.size() == 3) {
        m.options = fields[2];
        for (const auto& o : str::split(m.options, ',')) {
            if (o == "rbind")
                m.recursive = true;
            else if (o == "norbind")
                m.recursive = false;
            else if (o == "noidmap")
                m.idmap = BindIdmap::None;
            else if (o == "idmap")
                m.idmap = BindIdmap::Idmap;
            else if (o == "rootidmap")
                m.idmap = BindIdmap::RootIdmap;
            else
                return Error::msg("Invalid {}: '{}' (unknown bind mount option '{}')", opt, s, o);
        }
    }
    return m;
}

Result<TmpfsMount> parse_tmpfs(std::string_view s) {
    auto fields = split_colon_escaped(s, 2);
    if (!container_path_ok(fields[0]))
        return Error::msg("Invalid --tmpfs: '{}' (path must be absolute, without '..')", s);
    TmpfsMount t;
    t.target = path_simplify(fields[0]);
    t.options = fields.size() == 2 && !fields[1].empty() ? fields[1] : "mode=0755";
    return t;
}

Result<PortForward> parse_port(std::string_view s) {
    auto bad = [&](std::string_view why) { return Error::msg("Invalid --port: '{}' ({})", s, why); };
    PortForward p;
    std::string_view rest = s;
    bool had = false;
    if (rest = str::lstrip_prefix(s, "tcp:", &had); had) {
        p.protocol = PortProtocol::Tcp;
    } else if (rest = str::lstrip_prefix(s, "udp:", &had); had) {
        p.protocol = PortProtocol::Udp;
    } else {
        rest = s;
    }
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string_view::npos) return bad("unterminated '[' in IPv6 address");
        std::string addr(rest.substr(1, close - 1));
        in6_addr a6{};
        if (inet_pton(AF_INET6, addr.c_str(), &a6) != 1) return bad("invalid IPv6 address");
        if (close + 1 >= rest.size() || rest[close + 1] != ':') return bad("expected ':' and a port after the address");
        p.host_address = addr;
        rest = rest.substr(close + 2);
    } else {
        auto colon = rest.find(':');
        std::string_view first = rest.substr(0, colon);
        if (first.find('.') != std::string_view::npos) {
            std::string addr(first);
            in_addr a4{};
            if (inet_pton(AF_INET, addr.c_str(), &a4) != 1) return bad("invalid IPv4 address");
            if (colon == std::string_view::npos) return bad("expected ':' and a port after the address");
            p.host_address = addr;
            rest = rest.substr(colon + 1);
        }
    }
    auto colon = rest.find(':');
    auto host = parse_ip_port(rest.substr(0, colon));
    if (!host) return bad("ports are numbers from 1 to 65535; expected [PROTO:][HOSTADDR:]HOSTPORT[:CONTPORT]");
    p.host_port = *host;
    p.container_port = *host;
    if (colon != std::string_view::npos) {
        auto cont = parse_ip_port(rest.substr(colon + 1));
        if (!cont) return bad("ports are numbers from 1 to 65535; expected [PROTO:][HOSTADDR:]HOSTPORT[:CONTPORT]");
        p.container_port = *cont;
    }
    return p;
}

Result<NetworkAddress> parse_network_address(std::string_view s) {
    auto bad = [&](std::string_view why) { return Error::msg("Invalid --network-address: '{}' ({})", s, why); };
    NetworkAddress na;
    auto comma = s.find(',');
    std::string_view cidr = s.substr(0, comma);
    auto slash = cidr.find('/');
    if (slash == std::string_view::npos) return bad("expected ADDR/PREFIX[,GATEWAY]");
    std::string addr(cidr.substr(0, slash));
    unsigned char buf[sizeof(in6_addr)];
    int family = 0;
    if (inet_pton(AF_INET, addr.c_str(), buf) == 1)
        family = AF_INET;
    else if (inet_pton(AF_INET6, addr.c_str(), buf) == 1)
        family = AF_INET6;
    else
        return bad("invalid IP address");
    auto prefix = str::parse_uint(cidr.substr(slash + 1));
    if (!prefix || *prefix > (family == AF_INET ? 32u : 128u)) return bad("invalid prefix length");
    na.address = addr + "/" + std::to_string(*prefix);
    if (comma != std::string_view::npos) {
        std::string gw(s.substr(comma + 1));
        if (inet_pton(family, gw.c_str(), buf) != 1) return bad("gateway must be an address of the same family");
        na.gateway = gw;
    }
    return na;
}

std::string_view console_mode_name(ConsoleMode m) {
    switch (m) {
    case ConsoleMode::Interactive: return "interactive";
    case ConsoleMode::ReadOnly: return "read-only";
    case ConsoleMode::Passive: return "passive";
    case ConsoleMode::Pipe: return "pipe";
    case ConsoleMode::Autopipe: return "autopipe";
    }
    return "?";
}

std::string_view link_journal_name(LinkJournal m) {
    switch (m) {
    case LinkJournal::No: return "no";
    case LinkJournal::Host: return "host";
    case LinkJournal::TryHost: return "try-host";
    case LinkJournal::Guest: return "guest";
    case LinkJournal::TryGuest: return "try-guest";
    case LinkJournal::Auto: return "auto";
    }
    return "?";
}

Result<SettingsMode> parse_settings_mode(std::string_view s) {
    if (s == "override") return SettingsMode::Override;
    if (s == "trusted") return SettingsMode::Trusted;
    if (auto b = str::parse_bool(s)) return *b ? SettingsMode::Yes : SettingsMode::No;
    return Error::msg("Invalid --settings: '{}' (expected yes, no, override or trusted)", s);
}

std::string_view register_mode_name(RegisterMode m) {
    switch (m) {
    case RegisterMode::Yes: return "yes";
    case RegisterMode::No: return "no";
    case RegisterMode::Auto: return "auto";
    }
    return "?";
}

Result<void> validate_network(const NetworkConfig& n) {
    const bool links = n.veth || !n.veth_extra.empty() || !n.bridge.empty() || !n.zone.empty() ||
                       !n.interfaces.empty() || !n.macvlan.empty() || !n.ipvlan.empty();
    const bool host0 = n.veth || !n.bridge.empty() || !n.zone.empty();
    if (!n.netns_path.empty()) {
        // --private-network is accepted (and means nothing more), as nspawn does.
        if (links) return Error::msg("--network-namespace-path= cannot be combined with other network options.");
        if (n.netns_path.front() != '/')
            return Error::msg("--network-namespace-path={}: must be an absolute path", n.netns_path);
    }
    if (!n.bridge.empty() && !n.zone.empty())
        return Error::msg("--network-bridge= and --network-zone= may not be combined.");
    if (!n.ports.empty() && !n.private_network && !links)
        return Error::msg("Cannot use --port= without private networking.");
    if (!n.addresses.empty() && !host0)
        return Error::msg(
            "Cannot use --network-address= without a veth link (host0: --network-veth, --network-bridge or "
            "--network-zone).");
    return ok();
}

Result<void> validate_config(const Config& c) {
    if (c.boot && c.ambient_capabilities)
        return Error::msg("--ambient-capability= is not useful with --boot (an init keeps no ambient set).");
    if (c.boot && c.as_pid2) return Error::msg("--boot and --as-pid2 may not be combined.");
    if (c.notify_ready && !c.boot)
        return Error::msg("--notify-ready=yes needs --boot (only a booted init gets a notify socket from spawn)");
    for (const auto& b : c.binds) {
        if (b.idmap == BindIdmap::None) continue;
        if (!c.userns.enabled())
            return Error::msg("--bind={}: idmap and rootidmap need a user namespace (-U or --private-users)", b.source);
        if (b.source.starts_with('+'))
            return Error::msg("--bind={}: idmap and rootidmap take a host path, not one inside the tree", b.source);
    }
    TRY(validate_root_options(c));
    if (!c.bind_users.empty() && !c.userns.enabled())
        return Error::msg("--bind-user needs a user namespace (-U or --private-users)");
    if (!c.bind_users.empty() && c.userns.mode == UserNsMode::Identity)
        return Error::msg("--bind-user cannot be combined with --private-users=identity (the host's IDs are the container's)");
    return validate_network(c.net);
}

Result<Config> parse_spawn_options(int argc, char* const argv[]) {
    Config cfg;

    // optind = 0 makes glibc reinitialise its state (including the position
    // inside a cluster of short options), so parsing is repeatable.
    optind = 0;
    opterr = 0;
    for (;;) {
        int start = optind == 0 ? 1 : optind;
        int c = getopt_long(argc, argv, kShortOptions, kLongOptions, nullptr);
        if (c == -1) break;
        // The argv element the option came from ("--directory=x", "-qD"):
        // getopt always takes the option from argv[optind] as it was before
        // the call (a cluster of short options stays in one element).
        const char* typed = start < argc ? argv[start] : nullptr;

        if (c == '?') {
            if (optopt == 0) {
                // Unknown or ambiguous long option.
                std::string_view t = typed ? typed : "";
                std::string_view nm = t.substr(0, t.find('='));
                int matches = 0;
                if (nm.starts_with("--"))
                    for (const auto* o = kLongOptions; o->name; ++o)
                        if (std::string_view(o->name).starts_with(nm.substr(2))) ++matches;
                if (matches > 1) return Error::msg("option '{}' is ambiguous", nm);
                return Error::msg("unrecognized option '{}'", nm);
            }
            if (optopt < 0x100 && !is_short_option(optopt))
                return Error::msg("invalid option -- '{}'", static_cast<char>(optopt));
            // A long option without argument given "=value".
            std::string nm = typed_name(optopt, typed);
            return Error::msg("option '{}' doesn't allow an argument", nm);
        }
        if (c == ':') return Error::msg("Option {} requires an argument", typed_name(optopt, typed));

        if (c == 'h') {
            cfg.show_help = true;
            return cfg;
        }
        if (c == ARG_VERSION) {
            cfg.show_version = true;
            return cfg;
        }
        TRY(apply_option(cfg, c, optarg, typed));
    }

    for (int i = optind; i < argc; ++i) cfg.command.emplace_back(argv[i]);
    if (!cfg.command.empty()) cfg.settings_mask |= setting::StartMode;
    TRY(validate_config(cfg));
    return cfg;
}

}  // namespace spawn
