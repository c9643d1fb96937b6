#include "options.hpp"

#include <getopt.h>

#include <cstdint>
#include <cstdlib>

#include "journal/format.hpp"
#include "util/strings.hpp"

namespace spawn::mctl {
namespace {

enum { ARG_VERSION = 0x100, ARG_NO_PAGER, ARG_NO_LEGEND, ARG_VALUE, ARG_KILL_WHOM, ARG_UID, ARG_NO_ASK_PASSWORD,
       ARG_MAX_ADDRESSES, ARG_READ_ONLY, ARG_FORCE, ARG_ITERATIONS, ARG_DELAY, ARG_ORDER, ARG_NO_STREAM, ARG_FORMAT, ARG_VERIFY, ARG_KEYRING, ARG_MKDIR };
constexpr int ARG_HOST = 'H', ARG_MACHINE = 'M';

const struct option kLongOptions[] = {
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, ARG_VERSION},
    {"no-pager", no_argument, nullptr, ARG_NO_PAGER},
    {"no-legend", no_argument, nullptr, ARG_NO_LEGEND},
    {"property", required_argument, nullptr, 'p'},
    {"value", no_argument, nullptr, ARG_VALUE},
    {"all", no_argument, nullptr, 'a'},
    {"quiet", no_argument, nullptr, 'q'},
    {"signal", required_argument, nullptr, 's'},
    {"kill-whom", required_argument, nullptr, ARG_KILL_WHOM},
    {"output", required_argument, nullptr, 'o'},
    {"lines", required_argument, nullptr, 'n'},
    {"follow", no_argument, nullptr, 'f'},
    {"unit", required_argument, nullptr, 'u'},
    {"boot", no_argument, nullptr, 'b'},
    {"setenv", required_argument, nullptr, 'E'},
    {"uid", required_argument, nullptr, ARG_UID},
    {"host", required_argument, nullptr, ARG_HOST},
    {"full", no_argument, nullptr, 'l'},
    {"no-ask-password", no_argument, nullptr, ARG_NO_ASK_PASSWORD},
    {"max-addresses", required_argument, nullptr, ARG_MAX_ADDRESSES},
    {"read-only", no_argument, nullptr, ARG_READ_ONLY},
    {"force", no_argument, nullptr, ARG_FORCE},
    {"machine", required_argument, nullptr, ARG_MACHINE},
    {"iterations", required_argument, nullptr, ARG_ITERATIONS},
    {"delay", required_argument, nullptr, ARG_DELAY},
    {"order", required_argument, nullptr, ARG_ORDER},
    {"no-stream", no_argument, nullptr, ARG_NO_STREAM},
    {"format", required_argument, nullptr, ARG_FORMAT},
    {"verify", required_argument, nullptr, ARG_VERIFY},
    {"keyring", required_argument, nullptr, ARG_KEYRING},
    {"mkdir", no_argument, nullptr, ARG_MKDIR},
    {nullptr, 0, nullptr, 0},
};

// '-' first: non-options come back in order (as code 1), so the machine name
// of exec/shell is seen before the options that follow it; ':' next: a
// missing value is reported as ':', not as an unknown option.
constexpr const char* kShortOptions = "-:hp:aqs:o:n:fu:bE:H:M:l";

// The option as the user wrote it, for messages.
std::string spelled(const std::vector<std::string>& argv, int index) {
    return index > 0 && static_cast<size_t>(index) <= argv.size() ? argv[static_cast<size_t>(index) - 1] : "?";
}

Result<void> set_option(Options& o, int c, const std::string& v, const char* (*getenv_fn)(const char*)) {
    switch (c) {
    case ARG_NO_PAGER: break;  // never paged
    case 'l': break;           // never ellipsized
    case ARG_NO_ASK_PASSWORD: break;  // nothing asks: no polkit prompts
    case ARG_MAX_ADDRESSES: {
        if (v == "all") {
            o.max_addresses = SIZE_MAX;
            break;
        }
        auto n = str::parse_uint(v);
        if (!n || *n > 1000000) return Error::msg("--max-addresses={}: expected a number or all", v);
        o.max_addresses = static_cast<size_t>(*n);
        break;
    }
    case ARG_NO_LEGEND: o.legend = false; break;
    case ARG_VALUE: o.value = true; break;
    case ARG_READ_ONLY: o.read_only = true; break;
    case ARG_FORCE: o.force = true; break;
    case ARG_FORMAT: o.format = v; break;  // checked by the export verbs (mctl/transfer_names)
    case ARG_VERIFY:
        if (v != "no" && v != "checksum" && v != "signature")
            return Error::msg("--verify={}: expected no, checksum or signature", v);
        o.verify = v;
        break;
    case ARG_KEYRING: o.keyring = v; break;
    case ARG_MKDIR: o.mkdir = true; break;
    case ARG_NO_STREAM: break;  // stats prints once anyway (top is the live view)
    case ARG_ITERATIONS: {
        auto n = str::parse_uint(v);
        if (!n || *n == 0 || *n > 1000000000) return Error::msg("--iterations={}: expected a positive number", v);
        o.iterations = *n;
        break;
    }
    case ARG_DELAY: {
        char* end = nullptr;
        const double s = std::strtod(v.c_str(), &end);
        if (v.empty() || *end || !(s >= 0.05 && s <= 3600)) return Error::msg("--delay={}: expected seconds between 0.05 and 3600", v);
        o.delay_ms = static_cast<int>(s * 1000);
        break;
    }
    case ARG_ORDER:
        if (v != "cpu" && v != "memory" && v != "tasks" && v != "io" && v != "net" && v != "name")
            return Error::msg("--order={}: expected cpu, memory, tasks, io, net or name", v);
        o.order = v;
        break;
    case 'a': o.all = true; break;
    case 'q': o.quiet = true; break;
    case 'f': o.follow = true; break;
    case 'b': o.this_boot = true; break;
    case 'p':
        for (auto& p : str::split(v, ',')) o.properties.push_back(p);
        break;
    case 'o': {
        auto f = journal::parse_format(v);  // journalctl's modes; list and list-images also read json, json-pretty
        if (!f) return f.error();
        o.journal_format = *f;
        o.output = v;
        o.output_set = true;
        break;
    }
    case 's': {
        auto sig = parse_signal_name(v);
        if (!sig) return Error::msg("--signal={}: unknown signal", v);
        o.signal = *sig;
        break;
    }
    case ARG_KILL_WHOM:
        if (v != "leader" && v != "all") return Error::msg("--kill-whom={}: expected leader or all", v);
        o.kill_whom = v;
        break;
    case 'n': {
        auto n = str::parse_uint(v);
        if (!n || *n > 1000000000) return Error::msg("--lines={}: expected a non-negative number", v);
        o.lines = static_cast<int>(*n);
        break;
    }
    case 'u': o.unit = v; break;
    case 'E': {
        if (v.empty() || v[0] == '=') return Error::msg("--setenv={}: expected VAR=VALUE", v);
        if (v.find('=') != std::string::npos) {
            o.setenv.push_back(v);
        } else if (const char* e = getenv_fn ? getenv_fn(v.c_str()) : nullptr) {
            o.setenv.push_back(v + "=" + e);
        }  // VAR unset in our environment: nothing to pass, as machinectl
        break;
    }
    case ARG_UID: o.uid = v; break;
    case ARG_HOST:
        if (v.empty() || v.find_first_of(" \t\n,;") != std::string::npos || v.front() == '-')
            return Error::msg("--host={}: expected [USER@]HOST[:PORT]", v);
        o.host = v;
        break;
    case ARG_MACHINE:
        if (v.empty() || v.find('/') != std::string::npos || v.front() == '-' || v.size() > 64)
            return Error::msg("--machine={}: not a machine name", v);
        o.machine = v;
        break;
    }
    return ok();
}

}  // namespace

