#include "container/etc_plan.hpp"

namespace spawn::container {

ResolvConfPlan plan_resolv_conf(ResolvConfMode mode, const EtcFacts& f) {
    using M = ResolvConfMode;
    using A = ResolvConfPlan::Action;
    M m = mode;
    if (m == M::Auto) {
        if (f.private_network)
            m = M::Off;  // the host's resolvers may be unreachable from there: the guest's own file stays
        else if (f.resolved_stub)
            m = f.etc_writable ? M::CopyStub : M::BindStub;
        else if (f.host_resolv_conf)
            m = f.etc_writable ? M::CopyHost : M::BindHost;
        else
            m = f.etc_writable ? M::Delete : M::Off;
    }
    ResolvConfPlan p;
    switch (m) {
    case M::Off: case M::Auto: return p;
    case M::Delete: p.action = A::Delete; return p;
    case M::CopyHost: case M::CopyStatic: case M::CopyUplink: case M::CopyStub: p.action = A::Copy; break;
    case M::ReplaceHost: case M::ReplaceStatic: case M::ReplaceUplink: case M::ReplaceStub: p.action = A::Replace; break;
    case M::BindHost: case M::BindStatic: case M::BindUplink: case M::BindStub: p.action = A::Bind; break;
    }
    switch (m) {
    case M::CopyStatic: case M::ReplaceStatic: case M::BindStatic: p.source = kStaticResolvConf; break;
    case M::CopyUplink: case M::ReplaceUplink: case M::BindUplink: p.source = kUplinkResolvConf; break;
    case M::CopyStub: case M::ReplaceStub: case M::BindStub: p.source = kStubResolvConf; break;
    default: p.source = kHostResolvConf; break;
    }
    return p;
}

std::optional<std::string> zone_of_link(std::string_view target) {
    for (std::string_view prefix : {"../usr/share/zoneinfo/", "/usr/share/zoneinfo/"})
        if (target.starts_with(prefix) && target.size() > prefix.size())
            return std::string(target.substr(prefix.size()));
    return std::nullopt;
}

TimezonePlan plan_timezone(TimezoneMode mode, const EtcFacts& f, std::string* warning) {
    using M = TimezoneMode;
    using A = TimezonePlan::Action;
    using L = EtcFacts::Localtime;
    M m = mode;
    if (m == M::Auto || m == M::Symlink) {
        if (f.localtime == L::Missing && m == M::Auto)
            m = f.etc_writable ? M::Delete : M::Off;
        else if (f.localtime == L::Regular && m == M::Auto)
            m = f.etc_writable ? M::Copy : M::Bind;
        else if (f.localtime != L::Symlink) {
            if (warning) *warning = "Failed to read the host's /etc/localtime symlink, not updating the container's timezone";
            return {};
        } else if (m == M::Auto)
            m = f.etc_writable ? M::Symlink : M::Bind;
    }
    TimezonePlan p;
    switch (m) {
    case M::Off: case M::Auto: return p;
    case M::Delete: p.action = A::Delete; return p;
    case M::Copy: p.action = A::Copy; return p;
    case M::Bind: p.action = A::Bind; return p;
    case M::Symlink: {
        auto zone = zone_of_link(f.localtime_target);
        if (!zone) {
            if (warning) *warning = "/etc/localtime does not point into /usr/share/zoneinfo/, not updating the container's timezone";
            return p;
        }
        p.action = A::Symlink;
        p.zone = *zone;
        return p;
    }
    }
    return p;
}

}  // namespace spawn::container
