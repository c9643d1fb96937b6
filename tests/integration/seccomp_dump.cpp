#include "seccomp_dump.hpp"

#include <linux/seccomp.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace spawn::test {

std::vector<BpfProgram> dump_seccomp_filters(pid_t pid, std::string* err) {
    std::vector<BpfProgram> out;
    if (ptrace(PTRACE_SEIZE, pid, nullptr, nullptr) < 0) {
        *err = fmt::format("PTRACE_SEIZE {}: {}", pid, std::strerror(errno));
        return out;
    }
    int st = 0;
    if (ptrace(PTRACE_INTERRUPT, pid, nullptr, nullptr) < 0 || waitpid(pid, &st, __WALL) != pid) {
        *err = fmt::format("stopping {}: {}", pid, std::strerror(errno));
        ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
        return out;
    }
    for (long i = 0;; ++i) {
        long n = ptrace(static_cast<__ptrace_request>(PTRACE_SECCOMP_GET_FILTER), pid, i, nullptr);
        if (n < 0) {
            if (errno != ENOENT) *err = fmt::format("PTRACE_SECCOMP_GET_FILTER {}: {}", i, std::strerror(errno));
            break;
        }
        BpfProgram prog(static_cast<size_t>(n));
        if (ptrace(static_cast<__ptrace_request>(PTRACE_SECCOMP_GET_FILTER), pid, i, prog.data()) != n) {
            *err = fmt::format("PTRACE_SECCOMP_GET_FILTER {}: {}", i, std::strerror(errno));
            break;
        }
        out.push_back(std::move(prog));
    }
    ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
    if (!err->empty()) out.clear();
    return out;
}

namespace {

// Classic BPF as seccomp accepts it (kernel/seccomp.c seccomp_check_filter).
uint32_t run_program(const BpfProgram& p, const seccomp_data& d) {
    uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
    const auto* data = reinterpret_cast<const unsigned char*>(&d);
    for (size_t pc = 0; pc < p.size(); ++pc) {
        const sock_filter& f = p[pc];
        uint32_t k = f.k;
        uint32_t src = BPF_SRC(f.code) == BPF_X ? x : k;
        switch (BPF_CLASS(f.code)) {
        case BPF_LD:
            if (BPF_MODE(f.code) == BPF_ABS) {
                if (k + 4 > sizeof d || k % 4) return ~0u;
                std::memcpy(&a, data + k, 4);
            } else if (BPF_MODE(f.code) == BPF_LEN) {
                a = sizeof d;
            } else if (BPF_MODE(f.code) == BPF_IMM) {
                a = k;
            } else if (BPF_MODE(f.code) == BPF_MEM) {
                if (k >= BPF_MEMWORDS) return ~0u;
                a = mem[k];
            } else {
                return ~0u;
            }
            break;
        case BPF_LDX:
            if (BPF_MODE(f.code) == BPF_LEN) x = sizeof d;
            else if (BPF_MODE(f.code) == BPF_IMM) x = k;
            else if (BPF_MODE(f.code) == BPF_MEM && k < BPF_MEMWORDS) x = mem[k];
            else return ~0u;
            break;
        case BPF_ST:
            if (k >= BPF_MEMWORDS) return ~0u;
            mem[k] = a;
            break;
        case BPF_STX:
            if (k >= BPF_MEMWORDS) return ~0u;
            mem[k] = x;
            break;
        case BPF_ALU:
            switch (BPF_OP(f.code)) {
            case BPF_ADD: a += src; break;
            case BPF_SUB: a -= src; break;
            case BPF_MUL: a *= src; break;
            case BPF_DIV: if (!src) return 0; a /= src; break;
            case BPF_MOD: if (!src) return 0; a %= src; break;
            case BPF_OR: a |= src; break;
            case BPF_AND: a &= src; break;
            case BPF_XOR: a ^= src; break;
            case BPF_LSH: a <<= (src & 31); break;
            case BPF_RSH: a >>= (src & 31); break;
            case BPF_NEG: a = -a; break;
            default: return ~0u;
            }
            break;
        case BPF_JMP: {
            if (BPF_OP(f.code) == BPF_JA) {
                pc += k;
                break;
            }
            bool t;
            switch (BPF_OP(f.code)) {
            case BPF_JEQ: t = a == src; break;
            case BPF_JGT: t = a > src; break;
            case BPF_JGE: t = a >= src; break;
            case BPF_JSET: t = (a & src) != 0; break;
            default: return ~0u;
            }
            pc += t ? f.jt : f.jf;
            break;
        }
        case BPF_RET:
            return BPF_RVAL(f.code) == BPF_A ? a : k;
        case BPF_MISC:
            if (BPF_MISCOP(f.code) == BPF_TAX) x = a;
            else a = x;
            break;
        default:
            return ~0u;
        }
    }
    return ~0u;  // fell off the end: the kernel rejects such a program
}

}  // namespace

uint32_t seccomp_verdict(const std::vector<BpfProgram>& filters, uint32_t arch, int nr, const uint64_t (&args)[6]) {
    seccomp_data d{};
    d.nr = nr;
    d.arch = arch;
    for (int i = 0; i < 6; ++i) d.args[i] = args[i];
    // As kernel/seccomp.c: every filter runs; the action of lowest value
    // (as s32) wins, the most recent filter first among equals.
    uint32_t ret = SECCOMP_RET_ALLOW;
    for (const auto& p : filters) {
        uint32_t cur = run_program(p, d);
        if (cur == ~0u) return ~0u;
        if (static_cast<int32_t>(cur & SECCOMP_RET_ACTION_FULL) < static_cast<int32_t>(ret & SECCOMP_RET_ACTION_FULL))
            ret = cur;
    }
    return ret;
}

std::string seccomp_verdict_name(uint32_t v) {
    if (v == ~0u) return "MALFORMED";
    uint32_t data = v & SECCOMP_RET_DATA;
    switch (v & SECCOMP_RET_ACTION_FULL) {
    case SECCOMP_RET_ALLOW: return "ALLOW";
    case SECCOMP_RET_ERRNO: {
        const char* n = strerrorname_np(static_cast<int>(data));
        return fmt::format("ERRNO({})", n ? n : std::to_string(data));
    }
    case SECCOMP_RET_KILL_PROCESS: return "KILL_PROCESS";
    case SECCOMP_RET_KILL_THREAD: return "KILL_THREAD";
    case SECCOMP_RET_TRAP: return "TRAP";
    case SECCOMP_RET_TRACE: return fmt::format("TRACE({})", data);
    case SECCOMP_RET_LOG: return "LOG";
    case SECCOMP_RET_USER_NOTIF: return "USER_NOTIF";
    }
    return fmt::format("{:#x}", v);
}

}  // namespace spawn::test
