// spawn-oci, the OCI runtime: its runc command line driven directly (the
// test is the engine: a subreaper that reaps the containers' inits, as
// containerd's shim and conmon are), then by the engines themselves:
// containerd through ctr (--runc-binary, and a runtime entry in its
// config.toml) and podman (--runtime), on an OCI image made from the busybox
// fixture by tools/make-oci-image. After each, nothing of the container is
// left on the host: no state directory, no cgroup, no mount.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bus_fixture.hpp"
#include "core_util.hpp"
#include "harness.hpp"
#include "oci_fixture.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// The bus and machined, for the registered container.
const auto* const kBus = ::testing::AddGlobalTestEnvironment(new BusFixture);

std::string oci_bin() {
    const char* b = std::getenv("SPAWN_OCI_BIN");
    return b ? b : "spawn-oci";
}

std::string source_root() {
    const char* r = std::getenv("SPAWN_SOURCE_ROOT");
    return r ? r : ".";
}

bool have(const char* program) { return sh(std::string("command -v ") + program + " >/dev/null").status == 0; }

// Reaps every child that ended (the supervisors and inits the test inherits).
void reap_orphans() {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
}

class OciRuntime : public ::testing::Test {
protected:
    void SetUp() override {
        // As an engine: the containers' inits become ours when create exits.
        ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
        id_ = "oci-" + std::to_string(getpid()) + "-" + std::to_string(++counter_);
    }
    void TearDown() override {
        run(oci({"delete", "--force", id_}));
        reap_orphans();
        prctl(PR_SET_CHILD_SUBREAPER, 0);
    }
    std::vector<std::string> oci(std::vector<std::string> args) const {
        std::vector<std::string> argv = {oci_bin(), "--root", root_.str()};
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    }
    // A command whose standard output and error the container keeps (create,
    // run --detach, exec --detach): captured to files, not pipes.
    RunResult detached(std::vector<std::string> args) const {
        Background b(oci(args));
        RunResult r;
        r.status = b.wait(60s);
        r.out = b.out();
        r.err = b.err();
        return r;
    }
    json state() const {
        auto r = run(oci({"state", id_}));
        EXPECT_EQ(r.status, 0) << r.err;
        return r.status == 0 ? json::parse(r.out) : json();
    }
    // Nothing of the container left on the host.
    void expect_nothing_left() const {
        EXPECT_FALSE(fs::exists(root_.path() / id_));
        EXPECT_TRUE(machine_cgroups(id_).empty());
        EXPECT_TRUE(mounts_under(bundle_.path()).empty());
    }
    ScratchDir root_;
    Bundle bundle_{{oci_bin(), "spec"}};
    std::string id_;
    static inline int counter_ = 0;
};

// create, state, start, ps, kill, reaped by the engine, delete: runc's life cycle.
TEST_F(OciRuntime, CreateStartKillDeleteAsAnEngineSeesThem) {
    bundle_.set_args({"sh", "-c", "echo started; exec sleep 1000"});
    const std::string pid_file = (root_.path() / "init.pid").string();
    auto created = detached({"create", "--bundle", bundle_.str(), "--pid-file", pid_file, id_});
    ASSERT_EQ(created.status, 0) << created.err;
    const pid_t pid = std::stoi(read_file(pid_file));
    auto s = state();
    EXPECT_EQ(s["status"], "created");
    EXPECT_EQ(s["pid"], pid);
    EXPECT_EQ(s["bundle"], bundle_.str());
    // Created, not started: the payload has not run.
    EXPECT_EQ(created.out, "");

    auto started = run(oci({"start", id_}));
    ASSERT_EQ(started.status, 0) << started.err;
    EXPECT_EQ(state()["status"], "running");
    EXPECT_NE(run(oci({"start", id_})).status, 0);
    EXPECT_NE(run(oci({"delete", id_})).status, 0) << "a running container is deleted only with --force";
    auto ps = run(oci({"ps", "--format", "json", id_}));
    ASSERT_EQ(ps.status, 0) << ps.err;
    EXPECT_EQ(json::parse(ps.out), json::array({pid}));
    EXPECT_TRUE(eventually([&] { return read_file("/proc/" + std::to_string(pid) + "/comm") == "sleep\n"; }, 10s));

    ASSERT_EQ(run(oci({"kill", id_, "KILL"})).status, 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid) << "the init is the engine's to reap";
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    EXPECT_EQ(state()["status"], "stopped");
    auto deleted = run(oci({"delete", id_}));
    EXPECT_EQ(deleted.status, 0) << deleted.err;
    expect_nothing_left();
    EXPECT_NE(run(oci({"state", id_})).status, 0);
}

