#include "config/root_options.hpp"

#include <cctype>

#include "config/options.hpp"
#include "config/path_args.hpp"
#include "util/strings.hpp"

namespace spawn {

Result<VolatileMode> parse_volatile(std::string_view s) {
    if (s.empty()) return VolatileMode::Yes;
    if (s == "state") return VolatileMode::State;
    if (s == "overlay") return VolatileMode::Overlay;
    if (auto b = str::parse_bool(s)) return *b ? VolatileMode::Yes : VolatileMode::No;
    return Error::msg("Invalid --volatile: '{}' (expected yes, no, state or overlay)", s);
}

std::string_view volatile_mode_name(VolatileMode m) {
    switch (m) {
    case VolatileMode::No: return "no";
    case VolatileMode::Yes: return "yes";
    case VolatileMode::State: return "state";
    case VolatileMode::Overlay: return "overlay";
    }
    return "?";
}

Result<OverlayMount> parse_overlay(std::string_view s, bool read_only) {
    std::string_view opt = read_only ? "--overlay-ro" : "--overlay";
    auto fields = split_colon_escaped(s, 0);
    if (fields.size() < 2)
        return Error::msg("Invalid {}: '{}' (needs at least two colon-separated directories)", opt, s);
    OverlayMount m;
    m.read_only = read_only;
    std::vector<std::string> sources(fields.begin(), fields.end() - (fields.size() == 2 ? 0 : 1));
    std::string dest = fields.size() == 2 ? fields[1] : fields.back();
    if (dest.starts_with('+')) dest.erase(0, 1);
    if (!container_path_ok(dest))
        return Error::msg("Invalid {}: '{}' (destination must be an absolute path without '..')", opt, s);
    m.target = path_simplify(dest);
    for (size_t i = 0; i < sources.size(); ++i) {
        std::string& src = sources[i];
        const bool top = i + 1 == sources.size();
        if (src.empty()) {
            if (!top || read_only)
                return Error::msg("Invalid {}: '{}' (only the upper directory of --overlay may be empty)", opt, s);
            continue;  // a tmpfs
        }
        if (src.front() == '+') {
            std::string in_tree = src.substr(1);
            if (!container_path_ok(in_tree))
                return Error::msg("Invalid {}: '{}' (a path starting with '+' must continue with an absolute path "
                                  "without '..')", opt, s);
            src = "+" + path_simplify(in_tree);
        } else {
            src = TRY(host_path_argument(opt, src));
        }
    }
    if (!read_only) {
        m.upper = sources.back();
        sources.pop_back();
    }
    m.lowers = std::move(sources);
    return m;
}

Result<std::string> parse_root_hash(std::string_view s) {
    bool hex = !s.empty() && s.size() % 2 == 0;
    for (char ch : s) hex = hex && str::hex_value(ch) >= 0;
    if (!hex) return Error::msg("Invalid --root-hash: '{}' (expected hexadecimal digits)", s);
    if (s.size() < 32) return Error::msg("Invalid --root-hash: '{}' (a root hash has at least 128 bits)", s);
    std::string out(s);
    for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

Result<void> validate_root_options(const Config& c) {
    if (c.ephemeral && !c.template_dir.empty()) return Error::msg("--ephemeral and --template= may not be combined.");
    if (!c.image.empty() && !c.template_dir.empty()) return Error::msg("--template= and --image= may not be combined.");
    const bool throwaway = c.ephemeral || c.volatile_mode != VolatileMode::No;
    if (throwaway && c.userns.ownership == UserNsOwnership::Chown)
        return Error::msg("--private-users-ownership=chown cannot be combined with {}: it would copy the whole tree "
                          "into memory to change its owners (use map, the default)",
                          c.ephemeral ? "--ephemeral" : "--volatile=" + std::string(volatile_mode_name(c.volatile_mode)));
    return ok();
}

bool writes_tree(const Config& c) { return !c.read_only && !c.ephemeral && c.volatile_mode == VolatileMode::No; }

}  // namespace spawn
