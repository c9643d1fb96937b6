#include "container/device_policy.hpp"

#include <fnmatch.h>

#include <cstddef>
#include <sstream>

#include "util/strings.hpp"

namespace spawn::container {
namespace {

bool normalized_path(std::string_view p) {
    if (p.empty() || p[0] != '/' || p.back() == '/') return false;
    for (const auto& part : str::split(p.substr(1), '/'))
        if (part.empty() || part == "." || part == "..") return false;
    return true;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// "rw", "mr", "" -> "rwm" order; nullopt for anything else.
std::optional<std::string> normalise_access(std::string_view a) {
    if (a.empty()) return "rwm";
    bool r = false, w = false, m = false;
    for (char c : a) {
        if (c == 'r') r = true;
        else if (c == 'w') w = true;
        else if (c == 'm') m = true;
        else return std::nullopt;
    }
    return std::string(r ? "r" : "") + (w ? "w" : "") + (m ? "m" : "");
}

// Majors of the drivers in one section ("Character devices:" / "Block devices:") whose name matches glob.
std::vector<int64_t> majors_matching(const std::string& proc_devices, bool block, const std::string& glob) {
    std::vector<int64_t> out;
    bool in_section = false;
    std::istringstream in(proc_devices);
    std::string line;
    while (std::getline(in, line)) {
        if (line == "Character devices:") { in_section = !block; continue; }
        if (line == "Block devices:") { in_section = block; continue; }
        if (!in_section) continue;
        std::istringstream l(line);
        int64_t major = -1;
        std::string name;
        if (!(l >> major >> name) || major < 0) continue;
        if (fnmatch(glob.c_str(), name.c_str(), 0) == 0) {
            bool seen = false;
            for (auto m : out) seen = seen || m == major;
            if (!seen) out.push_back(major);
        }
    }
    return out;
}

std::string number(int64_t n) { return n < 0 ? "*" : std::to_string(n); }

// --- BPF instruction helpers (the kernel's filter.h macros are not uapi) ----

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}
bpf_insn ldx_w(uint8_t dst, uint8_t src, int16_t off) { return insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0); }
bpf_insn alu32_imm(uint8_t op, uint8_t dst, int32_t imm) { return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm); }
bpf_insn mov32_reg(uint8_t dst, uint8_t src) { return insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn mov64_imm(uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }
bpf_insn jne_reg(uint8_t dst, uint8_t src, int16_t off) { return insn(BPF_JMP | BPF_JNE | BPF_X, dst, src, off, 0); }
bpf_insn jne_imm(uint8_t dst, int32_t imm, int16_t off) { return insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm); }
bpf_insn ja(int16_t off) { return insn(BPF_JMP | BPF_JA, 0, 0, off, 0); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

int32_t access_bits(const std::string& access) {
    int32_t a = 0;
    for (char c : access) {
        if (c == 'r') a |= BPF_DEVCG_ACC_READ;
        if (c == 'w') a |= BPF_DEVCG_ACC_WRITE;
        if (c == 'm') a |= BPF_DEVCG_ACC_MKNOD;
    }
    return a;
}

}  // namespace

Result<DeviceAllow> parse_device_allow(std::string_view value) {
    std::string v(value);
    auto bad = [&](std::string_view why) { return Error::msg("--property=DeviceAllow={}: {}", v, why); };
    auto ws = v.find_first_of(" \t");
    std::string spec = v.substr(0, ws);
    std::string access;
    if (ws != std::string::npos) {
        auto start = v.find_first_not_of(" \t", ws);
        if (start != std::string::npos) access = v.substr(start);
        if (access.find_first_of(" \t") != std::string::npos)
            return bad("expected DEVICE [ACCESS], e.g. \"/dev/loop-control rw\" or \"char-pts rw\"");
    }
    if (spec.empty()) return bad("expected DEVICE [ACCESS], e.g. \"/dev/loop-control rw\" or \"char-pts rw\"");
    auto acc = normalise_access(access);
    if (!acc) return bad(fmt::format("bad access \"{}\" (expected a combination of r, w and m)", access));
    bool path = starts_with(spec, "/dev/") || starts_with(spec, "/run/systemd/inaccessible/");
    bool driver = (starts_with(spec, "char-") && spec.size() > 5) || (starts_with(spec, "block-") && spec.size() > 6);
    if (path && !normalized_path(spec)) return bad(fmt::format("\"{}\" is not a normalised path", spec));
    if (!path && !driver)
        return bad(fmt::format("\"{}\" is neither a device node path below /dev/ nor char-NAME or block-NAME", spec));
    return DeviceAllow{spec, *acc};
}

std::vector<std::string> device_allow_values(const std::vector<std::string>& properties) {
    std::vector<std::string> out;
    for (const auto& p : properties)
        if (starts_with(p, "DeviceAllow=")) out.push_back(p.substr(12));
    return out;
}

std::vector<DeviceRule> closed_set_rules() {
    return {
        {'c', 1, 3, "rwm"},  // /dev/null
        {'c', 1, 5, "rwm"},  // /dev/zero
        {'c', 1, 7, "rwm"},  // /dev/full
        {'c', 1, 8, "rwm"},  // /dev/random
        {'c', 1, 9, "rwm"},  // /dev/urandom
        {'c', 5, 0, "rwm"},  // /dev/tty
        {'c', 5, 2, "rwm"},  // /dev/ptmx
        {'c', 0, 0, "rwm"},  // /run/systemd/inaccessible/chr
        {'b', 0, 0, "rwm"},  // /run/systemd/inaccessible/blk
    };
}