// run: the init's exit status, the container's output, nothing left.
TEST_F(OciRuntime, RunReturnsTheExitStatusAndLeavesNothing) {
    bundle_.set_args({"sh", "-c", "echo out-$(hostname); echo err >&2; exit 7"});
    auto r = run(oci({"run", "--bundle", bundle_.str(), id_}));
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_EQ(r.out, "out-spawn\n");
    EXPECT_EQ(r.err, "err\n");
    expect_nothing_left();
    auto list = run(oci({"list", "--format", "json"}));
    EXPECT_EQ(json::parse(list.out), json::array());
}

// exec: in the container's namespaces and cgroup, confined as its init is,
// its exit status returned; --detach leaves it to the engine.
TEST_F(OciRuntime, ExecJoinsTheContainerConfinedAsItsInit) {
    bundle_.set_args({"sleep", "1000"});
    ASSERT_EQ(detached({"run", "--detach", "--bundle", bundle_.str(), id_}).status, 0);
    const int init = state()["pid"];
    auto e = run(oci({"exec", id_, "sh", "-c",
                      "echo $$ $(hostname); cat /proc/1/comm; grep -E '^(NoNewPrivs|Seccomp|CapBnd):' /proc/self/status; "
                      "exit 5"}));
    EXPECT_EQ(e.status, 5) << e.err;
    auto lines = lines_of(e.out);
    ASSERT_EQ(lines.size(), 5u) << e.out;
    EXPECT_NE(lines[0].substr(0, lines[0].find(' ')), std::to_string(getpid()));
    EXPECT_EQ(lines[0].substr(lines[0].find(' ') + 1), "spawn");
    EXPECT_EQ(lines[1], "sleep");
    // The init's own confinement, read from the host.
    const std::string status = read_file("/proc/" + std::to_string(init) + "/status");
    for (size_t i = 2; i < 5; ++i) EXPECT_NE(status.find(lines[i] + "\n"), std::string::npos) << lines[i];
    auto procs = detached({"exec", "--detach", "--pid-file", (root_.path() / "exec.pid").string(), id_, "sleep", "999"});
    ASSERT_EQ(procs.status, 0) << procs.err;
    const pid_t detached = std::stoi(read_file(root_.path() / "exec.pid"));
    // Its cgroups are the container's, seen from the host.
    const std::string cgroups = read_file("/proc/" + std::to_string(detached) + "/cgroup");
    EXPECT_EQ(cgroups, read_file("/proc/" + std::to_string(init) + "/cgroup"));
    EXPECT_NE(cgroups.find("/machine.slice/machine-"), std::string::npos) << cgroups;
    auto ps = run(oci({"ps", "--format", "json", id_}));
    EXPECT_EQ(json::parse(ps.out), json::array({init, detached}));
    ASSERT_EQ(run(oci({"kill", "--all", id_, "KILL"})).status, 0);
    EXPECT_EQ(waitpid(detached, nullptr, 0), detached);
    EXPECT_EQ(waitpid(init, nullptr, 0), init);
    EXPECT_EQ(run(oci({"delete", id_})).status, 0);
    expect_nothing_left();
}

