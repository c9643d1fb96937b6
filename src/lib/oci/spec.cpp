#include "oci/spec.hpp"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "config/capabilities.hpp"
#include "config/payload_options.hpp"

namespace spawn::oci {

namespace {

using json = nlohmann::json;

// A JSON value and where it is ("process.user.uid"), for messages.
struct At {
    const json& v;
    std::string path;

    At operator[](const char* key) const { return {v.at(key), path.empty() ? key : path + "." + key}; }
    At operator[](size_t i) const { return {v.at(i), path + "[" + std::to_string(i) + "]"}; }
    bool has(const char* key) const { return v.is_object() && v.contains(key) && !v.at(key).is_null(); }
    template <typename... Args>
    Error bad(fmt::format_string<Args...> what, Args&&... args) const {
        return Error::msg("{}: {}", path, fmt::format(what, std::forward<Args>(args)...));
    }
};

Result<void> expect_object(const At& a) {
    if (!a.v.is_object()) return a.bad("expected an object");
    return ok();
}
Result<void> expect_array(const At& a) {
    if (!a.v.is_array()) return a.bad("expected an array");
    return ok();
}

Result<std::string> string_of(const At& a) {
    if (!a.v.is_string()) return a.bad("expected a string");
    const auto& s = a.v.get_ref<const std::string&>();
    if (s.find('\0') != std::string::npos) return a.bad("contains a NUL byte");
    return s;
}
Result<bool> bool_of(const At& a) {
    if (!a.v.is_boolean()) return a.bad("expected true or false");
    return a.v.get<bool>();
}
Result<int64_t> int_of(const At& a, int64_t min, int64_t max) {
    if (a.v.is_number_unsigned()) {
        auto u = a.v.get<uint64_t>();
        if (u > static_cast<uint64_t>(max) || (min > 0 && u < static_cast<uint64_t>(min)))
            return a.bad("{} is out of range ({}..{})", u, min, max);
        return static_cast<int64_t>(u);
    }
    if (!a.v.is_number_integer()) return a.bad("expected an integer");
    auto i = a.v.get<int64_t>();
    if (i < min || i > max) return a.bad("{} is out of range ({}..{})", i, min, max);
    return i;
}
Result<uint64_t> uint64_of(const At& a) {
    if (a.v.is_number_unsigned()) return a.v.get<uint64_t>();
    if (a.v.is_number_integer() && a.v.get<int64_t>() >= 0) return static_cast<uint64_t>(a.v.get<int64_t>());
    return a.bad("expected an unsigned integer");
}
Result<uint32_t> uint32_of(const At& a) {
    if (!a.v.is_number_integer() || (!a.v.is_number_unsigned() && a.v.get<int64_t>() < 0) ||
        a.v.get<uint64_t>() > std::numeric_limits<uint32_t>::max())
        return a.bad("expected an unsigned 32-bit integer");
    return static_cast<uint32_t>(a.v.get<uint64_t>());
}
Result<std::vector<std::string>> strings_of(const At& a) {
    TRY(expect_array(a));
    std::vector<std::string> out;
    for (size_t i = 0; i < a.v.size(); ++i) out.push_back(TRY(string_of(a[i])));
    return out;
}
Result<std::map<std::string, std::string>> string_map_of(const At& a) {
    TRY(expect_object(a));
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : a.v.items()) out[k] = TRY(string_of(At{v, a.path + "." + k}));
    return out;
}
Result<std::string> absolute_path_of(const At& a) {
    std::string s = TRY(string_of(a));
    if (s.empty() || s[0] != '/') return a.bad("'{}' is not an absolute path", s);
    return s;
}

// Properties the specification defines that spawn does not honour yet: a
// bundle that sets them is refused, naming the field.
Result<void> refuse_set(const At& a, const char* key, std::string_view why) {
    if (!a.has(key)) return ok();
    const json& v = a.v.at(key);
    if ((v.is_array() || v.is_object()) && v.empty()) return ok();
    if (v.is_string() && v.get_ref<const std::string&>().empty()) return ok();
    return a[key].bad("{}", why);
}

Result<uint64_t> capability_set(const At& a) {
    uint64_t mask = 0;
    for (const auto& name : TRY(strings_of(a))) {
        auto cap = capability_from_name(name);
        if (!cap) return a.bad("unknown capability '{}'", name);
        mask |= cap_bit(*cap);
    }
    return mask;
}

Result<User> parse_user(const At& a) {
    TRY(expect_object(a));
    User u;
    if (!a.has("uid") || !a.has("gid")) return a.bad("needs uid and gid");
    u.uid = TRY(uint32_of(a["uid"]));
    u.gid = TRY(uint32_of(a["gid"]));
    if (a.has("umask")) {
        uint32_t m = TRY(uint32_of(a["umask"]));
        if (m > 0777) return a["umask"].bad("{:o} is not a file mode mask (0..0777)", m);
        u.umask = m;
    }
    if (a.has("additionalGids")) {
        At g = a["additionalGids"];
        TRY(expect_array(g));
        for (size_t i = 0; i < g.v.size(); ++i) u.additional_gids.push_back(TRY(uint32_of(g[i])));
    }
    TRY(refuse_set(a, "username", "a user name is for Windows containers"));
    return u;
}

Result<Process> parse_process(const At& a) {
    TRY(expect_object(a));
    Process p;
    if (a.has("terminal")) p.terminal = TRY(bool_of(a["terminal"]));
    if (!a.has("user")) return a.bad("needs user");
    p.user = TRY(parse_user(a["user"]));
    if (!a.has("args")) return a.bad("needs args");
    p.args = TRY(strings_of(a["args"]));
    if (p.args.empty()) return a["args"].bad("is empty: there is nothing to run");
    if (a.has("env")) {
        p.env = TRY(strings_of(a["env"]));
        for (size_t i = 0; i < p.env.size(); ++i)
            if (p.env[i].find('=') == std::string::npos || p.env[i][0] == '=')
                return a["env"][i].bad("'{}' is not NAME=VALUE", p.env[i]);
    }
    if (!a.has("cwd")) return a.bad("needs cwd");
    p.cwd = TRY(absolute_path_of(a["cwd"]));
    if (a.has("capabilities")) {
        At c = a["capabilities"];
        TRY(expect_object(c));
        Capabilities caps;
        std::pair<const char*, uint64_t*> sets[] = {{"bounding", &caps.bounding},
                                                    {"effective", &caps.effective},
                                                    {"inheritable", &caps.inheritable},
                                                    {"permitted", &caps.permitted},
                                                    {"ambient", &caps.ambient}};
        for (auto [key, mask] : sets)
            if (c.has(key)) *mask = TRY(capability_set(c[key]));
        p.capabilities = caps;
    }
    if (a.has("rlimits")) {
        At rl = a["rlimits"];
        TRY(expect_array(rl));
        for (size_t i = 0; i < rl.v.size(); ++i) {
            At r = rl[i];
            TRY(expect_object(r));
            if (!r.has("type") || !r.has("soft") || !r.has("hard")) return r.bad("needs type, soft and hard");
            std::string type = TRY(string_of(r["type"]));
            auto resource = type.starts_with("RLIMIT_") ? rlimit_from_name(type) : std::nullopt;
            if (!resource) return r["type"].bad("unknown resource limit '{}'", type);
            if (std::any_of(p.rlimits.begin(), p.rlimits.end(), [&](const Rlimit& x) { return x.resource == *resource; }))
                return r["type"].bad("{} is given twice", type);
            Rlimit limit{*resource, TRY(uint64_of(r["soft"])), TRY(uint64_of(r["hard"]))};
            if (limit.soft > limit.hard) return r.bad("soft limit {} is above the hard limit {}", limit.soft, limit.hard);
            p.rlimits.push_back(limit);
        }
    }
    if (a.has("noNewPrivileges")) p.no_new_privileges = TRY(bool_of(a["noNewPrivileges"]));
    if (a.has("oomScoreAdj")) p.oom_score_adj = static_cast<int>(TRY(int_of(a["oomScoreAdj"], -1000, 1000)));
    if (a.has("selinuxLabel")) p.selinux_label = TRY(string_of(a["selinuxLabel"]));
    TRY(refuse_set(a, "apparmorProfile", "AppArmor is not supported by spawn"));
    TRY(refuse_set(a, "scheduler", "is not supported by spawn yet"));
    TRY(refuse_set(a, "ioPriority", "is not supported by spawn yet"));
    TRY(refuse_set(a, "execCPUAffinity", "is not supported by spawn yet"));
    return p;
}

Result<std::vector<Mount>> parse_mounts(const At& a) {
    TRY(expect_array(a));
    std::vector<Mount> out;
    for (size_t i = 0; i < a.v.size(); ++i) {
        At m = a[i];
        TRY(expect_object(m));
        Mount mount;
        if (!m.has("destination")) return m.bad("needs destination");
        mount.destination = TRY(absolute_path_of(m["destination"]));
        if (m.has("type")) mount.type = TRY(string_of(m["type"]));
        if (m.has("source")) mount.source = TRY(string_of(m["source"]));
        if (m.has("options")) mount.options = TRY(strings_of(m["options"]));
        TRY(refuse_set(m, "uidMappings", "idmapped mounts are not supported by spawn yet"));
        TRY(refuse_set(m, "gidMappings", "idmapped mounts are not supported by spawn yet"));
        out.push_back(std::move(mount));
    }
    return out;
}

Result<std::vector<IdMapping>> parse_id_mappings(const At& a) {
    TRY(expect_array(a));
    std::vector<IdMapping> out;
    for (size_t i = 0; i < a.v.size(); ++i) {
        At m = a[i];
        TRY(expect_object(m));
        if (!m.has("containerID") || !m.has("hostID") || !m.has("size"))
            return m.bad("needs containerID, hostID and size");
        IdMapping map{TRY(uint32_of(m["containerID"])), TRY(uint32_of(m["hostID"])), TRY(uint32_of(m["size"]))};
        if (map.size == 0) return m["size"].bad("is 0");
        out.push_back(map);
    }
    return out;
}

Result<std::optional<int64_t>> optional_int(const At& a, const char* key, int64_t min, int64_t max) {
    if (!a.has(key)) return std::optional<int64_t>();
    return std::optional(TRY(int_of(a[key], min, max)));
}

Result<Resources> parse_resources(const At& a) {
    TRY(expect_object(a));
    Resources r;
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    if (a.has("memory")) {
        At m = a["memory"];
        TRY(expect_object(m));
        r.memory_limit = TRY(optional_int(m, "limit", -1, kMax));
        r.memory_reservation = TRY(optional_int(m, "reservation", -1, kMax));
        r.memory_swap = TRY(optional_int(m, "swap", -1, kMax));
        for (const char* key : {"kernel", "kernelTCP", "swappiness", "disableOOMKiller", "useHierarchy",
                                "checkBeforeUpdate"})
            TRY(refuse_set(m, key, "is not supported by spawn"));
    }
    if (a.has("cpu")) {
        At c = a["cpu"];
        TRY(expect_object(c));
        if (c.has("shares")) r.cpu_shares = TRY(uint64_of(c["shares"]));
        r.cpu_quota = TRY(optional_int(c, "quota", -1, kMax));
        if (c.has("period")) r.cpu_period = TRY(uint64_of(c["period"]));
        if (c.has("cpus")) r.cpus = TRY(string_of(c["cpus"]));
        if (c.has("mems")) r.mems = TRY(string_of(c["mems"]));
        for (const char* key : {"realtimeRuntime", "realtimePeriod", "idle", "burst"})
            TRY(refuse_set(c, key, "is not supported by spawn"));
    }
    if (a.has("pids")) {
        At p = a["pids"];
        TRY(expect_object(p));
        r.pids_limit = TRY(optional_int(p, "limit", std::numeric_limits<int64_t>::min(), kMax));
    }
    if (a.has("devices")) {
        At d = a["devices"];
        TRY(expect_array(d));
        for (size_t i = 0; i < d.v.size(); ++i) {
            At e = d[i];
            TRY(expect_object(e));
            DeviceRule rule;
            if (!e.has("allow")) return e.bad("needs allow");
            rule.allow = TRY(bool_of(e["allow"]));
            if (e.has("type")) {
                std::string t = TRY(string_of(e["type"]));
                if (t != "a" && t != "c" && t != "b") return e["type"].bad("'{}' is not a, c or b", t);
                rule.type = t[0];
            }
            rule.major = TRY(optional_int(e, "major", -1, kMax));
            rule.minor = TRY(optional_int(e, "minor", -1, kMax));
            if (rule.major == -1) rule.major.reset();
            if (rule.minor == -1) rule.minor.reset();
            if (e.has("access")) {
                rule.access = TRY(string_of(e["access"]));
                if (rule.access.find_first_not_of("rwm") != std::string::npos)
                    return e["access"].bad("'{}' is not a combination of r, w and m", rule.access);
            }
            r.devices.push_back(rule);
        }
    }
    for (const char* key : {"blockIO", "hugepageLimits", "network", "rdma", "unified"})
        TRY(refuse_set(a, key, "is not supported by spawn yet"));
    return r;
}

template <size_t N>
Result<std::string> one_of(const At& a, const char* const (&names)[N], const char* what) {
    std::string v = TRY(string_of(a));
    if (std::none_of(std::begin(names), std::end(names), [&](const char* n) { return v == n; }))
        return a.bad("unknown {} '{}'", what, v);
    return v;
}

Result<SeccompProfile> parse_seccomp(const At& a) {
    TRY(expect_object(a));
    SeccompProfile p;
    if (!a.has("defaultAction")) return a.bad("needs defaultAction");
    if (a.has("defaultAction") && a.v.at("defaultAction") == "SCMP_ACT_NOTIFY")
        return a["defaultAction"].bad("SCMP_ACT_NOTIFY (a seccomp agent) is not supported by spawn");
    p.default_action = TRY(one_of(a["defaultAction"], kSeccompActions, "action"));
    if (a.has("defaultErrnoRet")) p.default_errno_ret = TRY(uint32_of(a["defaultErrnoRet"]));
    if (a.has("architectures")) {
        p.architectures = TRY(strings_of(a["architectures"]));
        for (size_t i = 0; i < p.architectures.size(); ++i)
            if (!p.architectures[i].starts_with("SCMP_ARCH_"))
                return a["architectures"][i].bad("unknown architecture '{}'", p.architectures[i]);
    }
    if (a.has("flags")) {
        At f = a["flags"];
        TRY(expect_array(f));
        for (size_t i = 0; i < f.v.size(); ++i) p.flags.push_back(TRY(one_of(f[i], kSeccompFlags, "flag")));
    }
    TRY(refuse_set(a, "listenerPath", "a seccomp agent is not supported by spawn"));
    if (a.has("syscalls")) {
        At list = a["syscalls"];
        TRY(expect_array(list));
        for (size_t i = 0; i < list.v.size(); ++i) {
            At r = list[i];
            TRY(expect_object(r));
            SeccompRule rule;
            if (!r.has("names") || !r.has("action")) return r.bad("needs names and action");
            rule.names = TRY(strings_of(r["names"]));
            if (r.v.at("action") == "SCMP_ACT_NOTIFY")
                return r["action"].bad("SCMP_ACT_NOTIFY (a seccomp agent) is not supported by spawn");
            rule.action = TRY(one_of(r["action"], kSeccompActions, "action"));
            if (r.has("errnoRet")) rule.errno_ret = TRY(uint32_of(r["errnoRet"]));
            if (r.has("args")) {
                At args = r["args"];
                TRY(expect_array(args));
                for (size_t j = 0; j < args.v.size(); ++j) {
                    At g = args[j];
                    TRY(expect_object(g));
                    if (!g.has("index") || !g.has("value") || !g.has("op")) return g.bad("needs index, value and op");
                    SeccompArg arg;
                    arg.index = static_cast<unsigned>(TRY(int_of(g["index"], 0, 5)));
                    arg.value = TRY(uint64_of(g["value"]));
                    if (g.has("valueTwo")) arg.value_two = TRY(uint64_of(g["valueTwo"]));
                    arg.op = TRY(one_of(g["op"], kSeccompOperators, "operator"));
                    rule.args.push_back(arg);
                }
            }
            p.syscalls.push_back(std::move(rule));
        }
    }
    return p;
}

Result<std::vector<Device>> parse_devices(const At& a) {
    TRY(expect_array(a));
    std::vector<Device> out;
    for (size_t i = 0; i < a.v.size(); ++i) {
        At d = a[i];
        TRY(expect_object(d));
        Device dev;
        if (!d.has("path")) return d.bad("needs path");
        dev.path = TRY(absolute_path_of(d["path"]));
        if (!dev.path.starts_with("/dev/") || dev.path.find("/..") != std::string::npos)
            return d["path"].bad("'{}' is not a path below /dev", dev.path);
        if (!d.has("type")) return d.bad("needs type");
        std::string type = TRY(string_of(d["type"]));
        if (type != "c" && type != "u" && type != "b" && type != "p")
            return d["type"].bad("'{}' is not a device type (c, u, b or p)", type);
        dev.type = type[0];
        if (dev.type != 'p') {
            if (!d.has("major") || !d.has("minor")) return d.bad("needs major and minor");
            dev.major = TRY(int_of(d["major"], 0, 4095));
            dev.minor = TRY(int_of(d["minor"], 0, 1048575));
        }
        if (d.has("fileMode")) dev.file_mode = static_cast<uint32_t>(TRY(int_of(d["fileMode"], 0, 07777)));
        if (d.has("uid")) dev.uid = static_cast<uint32_t>(TRY(int_of(d["uid"], 0, UINT32_MAX - 1)));
        if (d.has("gid")) dev.gid = static_cast<uint32_t>(TRY(int_of(d["gid"], 0, UINT32_MAX - 1)));
        out.push_back(std::move(dev));
    }
    return out;
}

Result<void> parse_linux(const At& a, Spec& s) {
    TRY(expect_object(a));
    if (a.has("namespaces")) {
        At ns = a["namespaces"];
        TRY(expect_array(ns));
        for (size_t i = 0; i < ns.v.size(); ++i) {
            At n = ns[i];
            TRY(expect_object(n));
            if (!n.has("type")) return n.bad("needs type");
            Namespace entry{TRY(string_of(n["type"])), ""};
            if (std::none_of(std::begin(kNamespaceTypes), std::end(kNamespaceTypes),
                             [&](const char* t) { return entry.type == t; }))
                return n["type"].bad("unknown namespace type '{}'", entry.type);
            if (std::any_of(s.namespaces.begin(), s.namespaces.end(),
                            [&](const Namespace& x) { return x.type == entry.type; }))
                return n["type"].bad("the {} namespace is given twice", entry.type);
            if (n.has("path")) entry.path = TRY(absolute_path_of(n["path"]));
            s.namespaces.push_back(std::move(entry));
        }
    }
    if (a.has("uidMappings")) s.uid_mappings = TRY(parse_id_mappings(a["uidMappings"]));
    if (a.has("gidMappings")) s.gid_mappings = TRY(parse_id_mappings(a["gidMappings"]));
    if (a.has("sysctl")) s.sysctl = TRY(string_map_of(a["sysctl"]));
    if (a.has("resources")) s.resources = TRY(parse_resources(a["resources"]));
    if (a.has("cgroupsPath")) s.cgroups_path = TRY(string_of(a["cgroupsPath"]));
    for (auto [key, paths] : {std::pair{"maskedPaths", &s.masked_paths}, std::pair{"readonlyPaths", &s.readonly_paths}})
        if (a.has(key)) {
            At list = a[key];
            TRY(expect_array(list));
            for (size_t i = 0; i < list.v.size(); ++i) paths->push_back(TRY(absolute_path_of(list[i])));
        }
    if (a.has("mountLabel")) s.mount_label = TRY(string_of(a["mountLabel"]));
    if (a.has("rootfsPropagation")) {
        s.rootfs_propagation = TRY(string_of(a["rootfsPropagation"]));
        static const char* const kKnown[] = {"private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable",
                                             "runbindable"};
        if (std::none_of(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return s.rootfs_propagation == k; }))
            return a["rootfsPropagation"].bad("unknown propagation '{}'", s.rootfs_propagation);
    }
    if (a.has("personality")) {
        At p = a["personality"];
        TRY(expect_object(p));
        if (!p.has("domain")) return p.bad("needs domain");
        std::string domain = TRY(string_of(p["domain"]));
        if (domain != "LINUX" && domain != "LINUX32") return p["domain"].bad("'{}' is not LINUX or LINUX32", domain);
        TRY(refuse_set(p, "flags", "personality flags are not supported by spawn"));
        s.personality = domain;
    }
    if (a.has("seccomp")) s.seccomp = TRY(parse_seccomp(a["seccomp"]));
    if (a.has("devices")) s.devices = TRY(parse_devices(a["devices"]));
    TRY(refuse_set(a, "intelRdt", "Intel RDT is not supported by spawn"));
    TRY(refuse_set(a, "timeOffsets", "time namespaces are not supported by spawn yet"));
    TRY(refuse_set(a, "memoryPolicy", "is not supported by spawn yet"));
    TRY(refuse_set(a, "netDevices", "is not supported by spawn yet"));
    return ok();
}

