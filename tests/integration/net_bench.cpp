// net_bench: the time NetworkSetup adds to a container start, measured against
// a forked child in its own network namespace (what the runtime gives it).
// Usage (root, ideally inside `unshare --net`): net_bench veth|bridge=BR [N]
// Prints the median setup and teardown times in milliseconds.
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "net/setup.hpp"
#include "util/log.hpp"

using namespace spawn;

static pid_t fake_container() {
    int p[2];
    if (pipe(p) < 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        if (unshare(CLONE_NEWNET) < 0) _exit(1);
        (void)!write(p[1], "x", 1);
        for (;;) pause();
    }
    close(p[1]);
    char c;
    (void)!read(p[0], &c, 1);
    close(p[0]);
    return pid;
}

static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

int main(int argc, char** argv) {
    log::set_program("net_bench");
    if (argc < 2) {
        std::fprintf(stderr, "usage: net_bench veth|bridge=BR [N]\n");
        return 2;
    }
    std::string mode = argv[1];
    int n = argc > 2 ? std::atoi(argv[2]) : 20;
    Config cfg;
    cfg.machine = "netbench";
    cfg.net.private_network = true;
    cfg.net.veth = true;
    if (mode.rfind("bridge=", 0) == 0) cfg.net.bridge = mode.substr(7);
    std::vector<double> up, down;
    for (int i = 0; i < n; ++i) {
        pid_t pid = fake_container();
        auto t0 = std::chrono::steady_clock::now();
        auto s = net::NetworkSetup::setup(cfg, pid);
        auto t1 = std::chrono::steady_clock::now();
        if (!s.ok()) {
            log::error("{}", s.error().message());
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
            return 1;
        }
        auto r = s->teardown();
        auto t2 = std::chrono::steady_clock::now();
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        if (!r.ok()) return 1;
        up.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        down.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
    std::printf("%.2f %.2f\n", median(up), median(down));
    return 0;
}