// Bad input: one line naming what is wrong, exit 1, nothing left.
TEST_F(OciRuntime, BadInputFailsInOneLineLeavingNothing) {
    bundle_.set_args({"true"});
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    ScratchDir empty;
    const std::vector<Case> cases = {
        {{"create", "--bundle", empty.str(), id_}, "has no config.json"},
        {{"create", "--bundle", bundle_.str(), "bad_id"}, "container id 'bad_id' is not valid"},
        {{"create", "--bundle", bundle_.str(), "--console-socket", "/nonexistent", id_}, "--console-socket is for process.terminal"},
        {{"start", id_}, "does not exist"},
        {{"kill", id_}, "does not exist"},
        {{"exec", id_, "true"}, "does not exist"},
        {{"create", "--bogus", id_}, "unknown option --bogus"},
        {{"frobnicate"}, "unknown command frobnicate"},
    };
    for (const auto& c : cases) {
        auto r = run(oci(c.args));
        EXPECT_EQ(r.status, 1) << c.message;
        EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
        EXPECT_NE(r.err.find(c.message), std::string::npos) << c.message << ": " << r.err;
        expect_nothing_left();
    }
    // A terminal without a console socket.
    bundle_.config["process"]["terminal"] = true;
    bundle_.set_args({"true"});
    auto r = run(oci({"create", "--bundle", bundle_.str(), id_}));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("--console-socket is required"), std::string::npos) << r.err;
    expect_nothing_left();
    // A second container of the same ID.
    bundle_.config["process"]["terminal"] = false;
    bundle_.set_args({"sleep", "1000"});
    ASSERT_EQ(detached({"create", "--bundle", bundle_.str(), id_}).status, 0);
    auto again = run(oci({"create", "--bundle", bundle_.str(), id_}));
    EXPECT_EQ(again.status, 1);
    EXPECT_NE(again.err.find("exists"), std::string::npos) << again.err;
    EXPECT_EQ(state()["status"], "created") << "the first is untouched";
    EXPECT_EQ(run(oci({"delete", id_})).status, 0) << "a created container is deleted without --force";
    expect_nothing_left();
}

// CVE-2019-5736 against spawn-oci: the container's /bin/true is
// "#!/proc/self/exe" and its dynamic loader is the attacker
// (exe_attacker.cpp). If the container's first process (run) or an exec'd one
// were executed by a process still running spawn-oci's image, the attacker
// would hold the host's spawn-oci binary and overwrite it. Both go through the
// sealed helper, which refuses to be re-executed as anything but a helper.
TEST_F(OciRuntime, ContainerCannotOverwriteTheRuntimeBinary) {
#if !defined(__x86_64__)
    GTEST_SKIP() << "the attacker is written for x86_64";
#endif
    const char* attacker = std::getenv("EXE_ATTACKER");
    ASSERT_NE(attacker, nullptr) << "EXE_ATTACKER is not set (run through meson test)";
    TempTree armed("busybox");
    fs::remove(armed.path() / "usr/bin/true");
    std::ofstream(armed.path() / "usr/bin/true") << "#!/proc/self/exe\n";
    fs::permissions(armed.path() / "usr/bin/true", fs::perms(0755));
    fs::create_directories(armed.path() / "lib64");
    fs::copy_file(attacker, armed.path() / "lib64/ld-linux-x86-64.so.2");
    fs::permissions(armed.path() / "lib64/ld-linux-x86-64.so.2", fs::perms(0755));
    auto marker = [&](const char* name) { return fs::exists(armed.path() / "var/tmp" / name); };
    auto settle = [&] {
        if (marker("attack-started"))
            eventually([&] { return marker("attack-wrote") || marker("attack-gave-up"); }, 20s);
    };
    ScratchDir copy_dir;
    const fs::path copy = copy_dir.path() / "spawn-oci";
    fs::copy_file(oci_bin(), copy);
    fs::permissions(copy, fs::perms(0755));
    const std::string before = read_file(copy);
    auto with_copy = [&](std::vector<std::string> args) {
        std::vector<std::string> argv = {copy.string(), "--root", root_.str()};
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    };
    bundle_.config["root"]["path"] = armed.str();
    bundle_.set_args({"/bin/true"});
    auto r = run(with_copy({"run", "--bundle", bundle_.str(), id_}));
    settle();
    EXPECT_FALSE(marker("attack-started")) << "the container's loader ran with spawn-oci's image: " << r.err;
    EXPECT_EQ(r.status, 127) << r.err;
    EXPECT_TRUE(read_file(copy) == before) << "the host's spawn-oci binary was modified from inside the container";

    bundle_.set_args({"sleep", "1000"});
    Background created(with_copy({"create", "--bundle", bundle_.str(), id_}));
    ASSERT_EQ(created.wait(60s), 0) << created.err();
    ASSERT_EQ(run(with_copy({"start", id_})).status, 0);
    auto e = run(with_copy({"exec", id_, "/bin/true"}));
    settle();
    EXPECT_FALSE(marker("attack-started")) << "an exec'd process ran spawn-oci's image: " << e.err;
    EXPECT_EQ(e.status, 127) << e.err;
    EXPECT_NE(e.err.find("spawn-helper: "), std::string::npos) << e.err;
    EXPECT_TRUE(read_file(copy) == before) << "the host's spawn-oci binary was modified from inside the container";
}

