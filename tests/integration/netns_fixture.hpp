// A gtest fixture that runs each test in a fresh network namespace of its own
// (loopback up) and returns to the original one afterwards; everything the
// test created in the namespace goes away with it. For the net suites.
#pragma once

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "net/netns.hpp"

namespace spawn::test {

// The current namespace has a link called name.
inline bool host_has_link(const std::string& name) { return sh("ip link show dev " + name).status == 0; }
// The names of the current namespace's links, sorted, space separated.
inline std::string links() { return sh("ip -o link show | cut -d: -f2 | sort | tr -d ' ' | tr '\\n' ' '").out; }

class PrivateNetnsTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(geteuid(), 0u) << "network tests need root";
        orig_ = net::open_own_netns().value().release();
        ASSERT_EQ(unshare(CLONE_NEWNET), 0) << strerror(errno);
        ASSERT_EQ(sh("ip link set lo up").status, 0);
    }
    void TearDown() override {
        // Back to the original namespace; the test's namespace (and all in it) goes away.
        if (orig_ >= 0) {
            setns(orig_, CLONE_NEWNET);
            close(orig_);
        }
    }
    int orig_ = -1;
};

}  // namespace spawn::test
