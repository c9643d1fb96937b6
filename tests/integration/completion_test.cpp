// Bash completion (completion/*.bash): sourced in a real bash with
// COMP_WORDS/COMP_CWORD set as bash sets them, against the built programs: a
// running machine's name for `mctl status <TAB>`, every long option of spawn
// for `spawn --<TAB>`, option values.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bus_fixture.hpp"
#include "config/options.hpp"
#include "harness.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;

namespace {

// COMPREPLY of the completion function for WORDS (the last one is the word
// being completed), one a line, sorted.
std::set<std::string> complete(const std::string& program, const std::vector<std::string>& words) {
    const char* root = std::getenv("SPAWN_SOURCE_ROOT");
    std::string script = std::string(root ? root : ".") + "/completion/" + program + ".bash";
    std::string bin_dir = fs::path(program == "spawn" ? spawn_bin() : mctl_bin()).parent_path().string();
    std::string cmd = "PATH=" + bin_dir + ":$PATH; source " + script + "; COMP_WORDS=(";
    for (const auto& w : words) cmd += "'" + w + "' ";
    cmd += "); COMP_CWORD=" + std::to_string(words.size() - 1) + "; _" + program +
           "; printf '%s\\n' \"${COMPREPLY[@]}\"";
    auto r = run({"bash", "--norc", "-c", cmd});
    EXPECT_EQ(r.status, 0) << r.err;
    std::set<std::string> out;
    std::istringstream in(r.out);
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.insert(l);
    return out;
}

}  // namespace

TEST(Completion, SpawnCompletesEveryLongOptionAndValues) {
    auto opts = complete("spawn", {"spawn", "--"});
    for (const auto& name : spawn::spawn_long_option_names()) EXPECT_TRUE(opts.count("--" + name)) << name;
    EXPECT_EQ(complete("spawn", {"spawn", "--resolv-conf", "bind-"}),
              (std::set<std::string>{"bind-host", "bind-static", "bind-stub", "bind-uplink"}));
    EXPECT_EQ(complete("spawn", {"spawn", "--settings=o"}), (std::set<std::string>{"--settings=override"}));
    EXPECT_TRUE(complete("spawn", {"spawn", "--network-bridge", ""}).count("lo"));
}

TEST(Completion, MctlCompletesVerbsAndARunningMachine) {
    BusFixture::ensure_machined();
    TempTree t("busybox");
    const std::string name = "completion-" + std::to_string(getpid());
    BackgroundSpawn s({"-q", "-D", t.str(), "-M", name, "--register=yes", "sleep", "1000"});
    ASSERT_TRUE(s.wait_registered(name)) << s.output();
    EXPECT_TRUE(complete("mctl", {"mctl", "status", ""}).count(name));
    EXPECT_TRUE(complete("mctl", {"mctl", "-q", "poweroff", "comp"}).count(name));
    auto verbs = complete("mctl", {"mctl", ""});
    for (const char* v : {"list", "status", "shell", "exec", "poweroff", "journal", "list-images"})
        EXPECT_TRUE(verbs.count(v)) << v;
    EXPECT_TRUE(complete("mctl", {"mctl", "--no-"}).count("--no-legend"));
}

// Without a name, show-image and image-status describe the image pool, the
// same as the real machinectl against our machined.
TEST(MctlImages, WithoutANameThePoolAsMachinectl) {
    BusFixture::ensure_machined();
    for (std::vector<std::string> args : {std::vector<std::string>{"show-image"}, {"image-status"},
                                          {"show-image", "-p", "PoolPath", "--value"}}) {
        auto ours = run_mctl(args);
        auto real = run(real_machinectl(args));
        EXPECT_EQ(ours.status, 0) << ours.err;
        EXPECT_EQ(real.status, 0) << real.err;
        EXPECT_EQ(ours.out, real.out) << args[0];
    }
}