// The hooks of the runtime's namespaces, on the host, each with the state on
// its standard input: createRuntime once the namespaces exist, before
// create returns; poststart before start returns; poststop before delete
// returns. A failing createRuntime hook fails create and leaves nothing.
TEST_F(OciRuntime, HooksRunAroundCreateStartAndDelete) {
    ScratchDir out;
    auto hook = [&](const std::string& name, const std::string& then = "") {
        return json{{"path", "/bin/sh"}, {"args", {"sh", "-c", "cat > " + out.str() + "/" + name + ".json" + then}}};
    };
    auto seen = [&](const char* name) { return json::parse(read_file(out.path() / (std::string(name) + ".json"))); };
    bundle_.config["hooks"] = {{"createRuntime", {hook("createRuntime")}},
                               {"poststart", {hook("poststart")}},
                               {"poststop", {hook("poststop")}}};
    bundle_.set_args({"sleep", "1000"});
    auto created = detached({"create", "--bundle", bundle_.str(), id_});
    ASSERT_EQ(created.status, 0) << created.err;
    auto c = seen("createRuntime");
    EXPECT_EQ(c["status"], "creating");
    EXPECT_EQ(c["id"], id_);
    const int pid = state()["pid"];
    EXPECT_EQ(c["pid"], pid);
    EXPECT_NE(fs::read_symlink("/proc/" + std::to_string(pid) + "/ns/net"), fs::read_symlink("/proc/self/ns/net"))
        << "the hook ran once the container's namespaces existed";
    EXPECT_FALSE(fs::exists(out.path() / "poststart.json"));
    ASSERT_EQ(run(oci({"start", id_})).status, 0);
    EXPECT_EQ(seen("poststart")["status"], "running");
    EXPECT_FALSE(fs::exists(out.path() / "poststop.json"));
    ASSERT_EQ(run(oci({"delete", "--force", id_})).status, 0);
    EXPECT_EQ(seen("poststop")["status"], "stopped");
    reap_orphans();
    expect_nothing_left();

    for (const auto& [h, message] : std::vector<std::pair<json, std::string>>{
             {hook("failing", "; exit 3"), "hooks.createRuntime[0] (/bin/sh): exited with status 3"},
             {json{{"path", "/bin/sleep"}, {"args", {"sleep", "100"}}, {"timeout", 1}},
              "hooks.createRuntime[0] (/bin/sleep): timed out after 1 s"}}) {
        bundle_.config["hooks"] = {{"createRuntime", {h}}};
        bundle_.set_args({"sleep", "1000"});
        auto r = detached({"create", "--bundle", bundle_.str(), id_});
        EXPECT_EQ(r.status, 1);
        EXPECT_EQ(r.err, "spawn-oci: " + message + "\n");
        reap_orphans();
        expect_nothing_left();
    }
}