Result<std::vector<Hook>> parse_hook_list(const At& a) {
    TRY(expect_array(a));
    std::vector<Hook> out;
    for (size_t i = 0; i < a.v.size(); ++i) {
        At h = a[i];
        TRY(expect_object(h));
        if (!h.has("path")) return h.bad("needs path");
        Hook hook;
        hook.path = TRY(absolute_path_of(h["path"]));
        if (h.has("args")) hook.args = TRY(strings_of(h["args"]));
        if (h.has("env")) hook.env = TRY(strings_of(h["env"]));
        if (h.has("timeout")) hook.timeout = TRY(int_of(h["timeout"], 1, INT32_MAX));
        out.push_back(std::move(hook));
    }
    return out;
}

Result<Hooks> parse_hooks(const At& a) {
    TRY(expect_object(a));
    Hooks h;
    if (a.has("prestart")) h.prestart = TRY(parse_hook_list(a["prestart"]));
    if (a.has("createRuntime")) h.create_runtime = TRY(parse_hook_list(a["createRuntime"]));
    if (a.has("createContainer")) h.create_container = TRY(parse_hook_list(a["createContainer"]));
    if (a.has("startContainer")) h.start_container = TRY(parse_hook_list(a["startContainer"]));
    if (a.has("poststart")) h.poststart = TRY(parse_hook_list(a["poststart"]));
    if (a.has("poststop")) h.poststop = TRY(parse_hook_list(a["poststop"]));
    return h;
}

