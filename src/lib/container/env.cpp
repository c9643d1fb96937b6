#include "container/env.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace spawn::container {

std::vector<std::string> build_environment(const Config& cfg, const EnvFacts& facts) {
    std::vector<std::string> env;
    auto set = [&env](std::string_view name, std::string_view value) {
        std::string prefix = std::string(name) + "=";
        for (auto& e : env)
            if (e.rfind(prefix, 0) == 0) {
                e = prefix + std::string(value);
                return;
            }
        env.push_back(prefix + std::string(value));
    };
    // What spawn hands over to the payload: sockets and credentials.
    auto handed_over = [&] {
        if (facts.listen_fds > 0) {
            set("LISTEN_FDS", std::to_string(facts.listen_fds));
            set("LISTEN_PID", std::to_string(facts.listen_pid));
        }
        if (facts.credentials) set("CREDENTIALS_DIRECTORY", "/run/host/credentials");
    };
    if (cfg.exact_environment) {
        // An OCI bundle's process.env, as runc runs it: HOME added when missing.
        env = cfg.setenv;
        if (std::none_of(env.begin(), env.end(), [](const std::string& e) { return e.starts_with("HOME="); }))
            set("HOME", facts.user && !facts.user->home.empty() ? facts.user->home : "/");
        handed_over();
        return env;
    }
    set("PATH", kDefaultPath);
    set("container", kContainerManager);
    if (!facts.uuid.empty()) set("container_uuid", facts.uuid);
    if (!facts.term.empty()) set("TERM", facts.term);
    if (facts.user) {
        set("HOME", facts.user->home.empty() ? "/" : facts.user->home);
        set("USER", facts.user->name);
        set("LOGNAME", facts.user->name);
        if (!facts.user->shell.empty()) set("SHELL", facts.user->shell);
    }
    handed_over();
    for (const auto& e : cfg.setenv) {
        auto eq = e.find('=');
        if (eq == std::string::npos) continue;  // validated by the parser
        set(std::string_view(e).substr(0, eq), std::string_view(e).substr(eq + 1));
    }
    return env;
}

}  // namespace spawn::container