// createContainer runs in the container's namespaces with a host path, before
// the pivot; startContainer in the container, confined like its process,
// when it starts; a failing startContainer fails start in one line.
TEST_F(OciRuntime, ContainerHooksRunInTheContainersNamespaces) {
    ScratchDir out;
    const std::string o = out.str();
    {
        std::ofstream hook(bundle_.tree().path() / "start-hook");
        // It also tries what CVE-2019-5736 did: writing through /proc/1/exe,
        // which is the sealed helper's copy (the init runs the hooks).
        hook << "#!/bin/sh\ncat > /start.json\ngrep CapBnd /proc/self/status > /start-capbnd\n"
                "if (echo x >> /proc/1/exe) 2>/dev/null; then echo wrote; else echo refused; fi > /start-attack\n"
                "exit \"$1\"\n";
    }
    fs::permissions(bundle_.tree().path() / "start-hook", fs::perms::owner_all);
    bundle_.config["root"]["readonly"] = false;  // the hook writes its findings into the tree
    bundle_.config["hooks"] = {
        {"createContainer",
         {{{"path", "/bin/sh"},
           {"args", {"sh", "-c", "cat > " + o + "/cc.json; readlink /proc/self/ns/mnt > " + o + "/cc-mnt"}}}}},
        {"startContainer", {{{"path", "/start-hook"}, {"args", {"start-hook", "0"}}}}}};
    bundle_.set_args({"sleep", "1000"});
    auto created = detached({"create", "--bundle", bundle_.str(), id_});
    ASSERT_EQ(created.status, 0) << created.err;
    const int pid = state()["pid"];
    auto cc = json::parse(read_file(out.path() / "cc.json"));
    EXPECT_EQ(cc["status"], "creating");
    EXPECT_EQ(cc["id"], id_);
    EXPECT_EQ(cc["pid"], pid);
    EXPECT_EQ(read_file(out.path() / "cc-mnt"), fs::read_symlink(fmt::format("/proc/{}/ns/mnt", pid)).string() + "\n")
        << "createContainer ran in the container's mount namespace";
    EXPECT_FALSE(fs::exists(bundle_.tree().path() / "start.json")) << "startContainer ran before start";
    ASSERT_EQ(run(oci({"start", id_})).status, 0);
    auto sc = json::parse(read_file(bundle_.tree().path() / "start.json"));
    EXPECT_EQ(sc["status"], "created");
    EXPECT_EQ(sc["pid"], pid);
    const std::string status = read_file(fmt::format("/proc/{}/status", pid));
    const auto at = status.find("CapBnd:");
    EXPECT_EQ(read_file(bundle_.tree().path() / "start-capbnd"), status.substr(at, status.find('\n', at) + 1 - at))
        << "startContainer is confined as the process is";
    EXPECT_EQ(read_file(bundle_.tree().path() / "start-attack"), "refused\n");
    ASSERT_EQ(run(oci({"delete", "--force", id_})).status, 0);
    reap_orphans();
    expect_nothing_left();

    bundle_.config["hooks"] = {{"startContainer", {{{"path", "/start-hook"}, {"args", {"start-hook", "4"}}}}}};
    bundle_.set_args({"sleep", "1000"});
    ASSERT_EQ(detached({"create", "--bundle", bundle_.str(), id_}).status, 0);
    auto start = run(oci({"start", id_}));
    EXPECT_EQ(start.status, 1);
    EXPECT_EQ(start.err, "spawn-oci: hooks.startContainer[0] (/start-hook): exited with status 4\n");
    ASSERT_EQ(run(oci({"delete", "--force", id_})).status, 0);
    reap_orphans();
    expect_nothing_left();
}

// spawn --oci-bundle runs a bundle's hooks too: prestart before the process,
// poststart while it runs, poststop once everything is torn down; a failing
// prestart fails the start in one line and leaves nothing.
TEST_F(OciRuntime, SpawnRunsTheBundlesHooks) {
    ScratchDir out;
    const std::string o = out.str();
    const std::string scope = "machine.slice/machine-" + bundle_.name() + ".scope";
    auto hook = [&](const std::string& name, const std::string& then = "") {
        return json{{"path", "/bin/sh"}, {"args", {"sh", "-c", "cat > " + o + "/" + name + ".json" + then}}};
    };
    bundle_.config["hooks"] = {
        {"prestart", {hook("prestart", "; touch " + bundle_.tree().str() + "/prestart-ran")}},
        {"createContainer", {hook("createContainer")}},
        {"poststart", {hook("poststart")}},
        {"poststop", {hook("poststop", "; test -d /sys/fs/cgroup/pids/" + scope + " || echo torn-down > " + o + "/after")}}};
    bundle_.set_args({"sh", "-c", "test -e /prestart-ran || echo no-prestart; echo ran"});
    auto r = run({std::getenv("SPAWN_BIN"), "-q", "--register=no", "--oci-bundle=" + bundle_.str()});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "ran\n");
    for (auto [name, status] : {std::pair{"prestart", "creating"}, {"createContainer", "creating"},
                                {"poststart", "running"}, {"poststop", "stopped"}}) {
        auto seen = json::parse(read_file(out.path() / (std::string(name) + ".json")));
        EXPECT_EQ(seen["status"], status) << name;
        EXPECT_EQ(seen["id"], bundle_.name()) << name;
        EXPECT_EQ(seen["bundle"], bundle_.str()) << name;
    }
    EXPECT_EQ(read_file(out.path() / "after"), "torn-down\n") << "poststop ran before the teardown";

    bundle_.config["hooks"] = {{"prestart", {hook("failing", "; exit 5")}}};
    bundle_.set_args({"echo", "ran"});
    auto failed = run({std::getenv("SPAWN_BIN"), "-q", "--register=no", "--oci-bundle=" + bundle_.str()});
    EXPECT_EQ(failed.status, 1);
    EXPECT_EQ(failed.out, "");
    EXPECT_EQ(failed.err, "spawn: hooks.prestart[0] (/bin/sh): exited with status 5\n");
    EXPECT_TRUE(machine_cgroups(bundle_.name()).empty());
    EXPECT_TRUE(mounts_under(bundle_.path()).empty());
}

