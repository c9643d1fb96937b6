#include "config/etc_options.hpp"

#include <array>
#include <utility>

namespace spawn {

namespace {

constexpr std::array<std::pair<ResolvConfMode, std::string_view>, 15> kResolvConf = {{
    {ResolvConfMode::Off, "off"},
    {ResolvConfMode::CopyHost, "copy-host"},
    {ResolvConfMode::CopyStatic, "copy-static"},
    {ResolvConfMode::CopyUplink, "copy-uplink"},
    {ResolvConfMode::CopyStub, "copy-stub"},
    {ResolvConfMode::ReplaceHost, "replace-host"},
    {ResolvConfMode::ReplaceStatic, "replace-static"},
    {ResolvConfMode::ReplaceUplink, "replace-uplink"},
    {ResolvConfMode::ReplaceStub, "replace-stub"},
    {ResolvConfMode::BindHost, "bind-host"},
    {ResolvConfMode::BindStatic, "bind-static"},
    {ResolvConfMode::BindUplink, "bind-uplink"},
    {ResolvConfMode::BindStub, "bind-stub"},
    {ResolvConfMode::Delete, "delete"},
    {ResolvConfMode::Auto, "auto"},
}};

constexpr std::array<std::pair<TimezoneMode, std::string_view>, 6> kTimezone = {{
    {TimezoneMode::Off, "off"},
    {TimezoneMode::Copy, "copy"},
    {TimezoneMode::Bind, "bind"},
    {TimezoneMode::Symlink, "symlink"},
    {TimezoneMode::Delete, "delete"},
    {TimezoneMode::Auto, "auto"},
}};

}  // namespace

Result<ResolvConfMode> parse_resolv_conf_mode(std::string_view s) {
    for (auto [m, n] : kResolvConf)
        if (s == n) return m;
    return Error::msg("Invalid --resolv-conf: '{}' (expected off, copy-host, copy-static, copy-uplink, copy-stub, "
                      "replace-host, replace-static, replace-uplink, replace-stub, bind-host, bind-static, "
                      "bind-uplink, bind-stub, delete or auto)",
                      s);
}

Result<TimezoneMode> parse_timezone_mode(std::string_view s) {
    for (auto [m, n] : kTimezone)
        if (s == n) return m;
    return Error::msg("Invalid --timezone: '{}' (expected off, copy, bind, symlink, delete or auto)", s);
}

std::string_view resolv_conf_mode_name(ResolvConfMode m) {
    for (auto [k, n] : kResolvConf)
        if (k == m) return n;
    return "?";
}

std::string_view timezone_mode_name(TimezoneMode m) {
    for (auto [k, n] : kTimezone)
        if (k == m) return n;
    return "?";
}

}  // namespace spawn
