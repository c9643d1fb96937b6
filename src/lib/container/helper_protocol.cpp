#include "container/helper_protocol.hpp"

#include <limits>
#include <string_view>

#include "util/strings.hpp"

namespace spawn::container {
namespace {

// "--name=value" options up to "--", then the command.
struct Parsed {
    std::vector<std::pair<std::string, std::string>> options;  // name (without --), value
    std::vector<std::string> flags;
    std::vector<std::string> rest;
};

// argv0 and the role (none for the monitor: argv0 says it).
std::optional<Parsed> split_request(const std::vector<std::string>& argv, std::string_view role, std::string* error,
                                    std::string_view argv0 = kHelperArgv0) {
    size_t i = role.empty() ? 1 : 2;
    if (argv.size() < i || argv[0] != argv0 || (!role.empty() && argv[1] != role)) {
        *error = "not a " + std::string(role.empty() ? argv0 : role) + " request";
        return std::nullopt;
    }
    Parsed p;
    for (; i < argv.size(); ++i) {
        std::string_view a = argv[i];
        if (a == "--") break;
        if (!a.starts_with("--")) {
            *error = "unexpected argument '" + std::string(a) + "'";
            return std::nullopt;
        }
        auto eq = a.find('=');
        if (eq == std::string_view::npos)
            p.flags.emplace_back(a.substr(2));
        else
            p.options.emplace_back(std::string(a.substr(2, eq - 2)), std::string(a.substr(eq + 1)));
    }
    if (i == argv.size()) {
        *error = "missing '--'";
        return std::nullopt;
    }
    p.rest.assign(argv.begin() + static_cast<long>(i) + 1, argv.end());
    return p;
}

template <typename T>
bool parse_number(const std::string& v, T* out) {
    auto n = str::parse_uint(v);
    if (!n || *n > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
    *out = static_cast<T>(*n);
    return true;
}

std::string bad(const std::string& name, const std::string& value) { return "bad --" + name + "=" + value; }

}  // namespace

std::vector<std::string> helper_args(const ExecRequest& r) {
    std::vector<std::string> a{kHelperArgv0, "exec"};
    if (r.sync_fd >= 0) a.push_back("--sync-fd=" + std::to_string(r.sync_fd));
    if (r.as_pid2) a.emplace_back("--as-pid2");
    if (r.new_session) a.emplace_back("--setsid");
    if (r.ctty) a.emplace_back("--ctty");
    if (r.uid) {
        a.push_back("--uid=" + std::to_string(*r.uid));
        a.push_back("--gid=" + std::to_string(r.gid));
        std::vector<std::string> g;
        for (gid_t x : r.groups) g.push_back(std::to_string(x));
        a.push_back("--groups=" + str::join(g, ","));
        a.push_back("--user-name=" + r.user_name);
    }
    if (r.ambient_capabilities) a.push_back("--ambient-caps=" + std::to_string(r.ambient_capabilities));
    if (!r.chdir.empty()) a.push_back((r.chdir_required ? "--chdir-required=" : "--chdir=") + r.chdir);
    if (r.listen_fds > 0) a.push_back("--listen-fds=" + std::to_string(r.listen_fds));
    if (!r.selinux_label.empty()) a.push_back("--selinux-label=" + r.selinux_label);
    for (const auto& s : r.shells) a.push_back("--shell=" + s);
    // Each hook's options follow its --start-hook.
    for (const auto& h : r.start_hooks) {
        a.push_back("--start-hook=" + h.path);
        for (const auto& x : h.args) a.push_back("--hook-arg=" + x);
        for (const auto& e : h.env) a.push_back("--hook-env=" + e);
        if (h.timeout > 0) a.push_back("--hook-timeout=" + std::to_string(h.timeout));
    }
    if (!r.start_hooks.empty()) a.push_back("--hook-state=" + r.hook_state);
    a.emplace_back("--");
    a.insert(a.end(), r.argv.begin(), r.argv.end());
    return a;
}

std::vector<std::string> helper_args(const EnterRequest& r) {
    std::vector<std::string> a{kHelperArgv0, "enter"};
    if (r.pty_socket >= 0) a.push_back("--pty-socket=" + std::to_string(r.pty_socket));
    a.push_back("--user=" + r.user);
    if (!r.term.empty()) a.push_back("--term=" + r.term);
    for (const auto& e : r.env) a.push_back("--setenv=" + e);
    for (const auto& l : r.login) a.push_back("--login=" + l);
    a.emplace_back("--");
    a.insert(a.end(), r.argv.begin(), r.argv.end());
    return a;
}

std::vector<std::string> helper_args(const MonitorRequest& r) {
    std::vector<std::string> a{kMonitorArgv0};
    for (const auto& [name, v] : {std::pair{"pid", r.pid}, {"pidfd", r.pidfd}, {"kill-signal", r.kill_signal},
                                  {"console", r.console_mode}, {"pty", r.pty}, {"relay", r.relay},
                                  {"spawn", r.spawn_fd}, {"record", r.record_fd}})
        if (v >= 0) a.push_back("--" + std::string(name) + "=" + std::to_string(v));
    a.push_back("--signals=" + r.signals);
    if (!r.terminal.empty()) a.push_back("--terminal=" + r.terminal);
    if (r.quiet) a.emplace_back("--quiet");
    a.emplace_back("--");
    a.insert(a.end(), r.argv.begin(), r.argv.end());
    return a;
}

std::optional<ExecRequest> parse_exec_request(const std::vector<std::string>& argv, std::string* error) {
    auto p = split_request(argv, "exec", error);
    if (!p) return std::nullopt;
    ExecRequest r;
    for (const auto& f : p->flags) {
        if (f == "as-pid2") r.as_pid2 = true;
        else if (f == "setsid") r.new_session = true;
        else if (f == "ctty") r.ctty = true;
        else {
            *error = "unknown flag --" + f;
            return std::nullopt;
        }
    }
    bool have_gid = false;
    for (const auto& [name, v] : p->options) {
        bool good = true;
        if (name == "sync-fd") good = parse_number(v, &r.sync_fd);
        else if (name == "uid") good = parse_number(v, &r.uid.emplace());
        else if (name == "gid") good = have_gid = parse_number(v, &r.gid);
        else if (name == "groups") {
            for (const auto& g : str::split(v, ',')) {
                if (g.empty()) continue;
                gid_t x = 0;
                if (!(good = parse_number(g, &x))) break;
                r.groups.push_back(x);
            }
        } else if (name == "user-name") r.user_name = v;
        else if (name == "ambient-caps") good = parse_number(v, &r.ambient_capabilities);
        else if (name == "chdir" || name == "chdir-required") {
            r.chdir = v;
            r.chdir_required = name == "chdir-required";
            good = !v.empty();
        } else if (name == "listen-fds") good = parse_number(v, &r.listen_fds);
        else if (name == "selinux-label") good = !(r.selinux_label = v).empty();
        else if (name == "shell") r.shells.push_back(v);
        else if (name == "start-hook") good = !(r.start_hooks.emplace_back().path = v).empty() && v[0] == '/';
        else if (name == "hook-arg" || name == "hook-env" || name == "hook-timeout") {
            if (r.start_hooks.empty()) {
                *error = "--" + name + " before --start-hook";
                return std::nullopt;
            }
            StartHook& h = r.start_hooks.back();
            if (name == "hook-arg") h.args.push_back(v);
            else if (name == "hook-env") h.env.push_back(v);
            else good = parse_number(v, &h.timeout) && h.timeout > 0;
        } else if (name == "hook-state") r.hook_state = v;
        else {
            *error = "unknown option --" + name;
            return std::nullopt;
        }
        if (!good) {
            *error = bad(name, v);
            return std::nullopt;
        }
    }
    if (r.uid && !have_gid) {
        *error = "--uid without --gid";
        return std::nullopt;
    }
    r.argv = std::move(p->rest);
    if (r.argv.empty() && r.shells.empty()) {
        *error = "nothing to execute";
        return std::nullopt;
    }
    return r;
}

std::optional<EnterRequest> parse_enter_request(const std::vector<std::string>& argv, std::string* error) {
    auto p = split_request(argv, "enter", error);
    if (!p) return std::nullopt;
    if (!p->flags.empty()) {
        *error = "unknown flag --" + p->flags.front();
        return std::nullopt;
    }
    EnterRequest r;
    for (const auto& [name, v] : p->options) {
        if (name == "pty-socket") {
            if (!parse_number(v, &r.pty_socket)) {
                *error = bad(name, v);
                return std::nullopt;
            }
        } else if (name == "user") r.user = v;
        else if (name == "term") r.term = v;
        else if (name == "setenv") {
            if (v.find('=') == std::string::npos || v[0] == '=') {
                *error = bad(name, v);
                return std::nullopt;
            }
            r.env.push_back(v);
        } else if (name == "login") r.login.push_back(v);
        else {
            *error = "unknown option --" + name;
            return std::nullopt;
        }
    }
    if (r.user.empty()) {
        *error = "empty --user";
        return std::nullopt;
    }
    r.argv = std::move(p->rest);
    return r;
}

std::optional<MonitorRequest> parse_monitor_request(const std::vector<std::string>& argv, std::string* error) {
    auto p = split_request(argv, "", error, kMonitorArgv0);
    if (!p) return std::nullopt;
    MonitorRequest r;
    for (const auto& f : p->flags) {
        if (f != "quiet") {
            *error = "unknown flag --" + f;
            return std::nullopt;
        }
        r.quiet = true;
    }
    for (const auto& [name, v] : p->options) {
        bool good;
        if (name == "pid") good = parse_number(v, &r.pid) && r.pid > 0;
        else if (name == "pidfd") good = parse_number(v, &r.pidfd);
        else if (name == "kill-signal") good = parse_number(v, &r.kill_signal) && r.kill_signal > 0;
        else if (name == "console") good = parse_number(v, &r.console_mode);
        else if (name == "pty") good = parse_number(v, &r.pty);
        else if (name == "relay") good = parse_number(v, &r.relay);
        else if (name == "spawn") good = parse_number(v, &r.spawn_fd);
        else if (name == "record") good = parse_number(v, &r.record_fd);
        else if (name == "signals") good = !(r.signals = v).empty();
        else if (name == "terminal") r.terminal = v;
        else {
            *error = "unknown option --" + name;
            return std::nullopt;
        }
        if (!good) {
            *error = bad(name, v);
            return std::nullopt;
        }
    }
    r.argv = std::move(p->rest);
    if (r.pid <= 0 || r.pidfd < 0 || r.kill_signal <= 0 || r.spawn_fd < 0 || r.record_fd < 0 || r.signals.empty() ||
        r.argv.empty()) {
        *error = "a monitor request needs --pid, --pidfd, --kill-signal, --spawn, --record, --signals and spawn's command line";
        return std::nullopt;
    }
    return r;
}

}  // namespace spawn::container