// A pod: the second container joins the first's IPC, UTS, PID and cgroup
// namespaces by path (linux.namespaces[].path, as podman and the CRI give a
// pod's containers), keeps its own mount and network namespaces, sees the
// first's host name, and is not PID 1 in the shared PID namespace. A path
// that is not a namespace of that type is one line.
TEST_F(OciRuntime, PodContainersJoinTheInfraContainersNamespaces) {
    bundle_.set_args({"sleep", "1000"});
    ASSERT_EQ(detached({"run", "--detach", "--bundle", bundle_.str(), id_}).status, 0);
    const int infra = state()["pid"];
    auto ns = [](int pid, const char* kind) { return fs::read_symlink(fmt::format("/proc/{}/ns/{}", pid, kind)); };
    Bundle member({oci_bin(), "spec"});
    const std::string member_id = id_ + "-m";
    member.config["hostname"] = "member";
    for (auto& n : member.config["linux"]["namespaces"])
        if (n["type"] == "ipc" || n["type"] == "uts" || n["type"] == "pid" || n["type"] == "cgroup")
            n["path"] = fmt::format("/proc/{}/ns/{}", infra, std::string(n["type"]));
    member.set_args({"sh", "-c", "hostname; echo $$; exec sleep 1000"});
    // Its output is the container's, written whenever it runs: waited for.
    Background m(oci({"run", "--detach", "--bundle", member.str(), member_id}));
    ASSERT_EQ(m.wait(60s), 0) << m.err();
    EXPECT_TRUE(eventually([&] { const auto out = m.out(); return std::count(out.begin(), out.end(), '\n') == 2; }, 20s))
        << m.out();
    EXPECT_EQ(m.out().substr(0, m.out().find('\n') + 1), "spawn\n") << "the infra container's host name: " << m.out();
    EXPECT_NE(m.out().substr(m.out().find('\n') + 1), "1\n") << "PID 1 of the shared PID namespace is the infra's";
    auto st = run(oci({"state", member_id}));
    const int pid = json::parse(st.out)["pid"];
    for (const char* shared : {"ipc", "uts", "pid", "cgroup"}) EXPECT_EQ(ns(pid, shared), ns(infra, shared)) << shared;
    for (const char* own : {"mnt", "net"}) EXPECT_NE(ns(pid, own), ns(infra, own)) << own;
    EXPECT_EQ(run(oci({"delete", "--force", member_id})).status, 0);
    // The member's init, a zombie in the shared PID namespace, is ours to
    // reap (as the engine's): until then the infra's init cannot finish.
    reap_orphans();

    // Not an IPC namespace: one line, nothing left.
    for (auto& n : member.config["linux"]["namespaces"])
        if (n["type"] == "ipc") n["path"] = fmt::format("/proc/{}/ns/net", infra);
    member.set_args({"true"});
    auto bad = detached({"create", "--bundle", member.str(), member_id});
    EXPECT_EQ(bad.status, 1);
    EXPECT_EQ(bad.err, fmt::format("spawn-oci: linux.namespaces (ipc): /proc/{}/ns/net is not an IPC namespace\n", infra));
    EXPECT_FALSE(fs::exists(root_.path() / member_id));
    EXPECT_TRUE(machine_cgroups(member_id).empty());
    auto deleted = run(oci({"delete", "--force", id_}));
    EXPECT_EQ(deleted.status, 0) << deleted.err;
    reap_orphans();
    expect_nothing_left();
}

