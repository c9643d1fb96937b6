// mctl: manage machines registered with systemd-machined (machinectl
// spellings). Options are parsed here; each verb is one row of kVerbs.
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "mctl.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

using namespace spawn;
using namespace spawn::mctl;

namespace {

struct Verb {
    const char* name;
    int min_args;          // positional arguments after the verb
    int max_args;          // INT_MAX: unlimited
    Handler fn;
    bool raw_after_name;   // options after the machine name belong to the command (exec, shell)
    bool needs_root;
};

constexpr int kMany = INT_MAX;

const Verb kVerbs[] = {
    {"list", 0, 0, verb_list, false, false},
    {"status", 1, kMany, verb_status, false, false},
    {"show", 0, kMany, verb_show, false, false},
    {"login", 0, 1, verb_login, false, true},
    {"shell", 0, kMany, verb_shell, true, true},
    {"exec", 2, kMany, verb_exec, true, true},
    {"poweroff", 1, kMany, verb_poweroff, false, true},
    {"reboot", 1, kMany, verb_reboot, false, true},
    {"terminate", 1, kMany, verb_terminate, false, true},
    {"kill", 1, kMany, verb_kill, false, true},
    {"journal", 1, 1, verb_journal, false, true},
    {"stats", 0, kMany, verb_stats, false, false},
    {"list-images", 0, 0, verb_list_images, false, false},
    {"image-status", 1, kMany, verb_image_status, false, false},
    {"show-image", 0, kMany, verb_show_image, false, false},
    {"start", 1, kMany, verb_start, false, true},
    {"enable", 1, kMany, verb_enable, false, true},
    {"disable", 1, kMany, verb_disable, false, true},
};

void help() {
    std::fputs(
        "mctl [OPTIONS...] COMMAND ...\n"
        "\n"
        "Manage machines registered with systemd-machined (machinectl compatible).\n"
        "\n"
        "Machine Commands:\n"
        "  list                        List running machines\n"
        "  status NAME...              Show machine details, processes and recent log lines\n"
        "  show [NAME...]              Show properties of one or more machines\n"
        "  login [NAME]                Get a login prompt in a machine (falls back to the guest's\n"
        "                              login on a new pty when the guest has no D-Bus)\n"
        "  shell [[USER@]NAME [COMMAND...]]\n"
        "                              Invoke a shell (or other command) in a machine\n"
        "  exec NAME COMMAND...        Run a command in the machine's namespaces and cgroup with\n"
        "                              stdio passed through; returns the command's exit status\n"
        "  poweroff NAME...            Power off one or more machines (SIGRTMIN+4 to the leader)\n"
        "  reboot NAME...              Reboot one or more machines (SIGINT to the leader)\n"
        "  terminate NAME...           Terminate one or more machines\n"
        "  kill NAME...                Send a signal to processes of a machine\n"
        "  journal NAME                Show the guest's journal (as journalctl -M NAME)\n"
        "  stats [NAME...]             Tasks, CPU time and memory of machines, from their cgroups\n"
        "  start NAME...               Start a container from an image as a system service\n"
        "  enable NAME...              Enable automatic container start at boot\n"
        "  disable NAME...             Disable automatic container start at boot\n"
        "\n"
        "Image Commands:\n"
        "  list-images                 Show available container images\n"
        "  image-status [NAME...]      Show image details\n"
        "  show-image [NAME...]        Show properties of an image\n"
        "\n"
        "Options:\n"
        "  -h --help                   Show this help\n"
        "     --version                Show package version\n"
        "     --no-pager               Do not pipe output into a pager (never done anyway)\n"
        "     --no-legend              Do not show the headers and footers\n"
        "  -p --property=NAME          Show only properties by this name\n"
        "     --value                  When showing properties, only print the value\n"
        "  -a --all                    Show all properties, including empty ones\n"
        "  -q --quiet                  Suppress informational messages\n"
        "  -s --signal=SIGNAL          Which signal to send (kill; also overrides the poweroff\n"
        "                              and reboot signal)\n"
        "     --kill-whom=WHOM         Whom to send the signal to: leader or all\n"
        "  -o --output=MODE            list, list-images: json; journal: short, cat, json\n"
        "  -n --lines=N                Number of journal entries to show\n"
        "  -f --follow                 journal: follow new entries\n"
        "  -u --unit=UNIT              journal: only entries of this unit\n"
        "  -b --boot                   journal: only entries of the current boot\n"
        "  -E --setenv=VAR[=VALUE]     Add an environment variable for shell/exec\n"
        "     --uid=USER               Specify user ID to invoke shell as\n"
        "\n"
        "See the mctl(1) man page for details.\n",
        stdout);
}

// Returns the value of an option: "--opt=value", "--opt value", "-ovalue", "-o value".
bool take_value(const std::vector<std::string>& argv, size_t& i, const std::string& arg, size_t name_len, std::string& out) {
    if (arg.size() > name_len && arg[name_len] == '=') {
        out = arg.substr(name_len + 1);
        return true;
    }
    if (arg.size() > name_len && arg[1] != '-') {
        out = arg.substr(name_len);
        return true;
    }
    if (i + 1 >= argv.size()) return false;
    out = argv[++i];
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    log::set_program("mctl");
    std::vector<std::string> args(argv + 1, argv + argc);
    Options o;
    if (const char* s = getenv("SPAWN_BIN"); s && *s) o.spawn_bin = s;
    std::vector<std::string> pos;
    const Verb* verb = nullptr;
    bool raw = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (raw || a.empty() || a[0] != '-' || a == "-") {
            pos.push_back(a);
            if (!verb) {
                for (const auto& v : kVerbs)
                    if (pos[0] == v.name) verb = &v;
            } else if (verb->raw_after_name && pos.size() >= 2) {
                raw = true;  // everything after the machine name is the command
            }
            continue;
        }
        if (a == "--") {
            raw = true;
            continue;
        }
        std::string name = a.substr(0, a.find('='));
        auto value = [&](size_t len, std::string& out) {
            if (!take_value(args, i, a, len, out)) {
                log::error("option {} needs a value", name);
                std::exit(1);
            }
        };
        std::string v;
        auto is = [&](const char* shortopt, const char* longopt) {
            return (shortopt && a.rfind(shortopt, 0) == 0 && a.size() >= 2 && a[1] != '-') || (longopt && name == longopt);
        };
        if (a == "-h" || a == "--help") { help(); return 0; }
        else if (a == "--version") { std::printf("mctl %s\n", SPAWN_VERSION); return 0; }
        else if (a == "--no-pager") o.pager = false;
        else if (a == "--no-legend") o.legend = false;
        else if (a == "--value") o.value = true;
        else if (a == "-a" || a == "--all") o.all = true;
        else if (a == "-q" || a == "--quiet") { o.quiet = true; log::set_quiet(true); }
        else if (a == "-f" || a == "--follow") o.follow = true;
        else if (a == "-b" || a == "--boot") o.this_boot = true;
        else if (is("-p", "--property")) { value(a[1] == '-' ? 10 : 2, v); for (auto& p : str::split(v, ',')) o.properties.push_back(p); }
        else if (is("-o", "--output")) { value(a[1] == '-' ? 8 : 2, v); o.output = v; o.output_set = true; }
        else if (is("-s", "--signal")) {
            value(a[1] == '-' ? 8 : 2, v);
            auto sig = parse_signal_name(v);
            if (!sig) { log::error("--signal={}: unknown signal", v); return 1; }
            o.signal = *sig;
        }
        else if (name == "--kill-whom") {
            value(11, v);
            if (v != "leader" && v != "all") { log::error("--kill-whom={}: expected leader or all", v); return 1; }
            o.kill_whom = v;
        }
        else if (is("-n", "--lines")) {
            value(a[1] == '-' ? 7 : 2, v);
            auto n = str::parse_uint(v);
            if (!n || *n > 1000000000) { log::error("--lines={}: expected a non-negative number", v); return 1; }
            o.lines = static_cast<int>(*n);
        }
        else if (is("-u", "--unit")) { value(a[1] == '-' ? 6 : 2, v); o.unit = v; }
        else if (is("-E", "--setenv")) {
            value(a[1] == '-' ? 8 : 2, v);
            if (v.empty() || v[0] == '=') { log::error("--setenv={}: expected VAR=VALUE", v); return 1; }
            if (v.find('=') == std::string::npos) {
                const char* e = getenv(v.c_str());
                if (!e) continue;
                v += std::string("=") + e;
            }
            o.setenv.push_back(v);
        }
        else if (name == "--uid") { value(5, v); o.uid = v; }
        else { log::error("unknown option {} (see mctl --help)", a); return 1; }
    }
    if (pos.empty()) {
        pos.push_back("list");
        verb = &kVerbs[0];
    }
    if (!verb) {
        log::error("unknown command \"{}\" (see mctl --help)", pos[0]);
        return 1;
    }
    std::vector<std::string> rest(pos.begin() + 1, pos.end());
    int n = static_cast<int>(rest.size());
    if (n < verb->min_args) {
        log::error("{}: too few arguments", verb->name);
        return 1;
    }
    if (n > verb->max_args) {
        log::error("{}: too many arguments", verb->name);
        return 1;
    }
    if (o.output_set && o.output != "short" && o.output != "json" && o.output != "json-pretty" && o.output != "cat" &&
        o.output != "verbose" && o.output != "table") {
        log::error("--output={}: unknown output mode (short, cat, json, json-pretty)", o.output);
        return 1;
    }
    if (verb->needs_root && geteuid() != 0) {
        log::error("{}: must be run as root", verb->name);
        return 1;
    }
    return verb->fn(o, rest);
}
