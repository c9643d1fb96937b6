// registration_bench: what registering costs spawn. Times
// Registration::preflight + Registration::create + the destructor
// (UnregisterMachine) against the real machined, for a stand-in leader.
// Used by tools/bench/mctl; not a test.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "bus_fixture.hpp"
#include "machined/registration.hpp"

using namespace spawn;

int main(int argc, char** argv) {
    int n = argc > 1 ? std::atoi(argv[1]) : 50;
    test::BusFixture bus;
    bus.SetUp();
    test::FakeLeader l("spawn-bench-reg");
    double total_pre = 0, total_reg = 0, total_unreg = 0;
    bool fresh = argc > 2 && std::string(argv[2]) == "fresh";  // a new bus connection per start, as spawn has
    for (int i = 0; i < n; ++i) {
        if (fresh)  // a different spelling of the same address drops the cached connection
            setenv("DBUS_SYSTEM_BUS_ADDRESS", i % 2 ? "unix:path=/run/dbus/system_bus_socket" : "unix:path=/run/dbus//system_bus_socket", 1);
        auto t0 = std::chrono::steady_clock::now();
        auto pre = machined::Registration::preflight("spawn-bench-reg", RegisterMode::Yes);
        auto t1 = std::chrono::steady_clock::now();
        machined::RegistrationParams p;
        p.name = "spawn-bench-reg";
        p.leader = l.pid();
        p.root_directory = "/";
        p.mode = RegisterMode::Yes;
        auto reg = machined::Registration::create(p);
        auto t2 = std::chrono::steady_clock::now();
        if (!pre || !reg) {
            std::fprintf(stderr, "registration failed: %s\n", (!pre ? pre.error() : reg.error()).message().c_str());
            return 1;
        }
        auto un = reg->unregister();
        auto t3 = std::chrono::steady_clock::now();
        if (!un) return 1;
        total_pre += std::chrono::duration<double, std::milli>(t1 - t0).count();
        total_reg += std::chrono::duration<double, std::milli>(t2 - t1).count();
        total_unreg += std::chrono::duration<double, std::milli>(t3 - t2).count();
    }
    std::printf("registration%s (mean of %d): preflight %.2f ms, register %.2f ms, unregister %.2f ms, total %.2f ms\n", fresh ? ", new connection each time" : "", n,
                total_pre / n, total_reg / n, total_unreg / n, (total_pre + total_reg + total_unreg) / n);
    bus.TearDown();
    return 0;
}