// The annotation spawn.register=yes: the container is machine ID in
// systemd-machined (mctl list shows it) while it runs, and not after delete.
TEST_F(OciRuntime, AnnotatedContainerIsRegisteredWithMachined) {
    BusFixture::ensure_machined();
    bundle_.config["annotations"] = {{"spawn.register", "yes"}};
    bundle_.set_args({"sleep", "1000"});
    ASSERT_EQ(detached({"run", "--detach", "--bundle", bundle_.str(), id_}).status, 0);
    EXPECT_TRUE(machine_listed(id_));
    auto status = run_mctl({"status", id_});
    EXPECT_NE(status.out.find("Leader: " + std::to_string(int(state()["pid"]))), std::string::npos) << status.out;
    EXPECT_EQ(run(oci({"delete", "--force", id_})).status, 0);
    reap_orphans();
    EXPECT_FALSE(machine_listed(id_));
    expect_nothing_left();
}

// ---- containerd and podman ----

// The busybox fixture as an OCI image layout tarball.
class Image {
public:
    Image() {
        auto r = run({source_root() + "/tools/make-oci-image", fixture_tarball("busybox").string(), kName, tar()});
        EXPECT_EQ(r.status, 0) << r.err;
    }
    static constexpr const char* kName = "docker.io/library/spawn-busybox:latest";
    std::string tar() const { return (dir_.path() / "image.tar").string(); }

private:
    ScratchDir dir_;
};