// "1.0.2-dev", "1.1.0", "1.2.0": the major version spawn reads is 1.
Result<void> check_version(const At& a, const std::string& v) {
    if (!v.starts_with("1.") || v.size() < 3 || !std::isdigit(static_cast<unsigned char>(v[2])))
        return a.bad("'{}' is not a version 1.x of the OCI runtime specification", v);
    return ok();
}

Result<Spec> parse_document(const json& doc) {
    At top{doc, ""};
    if (!doc.is_object()) return Error::msg("config.json: expected a JSON object");
    Spec s;
    if (!top.has("ociVersion")) return Error::msg("ociVersion: missing");
    s.oci_version = TRY(string_of(top["ociVersion"]));
    TRY(check_version(top["ociVersion"], s.oci_version));
    if (!top.has("root")) return Error::msg("root: missing");
    At root = top["root"];
    TRY(expect_object(root));
    if (!root.has("path")) return root.bad("needs path");
    s.root_path = TRY(string_of(root["path"]));
    if (s.root_path.empty()) return root["path"].bad("is empty");
    if (root.has("readonly")) s.root_readonly = TRY(bool_of(root["readonly"]));
    if (top.has("process")) s.process = TRY(parse_process(top["process"]));
    if (top.has("hostname")) s.hostname = TRY(string_of(top["hostname"]));
    if (top.has("domainname")) s.domainname = TRY(string_of(top["domainname"]));
    if (top.has("mounts")) s.mounts = TRY(parse_mounts(top["mounts"]));
    if (top.has("linux")) TRY(parse_linux(top["linux"], s));
    if (top.has("annotations")) s.annotations = TRY(string_map_of(top["annotations"]));
    if (top.has("hooks")) s.hooks = TRY(parse_hooks(top["hooks"]));
    for (const char* key : {"solaris", "windows", "vm", "zos"})
        TRY(refuse_set(top, key, "is for another platform than Linux"));
    return s;
}

}  // namespace

