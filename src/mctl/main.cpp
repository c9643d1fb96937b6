// mctl: manage machines registered with systemd-machined (machinectl
// spellings). The command line is parsed by options.cpp; each verb is one
// row of the table in verbs.cpp.
#include <unistd.h>

#include <cstdio>
#include <string_view>
#include <cstdlib>
#include <string>
#include <vector>

#include "mctl.hpp"
#include "options.hpp"
#include "util/log.hpp"

using namespace spawn;
using namespace spawn::mctl;

namespace {

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
        "  stats [NAME...]             Tasks, CPU time, memory, block IO and network bytes of\n"
        "                              machines, from their cgroups and host-side links\n"
        "  top [NAME...]               The same, refreshing, with CPU %, busiest first\n"
        "  start NAME...               Start a container from an image as a system service\n"
        "  copy-to NAME PATH [PATH]    Copy files from the host to a container\n"
        "  copy-from NAME PATH [PATH]  Copy files from a container to the host\n"
        "  bind NAME PATH [PATH]       Bind mount a path from the host into a container\n"
        "  enable NAME...              Enable automatic container start at boot\n"
        "  disable NAME...             Disable automatic container start at boot\n"
        "\n"
        "Image Commands:\n"
        "  list-images                 Show available container images\n"
        "  image-status [NAME...]      Show image details (no name: the pool)\n"
        "  show-image [NAME...]        Show properties of an image (no name: the pool)\n"
        "  clone NAME NAME             Clone an image\n"
        "  rename NAME NAME            Rename an image\n"
        "  read-only NAME [BOOL]       Mark or unmark image read-only\n"
        "  remove NAME...              Remove an image\n"
        "  set-limit [NAME] BYTES      Set image or pool size limit (disk quota; btrfs)\n"
        "  clean                       Remove hidden leftovers (or, with --all, every image\n"
        "                              not in use: asks first unless --force)\n"
        "\n"
        "Image Transfer Commands:\n"
        "  import-tar FILE [NAME]      Import a local tar container image (- : stdin)\n"
        "  import-raw FILE [NAME]      Import a local raw container or VM image (- : stdin)\n"
        "  import-fs DIRECTORY [NAME]  Import a local directory container image\n"
        "  export-tar NAME [FILE]      Export a tar container image locally (no FILE: stdout)\n"
        "  export-raw NAME [FILE]      Export a raw container or VM image locally\n"
        "  pull-tar URL [NAME]         Download a tar container image (http, https)\n"
        "  pull-raw URL [NAME]         Download a raw container or VM image (http, https)\n"
        "  list-transfers              Show list of transfers in progress\n"
        "  cancel-transfer ID...       Cancel a transfer\n"
        "\n"
        "Options:\n"
        "  -h --help                   Show this help\n"
        "     --version                Show package version\n"
        "     --no-pager               Do not pipe output into a pager (never done anyway)\n"
        "     --no-legend              Do not show the headers and footers\n"
        "     --read-only              Create read-only clone or import, read-only bind mount\n"
        "     --mkdir                  bind: create the destination (and its directories)\n"
        "     --force                  clean --all: do not ask; imports and exports: replace\n"
        "                              an existing image or file\n"
        "     --format=FORMAT          export-tar, export-raw: uncompressed, xz, gzip, bzip2 or\n"
        "                              zstd (default: by the file's suffix)\n"
        "     --verify=MODE            pull-tar, pull-raw: verification mode: no, checksum or\n"
        "                              signature (default; SHA256SUMS.gpg checked by gpgv)\n"
        "     --keyring=FILE           pull-tar, pull-raw: the keyring gpgv checks against\n"
        "  -H --host=[USER@]HOST[:PORT]\n"
        "                              Operate on the machines of a remote host (over ssh;\n"
        "                              list, status, show, poweroff, reboot, terminate, kill)\n"
        "  -M --machine=CONTAINER      Operate on the machines of a local container (its own bus)\n"
        "  -l --full                   Do not ellipsize output (mctl never does)\n"
        "     --no-ask-password        Do not ask for system passwords (mctl never does)\n"
        "     --max-addresses=N|all    Addresses list shows per machine (default 1, then …)\n"
        "  -p --property=NAME          Show only properties by this name\n"
        "     --value                  When showing properties, only print the value\n"
        "  -a --all                    Show all properties, including empty ones\n"
        "  -q --quiet                  Suppress informational messages\n"
        "  -s --signal=SIGNAL          Which signal to send (kill; also overrides the poweroff\n"
        "                              and reboot signal)\n"
        "     --kill-whom=WHOM         Whom to send the signal to: leader or all\n"
        "  -o --output=MODE            journal, status: journalctl's modes (short, short-precise,\n"
        "                              short-iso, short-iso-precise, short-full, short-monotonic,\n"
        "                              short-unix, short-delta, verbose, export, json, json-pretty,\n"
        "                              json-sse, json-seq, cat, with-unit); list, list-images, stats,\n"
        "                              top: json, json-pretty\n"
        "  -n --lines=N                Number of journal entries to show\n"
        "  -f --follow                 journal: follow new entries\n"
        "  -u --unit=UNIT              journal: only entries of this unit\n"
        "  -b --boot                   journal: only entries of the current boot\n"
        "  -E --setenv=VAR[=VALUE]     Add an environment variable for shell/exec\n"
        "     --order=KEY              top: sort by cpu (default), memory, tasks, io, net or name\n"
        "     --delay=SECONDS          top: refresh interval (default 1)\n"
        "     --iterations=N           top: stop after N refreshes\n"
        "     --no-stream              stats: print once (what stats does; top refreshes)\n"
        "     --uid=USER               Specify user ID to invoke shell as\n"
        "\n"
        "See the mctl(1) man page for details.\n",
        stdout);
}

}  // namespace

int main(int argc, char** argv) {
    log::set_program("mctl");
    auto inv = parse_mctl_args(std::vector<std::string>(argv, argv + argc), [](const char* n) -> const char* {
        return std::getenv(n);
    });
    if (!inv) return fail(inv.error());
    if (inv->help) {
        help();
        return 0;
    }
    if (inv->version) {
        std::printf("mctl %s\n", SPAWN_VERSION);
        return 0;
    }
    Options& o = inv->options;
    log::set_quiet(o.quiet);
    if (const char* s = getenv("SPAWN_BIN"); s && *s) o.spawn_bin = s;
    set_target(o);
    static constexpr const char* kLocalVerbs[] = {"exec", "shell", "login", "journal", "stats", "top", "start", "enable",
                                                  "disable", "list-images", "image-status", "show-image",
                                                  "clone", "rename", "remove", "read-only", "set-limit",
                                                  "clean", "copy-to", "copy-from", "bind", "import-tar", "import-raw",
                                                  "import-fs", "export-tar", "export-raw", "pull-tar", "pull-raw", "list-transfers",
                                                  "cancel-transfer"};
    for (const char* v : kLocalVerbs)
        if (std::string_view(inv->verb->name) == v)
            if (auto r = local_only(v); !r) return fail(r.error());
    if (inv->verb->needs_root && geteuid() != 0) {
        log::error("{}: must be run as root", inv->verb->name);
        return 1;
    }
    return inv->verb->fn(o, inv->args);
}