// A containerd of the test's own (its socket, root and state in a scratch
// directory), with spawn-oci as the runtime of io.containerd.runtime.v1.linux
// in its config.toml; stopped on destruction.
class Containerd {
public:
    Containerd() {
        std::ofstream(dir_.path() / "config.toml")
            << "version = 2\nroot = \"" << dir_.str() << "/root\"\nstate = \"" << dir_.str() << "/state\"\n"
            << "[grpc]\n  address = \"" << socket() << "\"\n"
            << "[plugins.\"io.containerd.runtime.v1.linux\"]\n  runtime = \"" << oci_bin() << "\"\n"
            << "  runtime_root = \"" << dir_.str() << "/spawn-oci\"\n";
        pid_ = fork();
        if (pid_ == 0) {
            int log = ::open((dir_.path() / "log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
            dup2(log, 1);
            dup2(log, 2);
            exec_argv({"containerd", "--config", (dir_.path() / "config.toml").string()});
        }
        up_ = eventually([&] { return ctr({"version"}).status == 0; }, 30s);
    }
    ~Containerd() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
    }
    bool up() const { return up_; }
    std::string socket() const { return (dir_.path() / "containerd.sock").string(); }
    std::string log() const { return read_file(dir_.path() / "log"); }
    fs::path runtime_root() const { return dir_.path() / "spawn-oci"; }
    RunResult ctr(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) const {
        std::vector<std::string> argv = {"ctr", "--address", socket()};
        argv.insert(argv.end(), args.begin(), args.end());
        RunOptions o;
        o.timeout = timeout;
        return run(argv, o);
    }

private:
    ScratchDir dir_;
    pid_t pid_ = -1;
    bool up_ = false;
};

TEST(OciEngines, ContainerdRunsContainersWithSpawnOci) {
    if (!have("containerd") || !have("ctr")) GTEST_SKIP() << "containerd is not installed (tools/packages.txt has it)";
    Containerd c;
    ASSERT_TRUE(c.up()) << c.log();
    Image image;
    auto imported = c.ctr({"image", "import", image.tar()});
    ASSERT_EQ(imported.status, 0) << imported.err;
    const std::string runtime = "--runc-binary=" + oci_bin();
    const std::string id = "ctr-" + std::to_string(getpid());

    // ctr run --rm: the output and the exit status through the shim.
    auto r = c.ctr({"run", "--rm", runtime, Image::kName, id, "sh", "-c", "echo ok; exit 3"});
    EXPECT_EQ(r.out, "ok\n") << r.err;
    EXPECT_EQ(r.status, 3) << r.err;
    EXPECT_TRUE(machine_cgroups(id).empty());

    // A runtime entry in config.toml (the io.containerd.runtime.v1.linux runtime).
    auto v1 = c.ctr({"run", "--rm", "--runtime", "io.containerd.runtime.v1.linux", Image::kName, id + "-v1", "sh", "-c",
                     "echo from-config; ls /proc/1/exe >/dev/null && echo pid1"});
    EXPECT_EQ(v1.status, 0) << v1.err << c.log();
    EXPECT_EQ(v1.out, "from-config\npid1\n");

    // run -d, task exec, task ps, task kill, task delete.
    ASSERT_EQ(c.ctr({"run", "-d", runtime, Image::kName, id, "sleep", "1000"}).status, 0);
    auto e = c.ctr({"task", "exec", "--exec-id", "e1", id, "sh", "-c", "cat /proc/1/comm; exit 4"});
    EXPECT_EQ(e.status, 4) << e.err;
    EXPECT_EQ(e.out, "sleep\n");
    auto ps = c.ctr({"task", "ps", id});
    EXPECT_EQ(lines_of(ps.out).size(), 2u) << ps.out;
    ASSERT_EQ(c.ctr({"task", "kill", "--signal", "SIGKILL", id}).status, 0);
    EXPECT_TRUE(eventually([&] { return c.ctr({"task", "ls"}).out.find("STOPPED") != std::string::npos; }, 30s));
    EXPECT_EQ(c.ctr({"task", "delete", id}).status, 0);
    EXPECT_EQ(c.ctr({"container", "rm", id}).status, 0);
    EXPECT_TRUE(machine_cgroups(id).empty());
    EXPECT_TRUE(fs::is_empty("/run/containerd/runc/default") || !fs::exists("/run/containerd/runc/default/" + id));
    EXPECT_TRUE(!fs::exists(c.runtime_root()) || !fs::exists(c.runtime_root() / "default" / (id + "-v1")));
}

TEST(OciEngines, PodmanRunsExecsAndStopsWithSpawnOci) {
    if (!have("podman")) GTEST_SKIP() << "podman is not installed (tools/packages.txt has it)";
    Image image;
    ScratchDir store;
    // Its own storage and state: nothing shared with the host's podman.
    const std::vector<std::string> podman = {"podman", "--root", store.str() + "/root", "--runroot",
                                             store.str() + "/run", "--runtime", oci_bin(), "--cgroup-manager",
                                             "cgroupfs", "--events-backend", "none"};
    auto p = [&](std::vector<std::string> args) {
        std::vector<std::string> argv = podman;
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv);
    };
    auto loaded = p({"load", "--input", image.tar()});
    ASSERT_EQ(loaded.status, 0) << loaded.err;
    auto r = p({"run", "--rm", "--pull=never", "--network=none", Image::kName, "sh", "-c", "echo podman-ok; exit 2"});
    EXPECT_EQ(r.out, "podman-ok\n") << r.err;
    EXPECT_EQ(r.status, 2) << r.err;
    const std::string name = "pod-" + std::to_string(getpid());
    ASSERT_EQ(p({"run", "-d", "--name", name, "--pull=never", "--network=none", Image::kName, "sleep", "1000"}).status, 0);
    auto e = p({"exec", name, "sh", "-c", "cat /proc/1/comm; exit 6"});
    EXPECT_EQ(e.out, "sleep\n") << e.err;
    EXPECT_EQ(e.status, 6);
    auto stopped = p({"stop", "--time", "1", name});
    EXPECT_EQ(stopped.status, 0) << stopped.err;
    auto inspect = p({"inspect", "--format", "{{.State.Status}}", name});
    EXPECT_EQ(inspect.out, "exited\n");
    EXPECT_EQ(p({"rm", name}).status, 0);
    auto rest = p({"ps", "--all", "--quiet"});
    EXPECT_EQ(rest.out, "");
    EXPECT_TRUE(fs::is_empty("/run/spawn-oci") || !fs::exists("/run/spawn-oci"));
}

}  // namespace
