// list and ps.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "spawn-oci/runtime.hpp"
#include "spawn-oci/state_dir.hpp"
#include "util/file.hpp"
#include "util/forked.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace spawn::oci_runtime {

int cmd_list(const Globals& g, const Args& args) {
    auto p = parse_args("list", args, {{"format", 'f', true}, {"quiet", 'q', false}});
    if (!p.ok()) return exit_status(std::move(p).error());
    const std::string format = p->get("format") ? *p->get("format") : "table";
    if (format != "table" && format != "json") return exit_status(Error::msg("list: --format: expected table or json"));
    auto out = nlohmann::ordered_json::array();
    std::string table = fmt::format("{:<12} {:<10} {:<10} {:<40} {:<20} {}\n", "ID", "PID", "STATUS", "BUNDLE",
                                    "CREATED", "OWNER");
    for (const auto& id : container_ids(g.root)) {
        auto dir = StateDir::open(g.root, id);
        if (!dir.ok()) continue;
        auto state = dir->read();
        if (!state.ok() || !*state) continue;  // being created or removed
        const auto status = status_of(*dir, *state);
        if (p->has("quiet")) {
            std::printf("%s\n", id.c_str());
            continue;
        }
        const pid_t pid = status == oci::Status::Stopped ? 0 : (*state)->pid;
        if (format == "json") {
            out.push_back(nlohmann::ordered_json::parse(oci::spec_state_json(**state, status)));
        } else {
            table += fmt::format("{:<12} {:<10} {:<10} {:<40} {:<20} {}\n", id, pid, oci::status_name(status),
                                 (*state)->bundle, (*state)->created, "root");
        }
    }
    if (p->has("quiet")) return 0;
    if (format == "json") std::printf("%s\n", out.dump().c_str());
    else std::fputs(table.c_str(), stdout);
    return 0;
}

namespace {

// `ps ARGS` on the host, its output kept (stdout only).
Result<std::string> run_ps(const std::vector<std::string>& ps_args) {
    std::vector<std::string> argv = {"ps"};
    argv.insert(argv.end(), ps_args.begin(), ps_args.end());
    const auto ps = TRY(output_of_child([&argv](int out) {
        dup2(out, STDOUT_FILENO);
        execvp("ps", str::c_strings(argv).data());
        return 127;
    }, "ps's output", 16 << 20));
    if (!ps.succeeded()) return Error::msg("ps {}: failed", fmt::join(ps_args, " "));
    return ps.out;
}

}  // namespace

// ps: the container's processes (its init's PID namespace), as a JSON list of
// host PIDs or as the lines of `ps -ef` (or the ps options given) that are theirs.
int cmd_ps(const Globals& g, const Args& args) {
    auto r = [&]() -> Result<void> {
        auto p = TRY(parse_args("ps", args, {{"format", 'f', true}}));
        if (p.positional.empty()) return Error::msg("ps: expected a container ID");
        const std::string id = p.positional[0];
        const std::string format = p.get("format") ? *p.get("format") : "table";
        if (format != "table" && format != "json") return Error::msg("ps: --format: expected table or json");
        auto dir = TRY(StateDir::open(g.root, id));
        auto state = TRY(dir.read());
        std::optional<Pinned> init = state ? Pinned::pin(state->pid, state->pid_start) : std::nullopt;
        const auto pids = init ? processes_of(*init) : std::vector<pid_t>();
        if (format == "json") {
            std::printf("%s\n", nlohmann::json(pids).dump().c_str());
            return ok();
        }
        std::vector<std::string> ps_args(p.positional.begin() + 1, p.positional.end());
        if (ps_args.empty()) ps_args = {"-ef"};
        const std::string text = TRY(run_ps(ps_args));
        std::istringstream lines(text);
        std::string header;
        std::getline(lines, header);
        std::istringstream columns(header);
        std::string column;
        size_t pid_column = 0;
        for (size_t i = 0; columns >> column; ++i)
            if (column == "PID") pid_column = i + 1;
        if (pid_column == 0) return Error::msg("ps: its output has no PID column");
        std::printf("%s\n", header.c_str());
        const std::set<pid_t> ours(pids.begin(), pids.end());
        for (std::string line; std::getline(lines, line);) {
            std::istringstream fields(line);
            std::string f;
            for (size_t i = 0; i < pid_column && fields >> f; ++i) {
            }
            if (ours.count(static_cast<pid_t>(std::strtol(f.c_str(), nullptr, 10)))) std::printf("%s\n", line.c_str());
        }
        return ok();
    }();
    return exit_status(r);
}

}  // namespace spawn::oci_runtime
