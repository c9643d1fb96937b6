// A busybox tree with the security probe (security_probe.cpp, static) at
// /probe, for the security suites.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace spawn::test {

// The probe's "name result" lines -> map.
inline std::map<std::string, std::string> parse_probe(const std::string& out) {
    std::map<std::string, std::string> m;
    std::istringstream in(out);
    std::string name, result;
    while (in >> name >> result) m[name] = result;
    return m;
}

struct ProbeTree {
    TempTree tree{"busybox"};
    ProbeTree() {
        const char* probe = std::getenv("SECURITY_PROBE");
        if (!probe) {
            ADD_FAILURE() << "SECURITY_PROBE is not set (run through meson test)";
            return;
        }
        std::filesystem::copy_file(probe, tree.path() / "probe", std::filesystem::copy_options::overwrite_existing);
        std::filesystem::permissions(tree.path() / "probe", std::filesystem::perms(0755));
    }
    std::string str() const { return tree.str(); }
};

}  // namespace spawn::test
