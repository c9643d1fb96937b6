// spawn-oci's state file, the specification's state object, container IDs,
// exec's process files and runc's JSON log lines: pure functions.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "oci/runtime_state.hpp"
#include "oci/spec.hpp"
#include "util/log.hpp"

using namespace spawn;
using namespace spawn::oci;

namespace {

RuntimeState sample() {
    RuntimeState s;
    s.id = "web-1";
    s.bundle = "/b";
    s.rootfs = "/b/rootfs";
    s.created = "2026-12-06T02:18:06Z";
    s.pid = 42;
    s.pid_start = 123456789;
    s.supervisor = 41;
    s.started = true;
    s.annotations = {{"spawn.register", "yes"}, {"k", "v \"quoted\""}};
    return s;
}

TEST(OciState, StateFileReadsBackAsWritten) {
    auto s = sample();
    auto back = parse_state_file(state_file_text(s));
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(*back, s);
}

TEST(OciState, BadStateFilesNameTheField) {
    const std::pair<const char*, const char*> cases[] = {
        {"", "state.json: not a JSON object"},
        {"[]", "state.json: not a JSON object"},
        {R"({"bundle":"/b","rootfs":"/r","pid":1,"supervisor":2})", "state.json: id: missing"},
        {R"({"id":"a_b","bundle":"/b","rootfs":"/r","pid":1,"supervisor":2})", "state.json: id: container id 'a_b' is not valid"},
        {R"({"id":"a","bundle":"/b","rootfs":"/r","pid":-1,"supervisor":2})", "state.json: pid: expected a number from 0 to 2147483647"},
        {R"({"id":"a","bundle":"/b","rootfs":"/r","pid":1,"supervisor":2,"started":1})", "state.json: started: expected true or false"},
        {R"({"id":"a","bundle":"/b","rootfs":"/r","pid":1,"supervisor":2,"annotations":{"x":1}})", "state.json: annotations.x: expected a string"},
    };
    for (const auto& [text, message] : cases) {
        auto r = parse_state_file(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.error().message().substr(0, std::string(message).size()), message) << r.error().message();
    }
}

TEST(OciState, SpecStateIsTheSpecificationsObject) {
    auto j = nlohmann::json::parse(spec_state_json(sample(), Status::Running));
    EXPECT_EQ(j["ociVersion"], kRuntimeSpecVersion);
    EXPECT_EQ(j["id"], "web-1");
    EXPECT_EQ(j["pid"], 42);
    EXPECT_EQ(j["status"], "running");
    EXPECT_EQ(j["bundle"], "/b");
    EXPECT_EQ(j["annotations"]["k"], "v \"quoted\"");
    // A stopped container has no process.
    EXPECT_EQ(nlohmann::json::parse(spec_state_json(sample(), Status::Stopped))["pid"], 0);
    EXPECT_EQ(status_name(Status::Created), "created");
    EXPECT_EQ(status_name(Status::Creating), "creating");
}

TEST(OciState, ContainerIdsAreMachineNames) {
    for (const char* good : {"a", "web-1", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "x.y"})
        EXPECT_TRUE(check_container_id(good).ok()) << good;
    for (const char* bad : {"", "a_b", "-a", "a-", "../x", "a/b", ".a", "a b",
                            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"})
        EXPECT_FALSE(check_container_id(bad).ok()) << bad;
}

TEST(OciState, ProcessFilesAreParsedAsConfigProcesses) {
    auto p = parse_process_json(R"({"user":{"uid":5,"gid":6},"args":["sh"],"cwd":"/w","terminal":true})");
    ASSERT_TRUE(p.ok()) << p.error().message();
    EXPECT_EQ(p->user.uid, 5u);
    EXPECT_EQ(p->args, std::vector<std::string>{"sh"});
    EXPECT_TRUE(p->terminal);
    auto bad = parse_process_json(R"({"user":{"uid":"x","gid":0},"args":["sh"],"cwd":"/"})");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message(), "process.user.uid: expected an unsigned 32-bit integer");
    auto not_json = parse_process_json("{");
    ASSERT_FALSE(not_json.ok());
    EXPECT_EQ(not_json.error().message().rfind("process.json is not valid JSON: ", 0), 0u) << not_json.error().message();
}

TEST(OciState, LogLinesAreRuncsJson) {
    auto line = log::json_line(log::Level::Error, "container \"x\" failed\n", 0);
    EXPECT_EQ(line, "{\"level\":\"error\",\"msg\":\"container \\\"x\\\" failed\\n\",\"time\":\"1970-01-01T00:00:00Z\"}\n");
    EXPECT_EQ(nlohmann::json::parse(log::json_line(log::Level::Warning, "w", 1796529600))["level"], "warning");
}

}  // namespace