Result<Invocation> parse_mctl_args(const std::vector<std::string>& argv, const char* (*getenv_fn)(const char*)) {
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    const int argc = static_cast<int>(argv.size());

    Invocation inv;
    std::vector<std::string> positional;
    opterr = 0;
    optind = 0;  // a full re-initialisation (GNU), so the parser can run more than once
    for (;;) {
        int c = getopt_long(argc, cargv.data(), kShortOptions, kLongOptions, nullptr);
        if (c == -1) break;
        if (c == 1) {
            positional.emplace_back(optarg);
            if (positional.size() == 1) inv.verb = find_verb(positional[0]);
            // exec NAME CMD..., shell NAME CMD...: stop at the machine name.
            if (inv.verb && inv.verb->raw_after_name && positional.size() == 2) break;
            continue;
        }
        if (c == ':') return Error::msg("option {} needs a value", spelled(argv, optind));
        if (c == '?') {
            if (optopt != 0 && optopt < 0x100)
                return Error::msg("unknown option -{} (see mctl --help)", static_cast<char>(optopt));
            std::string what = spelled(argv, optind);
            return Error::msg("unknown option {} (see mctl --help)", what.substr(0, what.find('=')));
        }
        if (c == 'h') {
            inv.help = true;
            return inv;
        }
        if (c == ARG_VERSION) {
            inv.version = true;
            return inv;
        }
        TRY(set_option(inv.options, c, optarg ? optarg : "", getenv_fn));
    }
    // After "--" (or the machine name of exec/shell): all positional.
    for (int i = optind; i < argc; ++i) positional.push_back(argv[static_cast<size_t>(i)]);

    if (!inv.options.host.empty() && !inv.options.machine.empty())
        return Error::msg("-H/--host= and -M/--machine= may not be combined");
    if (positional.empty()) {
        inv.verb = &default_verb();
        return inv;
    }
    if (!inv.verb) inv.verb = find_verb(positional[0]);
    if (!inv.verb) return Error::msg("unknown command \"{}\" (see mctl --help)", positional[0]);
    inv.args.assign(positional.begin() + 1, positional.end());
    int n = static_cast<int>(inv.args.size());
    if (n < inv.verb->min_args) return Error::msg("{}: too few arguments", inv.verb->name);
    if (n > inv.verb->max_args) return Error::msg("{}: too many arguments", inv.verb->name);
    return inv;
}

}  // namespace spawn::mctl