namespace {

// The document of `what` (config.json, process.json), and PARSE of it. nlohmann
// reports syntax errors by exception; they stay in this function.
template <typename T, typename Parse>
Result<T> parse_json(std::string_view text, const char* what, Parse parse) {
    json doc;
    try {
        doc = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        std::string msg = e.what();
        auto at = msg.find("parse error at ");  // "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
        return Error::msg("{} is not valid JSON: {}", what, at == std::string::npos ? msg : msg.substr(at + 15));
    } catch (const json::exception& e) {  // a number too large for a double (out_of_range.406), ...
        std::string msg = e.what();
        auto end = msg.find("] ");
        return Error::msg("{} is not valid JSON: {}", what, end == std::string::npos ? msg : msg.substr(end + 2));
    }
    try {
        return parse(doc);
    } catch (const json::exception& e) {  // not expected: every access is checked first
        return Error::msg("{}: {}", what, e.what());
    }
}

}  // namespace

Result<Spec> parse_spec(std::string_view text) {
    return parse_json<Spec>(text, "config.json", [](const json& doc) { return parse_document(doc); });
}

Result<Process> parse_process_json(std::string_view text) {
    return parse_json<Process>(text, "process.json", [](const json& doc) { return parse_process(At{doc, "process"}); });
}

}  // namespace spawn::oci
