// An OCI bundle for the tests: the config.json a `spec` command writes
// (`runc spec`, `spawn-oci spec`), without a terminal, the busybox fixture
// as its root file system (root.path absolute), written back by save().
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace spawn::test {

class Bundle {
public:
    // spec: the command that writes config.json; "--bundle DIR" is added.
    explicit Bundle(std::vector<std::string> spec = {"runc", "spec"}) : tree_("busybox") {
        spec.insert(spec.end(), {"--bundle", dir_.str()});
        auto r = run(spec);
        EXPECT_EQ(r.status, 0) << r.err;
        std::ifstream in(dir_.path() / "config.json");
        config = nlohmann::json::parse(in);
        config["root"]["path"] = tree_.str();
        config["process"]["terminal"] = false;
    }
    nlohmann::json config;
    void save() const { std::ofstream(dir_.path() / "config.json") << config.dump(1); }
    void set_args(std::vector<std::string> args) {
        config["process"]["args"] = args;
        save();
    }
    const std::filesystem::path& path() const { return dir_.path(); }
    std::string str() const { return dir_.str(); }
    const TempTree& tree() const { return tree_; }
    std::string name() const { return dir_.path().filename().string(); }

private:
    ScratchDir dir_;
    TempTree tree_;
};

}  // namespace spawn::test