std::vector<DeviceAllow> nspawn_device_allow() { return {{"/dev/net/tun", "rwm"}, {"char-pts", "rw"}}; }

Result<std::vector<DeviceRule>> resolve_device_allow(const DeviceAllow& a, const DeviceFacts& facts) {
    const std::string what = a.spec + " " + a.access;
    bool block = starts_with(a.spec, "block-");
    if (block || starts_with(a.spec, "char-")) {
        std::string glob = a.spec.substr(block ? 6 : 5);
        auto majors = majors_matching(facts.proc_devices, block, glob);
        if (majors.empty())
            return Error(ENOENT, fmt::format("--property=DeviceAllow={}: no {} device driver matching \"{}\" in /proc/devices",
                                             what, block ? "block" : "character", glob));
        std::vector<DeviceRule> out;
        for (auto m : majors) out.push_back({block ? 'b' : 'c', m, -1, a.access});
        return out;
    }
    auto node = facts.stat(a.spec);
    if (!node.ok()) return std::move(node).error().context("--property=DeviceAllow=" + what);
    if (!*node) return Error::msg("--property=DeviceAllow={}: {} is not a device node", what, a.spec);
    return std::vector<DeviceRule>{{(*node)->type, (*node)->major, (*node)->minor, a.access}};
}

Result<DevicePolicy> plan_device_policy(const std::vector<std::string>& values, const std::vector<BindSource>& binds,
                                        const DeviceFacts& facts) {
    DevicePolicy p;
    p.rules = closed_set_rules();
    for (const auto& a : nspawn_device_allow()) {
        p.allow.push_back(a);
        auto r = resolve_device_allow(a, facts);
        // /dev/net/tun is 10:200 on every Linux; char-pts may be missing from
        // a stripped /proc/devices: then there is nothing to allow.
        if (r.ok()) p.rules.insert(p.rules.end(), r->begin(), r->end());
        else if (a.spec == "/dev/net/tun") p.rules.push_back({'c', 10, 200, a.access});
    }
    for (const auto& b : binds) {
        auto node = facts.stat(b.path);
        if (!node.ok()) {
            if (node.error().code() == ENOENT) continue;  // may appear later, as nspawn tolerates
            return std::move(node).error().context("checking whether the --bind source " + b.path + " is a device node");
        }
        if (!*node) continue;
        DeviceAllow a{b.path, b.read_only ? "r" : "rw"};
        p.allow.push_back(a);
        p.bind_allow.push_back(a);
        p.rules.push_back({(*node)->type, (*node)->major, (*node)->minor, a.access});
    }
    for (const auto& v : values) {
        auto a = TRY(parse_device_allow(v));
        auto rules = TRY(resolve_device_allow(a, facts));
        p.allow.push_back(a);
        p.rules.insert(p.rules.end(), rules.begin(), rules.end());
    }
    return p;
}

std::vector<std::string> device_v1_lines(const std::vector<DeviceRule>& rules) {
    std::vector<std::string> out;
    for (const auto& r : rules)
        out.push_back(fmt::format("{} {}:{} {}", r.type, number(r.major), number(r.minor), r.access));
    return out;
}

std::vector<bpf_insn> device_bpf_program(const std::vector<DeviceRule>& rules) {
    constexpr uint8_t R0 = BPF_REG_0, R1 = BPF_REG_1, R2 = BPF_REG_2, R3 = BPF_REG_3, R4 = BPF_REG_4, R5 = BPF_REG_5;
    std::vector<bpf_insn> p = {
        // r2 = device type, r3 = access, r4 = major, r5 = minor
        ldx_w(R2, R1, offsetof(bpf_cgroup_dev_ctx, access_type)),
        alu32_imm(BPF_AND, R2, 0xFFFF),
        ldx_w(R3, R1, offsetof(bpf_cgroup_dev_ctx, access_type)),
        alu32_imm(BPF_RSH, R3, 16),
        ldx_w(R4, R1, offsetof(bpf_cgroup_dev_ctx, major)),
        ldx_w(R5, R1, offsetof(bpf_cgroup_dev_ctx, minor)),
    };
    std::vector<size_t> to_allow;  // indexes of the jumps to ALLOW, fixed up below
    for (const auto& r : rules) {
        const int32_t acc = access_bits(r.access);
        const bool all_access = acc == (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD);
        const int n = (all_access ? 0 : 3) + 1 + (r.major >= 0) + (r.minor >= 0) + 1;  // instructions of this rule
        const size_t next = p.size() + static_cast<size_t>(n);
        auto to_next = [&]() { return static_cast<int16_t>(next - (p.size() + 1)); };
        if (!all_access) {
            // the requested access must be within the allowed one
            p.push_back(mov32_reg(R1, R3));
            p.push_back(alu32_imm(BPF_AND, R1, acc));
            p.push_back(jne_reg(R1, R3, to_next()));
        }
        p.push_back(jne_imm(R2, r.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, to_next()));
        if (r.major >= 0) p.push_back(jne_imm(R4, static_cast<int32_t>(r.major), to_next()));
        if (r.minor >= 0) p.push_back(jne_imm(R5, static_cast<int32_t>(r.minor), to_next()));
        to_allow.push_back(p.size());
        p.push_back(ja(0));
    }
    p.push_back(mov64_imm(R0, 0));  // DENY
    p.push_back(exit_insn());
    const size_t allow = p.size();
    p.push_back(mov64_imm(R0, 1));  // ALLOW
    p.push_back(exit_insn());
    for (size_t j : to_allow) p[j].off = static_cast<int16_t>(allow - (j + 1));
    return p;
}

}  // namespace spawn::container
