#include "net/port.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>

#include <memory>
#include <type_traits>

#include <nftables/libnftables.h>

#include "net/plan.hpp"
#include "util/strings.hpp"

namespace spawn::net {

std::string port_table_name(const std::string& machine) {
    std::string out = "spawn-";
    for (char c : machine) {
        bool okc = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                   c == '.' || c == '_';
        out += okc ? c : '_';
    }
    return out.substr(0, 200);
}

std::string port_cleanup_script(const std::string& machine) {
    std::string t = port_table_name(machine);
    // "add" then "delete" in one transaction: removes the table whether or not
    // it exists (nft 1.0.6 has no "destroy").
    return fmt::format("add table inet {0}\ndelete table inet {0}\n", t);
}

std::string port_ruleset(const std::string& machine, const std::vector<PortForward>& ports,
                         const std::string& v4, const std::string& v6) {
    std::string t = port_table_name(machine);
    std::string s = port_cleanup_script(machine);
    s += fmt::format("add table inet {}\n", t);
    s += fmt::format("add chain inet {} prerouting {{ type nat hook prerouting priority dstnat; policy accept; }}\n", t);
    s += fmt::format("add chain inet {} output {{ type nat hook output priority -100; policy accept; }}\n", t);
    s += fmt::format("add chain inet {} postrouting {{ type nat hook postrouting priority srcnat; policy accept; }}\n", t);
    for (const auto& p : ports) {
        const char* proto = p.protocol == PortProtocol::Tcp ? "tcp" : "udp";
        int host_family = 0;
        std::string host;
        if (!p.host_address.empty()) {
            auto a = parse_ip_address(p.host_address);
            if (a.ok()) {
                host_family = a->family;
                host = a->text;
            }
        }
        for (int family : {AF_INET, AF_INET6}) {
            const std::string& dest = family == AF_INET ? v4 : v6;
            if (dest.empty()) continue;
            if (host_family && host_family != family) continue;
            const char* ip = family == AF_INET ? "ip" : "ip6";
            std::string match = host_family ? fmt::format("{} daddr {}", ip, host)
                                            : fmt::format("meta nfproto {} fib daddr type local",
                                                          family == AF_INET ? "ipv4" : "ipv6");
            std::string to = family == AF_INET ? fmt::format("{}:{}", dest, p.container_port)
                                               : fmt::format("[{}]:{}", dest, p.container_port);
            for (const char* chain : {"prerouting", "output"})
                s += fmt::format("add rule inet {} {} {} {} dport {} dnat {} to {}\n", t, chain, match, proto,
                                 p.host_port, ip, to);
        }
    }
    // Connections from the host's loopback (127.0.0.1) reach the container
    // with the source rewritten to the outgoing link's address. IPv6 has no
    // equivalent of route_localnet, so ::1 is not forwarded.
    if (!v4.empty()) s += fmt::format("add rule inet {} postrouting ip saddr 127.0.0.0/8 ip daddr {} masquerade\n", t, v4);
    return s;
}

namespace {

// libnftables, loaded when a start first needs nftables (-p, or the rules of
// a dead machine to clear): it and the five libraries it pulls in (libmnl,
// libnftnl, libxtables, libjansson, libgmp) are not loaded by every start.
struct NftLib {
    decltype(&nft_ctx_new) ctx_new = nullptr;
    decltype(&nft_ctx_free) ctx_free = nullptr;
    decltype(&nft_ctx_buffer_error) buffer_error = nullptr;
    decltype(&nft_ctx_buffer_output) buffer_output = nullptr;
    decltype(&nft_run_cmd_from_buffer) run_cmd = nullptr;
    decltype(&nft_ctx_get_error_buffer) error_buffer = nullptr;
    decltype(&nft_ctx_get_output_buffer) output_buffer = nullptr;
};

constexpr const char* kNftSoname = "libnftables.so.1";

Result<const NftLib*> nft_lib() {
    static NftLib lib;
    static std::string failed;
    static bool loaded = false;
    if (loaded) return failed.empty() ? Result<const NftLib*>(&lib) : Error(ENOENT, failed);
    loaded = true;
    void* h = dlopen(kNftSoname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    auto sym = [&](auto& fn, const char* name) {
        if (h && !(fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name)))) failed = name;
    };
    sym(lib.ctx_new, "nft_ctx_new");
    sym(lib.ctx_free, "nft_ctx_free");
    sym(lib.buffer_error, "nft_ctx_buffer_error");
    sym(lib.buffer_output, "nft_ctx_buffer_output");
    sym(lib.run_cmd, "nft_run_cmd_from_buffer");
    sym(lib.error_buffer, "nft_ctx_get_error_buffer");
    sym(lib.output_buffer, "nft_ctx_get_output_buffer");
    if (!h) failed = fmt::format("nftables: cannot load {} ({}): port forwarding needs it", kNftSoname, dlerror());
    else if (!failed.empty()) failed = fmt::format("nftables: {} has no {}", kNftSoname, failed);
    return failed.empty() ? Result<const NftLib*>(&lib) : Error(ENOENT, failed);
}

Result<std::string> nft_exec(const std::string& script, bool want_output) {
    const NftLib& nft = *TRY(nft_lib());
    struct Free {
        const NftLib* lib;
        void operator()(nft_ctx* c) const { lib->ctx_free(c); }
    };
    std::unique_ptr<nft_ctx, Free> ctx(nft.ctx_new(NFT_CTX_DEFAULT), Free{&nft});
    if (!ctx) return Error(ENOMEM, "creating an nftables context: out of memory");
    nft.buffer_error(ctx.get());
    if (want_output) nft.buffer_output(ctx.get());
    int r = nft.run_cmd(ctx.get(), script.c_str());
    if (r != 0) {
        std::string err = nft.error_buffer(ctx.get());
        auto lines = str::split(err, '\n');
        std::string first = lines.empty() ? "failed" : lines[0];
        return Error(EINVAL, "nftables: " + first);
    }
    return want_output ? std::string(nft.output_buffer(ctx.get())) : std::string();
}

}  // namespace

Result<void> nft_run(const std::string& script) {
    TRY(nft_exec(script, false));
    return ok();
}

Result<bool> port_table_exists(const std::string& machine) {
    auto out = TRY(nft_exec("list tables inet", true));
    std::string want = "table inet " + port_table_name(machine);
    for (const auto& l : str::split(out, '\n'))
        if (l == want) return true;
    return false;
}

}  // namespace spawn::net
