// mctl journal -o MODE against journalctl 252 on the same journal files: a
// journal written by systemd-journal-remote from entries made here (text,
// binary, multi-line, coloured, oversized, two boots, unit matches) in the
// tree of a machine registered with the real machined. Every mode but the
// JSON ones must match byte for byte; JSON objects have no member order in
// journalctl (it walks a hash table), so those compare member by member.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "bus_fixture.hpp"
#include "harness.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;

namespace {

const char* kJournalRemote = "/lib/systemd/systemd-journal-remote";

// The journal export format: a field in text form when it can be, else
// binary (name, newline, 64-bit little-endian length, bytes).
class ExportStream {
public:
    void entry(const std::string& boot, const std::vector<std::pair<std::string, std::string>>& fields) {
        t_ += 1234567;
        m_ += 1234567;
        text("__REALTIME_TIMESTAMP", std::to_string(t_));
        text("__MONOTONIC_TIMESTAMP", std::to_string(boot == boot_ ? m_ : (m_ = 100)));
        boot_ = boot;
        text("_BOOT_ID", boot);
        for (const auto& [k, v] : fields) {
            bool binary = v.empty() ? false : std::any_of(v.begin(), v.end(), [](char c) {
                return static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126;
            });
            if (!binary) {
                text(k, v);
                continue;
            }
            out_ += k + "\n";
            for (int i = 0; i < 8; ++i) out_ += static_cast<char>((uint64_t(v.size()) >> (8 * i)) & 0xff);
            out_ += v + "\n";
        }
        out_ += "\n";
    }
    const std::string& str() const { return out_; }

private:
    void text(const std::string& k, const std::string& v) { out_ += k + "=" + v + "\n"; }
    std::string out_, boot_;
    uint64_t t_ = 1796433960000000, m_ = 5000000;
};

std::string journal_export() {
    const std::string b1(32, '1'), b2(32, '2');
    ExportStream s;
    auto e = [&](const std::string& boot, std::vector<std::pair<std::string, std::string>> f) {
        f.insert(f.begin(), {"_HOSTNAME", "guest"});
        s.entry(boot, f);
    };
    e(b1, {{"SYSLOG_IDENTIFIER", "a"}, {"_PID", "7"}, {"MESSAGE", "one\ntwo\nthree\tx"}});
    e(b1, {{"_COMM", "c"}, {"MESSAGE", std::string("bin\x01" "ary")}});
    e(b1, {{"SYSLOG_IDENTIFIER", "src"}, {"_SOURCE_REALTIME_TIMESTAMP", "1796400000000007"},
           {"_SOURCE_MONOTONIC_TIMESTAMP", "42"}, {"MESSAGE", "source time"}});
    e(b1, {{"SYSLOG_IDENTIFIER", "ansi"}, {"MESSAGE", "\x1b[31mred\x1b[0m \x1b]8;;http://x\alink\x1b]8;;\a end"}});
    e(b1, {{"SYSLOG_IDENTIFIER", "esc"}, {"MESSAGE", "lone \x1b escape"}});
    e(b1, {{"_HOSTNAME", std::string(300, 'h')}, {"SYSLOG_IDENTIFIER", "longhost"}, {"MESSAGE", "x"}});
    e(b1, {{"SYSLOG_IDENTIFIER", "big"}, {"MESSAGE", std::string(5000, 'y')}, {"LONGF", std::string(350, 'w')}});
    e(b1, {{"_SYSTEMD_UNIT", "foo.service"}, {"_SYSTEMD_USER_UNIT", "bar.service"}, {"_COMM", "comm"}, {"_PID", "9"},
           {"MESSAGE", "l1\nl2"}});
    e(b1, {{"_SYSTEMD_USER_UNIT", "baz.service"}, {"SYSLOG_PID", "33"}, {"SYSLOG_IDENTIFIER", "u"}, {"MESSAGE", "l1\nl2"}});
    e(b1, {{"SYSLOG_IDENTIFIER", "empty"}, {"MESSAGE", ""}});
    e(b1, {{"SYSLOG_IDENTIFIER", "trail"}, {"MESSAGE", "a\n"}});
    e(b1, {{"SYSLOG_IDENTIFIER", "nomsg"}, {"OTHER", "v"}});
    e(b2, {{"SYSLOG_IDENTIFIER", "c1"}, {"MESSAGE", "c1 \xc2\x85 x"}});
    e(b2, {{"SYSLOG_IDENTIFIER", "inv"}, {"MESSAGE", "bad \xff utf"}});
    e(b2, {{"SYSLOG_IDENTIFIER", "nonchar"}, {"MESSAGE", "nc \xef\xbf\xbe \xef\xb7\x90 x"}});
    e(b2, {{"SYSLOG_IDENTIFIER", "utf"}, {"MESSAGE", "caf\xc3\xa9 \xe2\x98\x83 q\"b\\s"}, {"NL", "a\nb"}, {"X", "1"}, {"X", "2"}});
    e(b2, {{"SYSLOG_IDENTIFIER", "uni\x01" "d"}, {"_COMM", "fallback"}, {"MESSAGE", "ident unprintable"}});
    e(b2, {{"SYSLOG_IDENTIFIER", "pid"}, {"_PID", std::string(300, '1')}, {"SYSLOG_PID", "5"}, {"MESSAGE", "long pid"}});
    e(b2, {{"SYSLOG_IDENTIFIER", "bigbin"}, {"MESSAGE", std::string(3000, '\0')}, {"B2", std::string(2000000, '\x01')}});
    e(b2, {{"SYSLOG_IDENTIFIER", "tabs"}, {"MESSAGE", "a\tb\n\tc"}});
    // What journalctl -u foo matches, and what it does not.
    e(b2, {{"_PID", "1"}, {"UNIT", "foo.service"}, {"MESSAGE", "pid 1 about foo"}});
    e(b2, {{"_PID", "2"}, {"UNIT", "foo.service"}, {"MESSAGE", "someone else about foo"}});
    e(b2, {{"_UID", "0"}, {"OBJECT_SYSTEMD_UNIT", "foo.service"}, {"MESSAGE", "a daemon about foo"}});
    e(b2, {{"_UID", "0"}, {"MESSAGE_ID", "fc2e22bc6ee647b6b90729ab34a250b1"}, {"COREDUMP_UNIT", "foo.service"},
           {"MESSAGE", "foo dumped core"}});
    e(b2, {{"_SYSTEMD_UNIT", "foo.service"}, {"_SYSTEMD_SLICE", "x.slice"}, {"MESSAGE", "foo itself"}});
    return s.str();
}

// A compact JSON object's top-level members, sorted.
std::vector<std::string> members(const std::string& object) {
    std::vector<std::string> out;
    std::string cur;
    int depth = 0;
    bool in_string = false, escaped = false;
    for (size_t i = 1; i + 1 < object.size(); ++i) {  // inside the outer braces
        char c = object[i];
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            ++depth;
        } else if (c == ']' || c == '}') {
            --depth;
        } else if (c == ',' && depth == 0) {
            out.push_back(cur);
            cur.clear();
            continue;
        }
        cur += c;
    }
    out.push_back(cur);
    std::sort(out.begin(), out.end());
    return out;
}

// The objects of a JSON stream (one a record), each as its sorted members.
// prefix and suffix frame each record: "" "\n" (json), "\x1e" "\n" (json-seq),
// "data: " "\n\n" (json-sse).
std::vector<std::vector<std::string>> records(const std::string& s, const std::string& prefix, const std::string& suffix) {
    std::vector<std::vector<std::string>> out;
    size_t pos = 0;
    while (pos < s.size()) {
        if (s.compare(pos, prefix.size(), prefix) != 0) return {{"<no record prefix at " + std::to_string(pos) + ">"}};
        size_t end = s.find("}" + suffix, pos);
        if (end == std::string::npos) return {{"<unterminated record at " + std::to_string(pos) + ">"}};
        out.push_back(members(s.substr(pos + prefix.size(), end + 1 - pos - prefix.size())));
        pos = end + 1 + suffix.size();
    }
    return out;
}

// json-pretty: the lines of each object, sorted, with the separating comma
// dropped (it follows whichever member comes last).
std::vector<std::vector<std::string>> pretty_records(const std::string& s) {
    std::vector<std::vector<std::string>> out;
    std::vector<std::string> cur;
    size_t pos = 0;
    while (pos < s.size()) {
        size_t nl = s.find('\n', pos);
        if (nl == std::string::npos) nl = s.size();
        std::string line = s.substr(pos, nl - pos);
        pos = nl + 1;
        if (line == "}") {
            std::sort(cur.begin(), cur.end());
            out.push_back(cur);
            cur.clear();
            continue;
        }
        if (!line.empty() && line.back() == ',') line.pop_back();
        cur.push_back(line);
    }
    return out;
}

class JournalModes : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (access(kJournalRemote, X_OK) != 0 || system("journalctl --version >/dev/null 2>&1") != 0) return;
        tree_ = new TempTree("busybox");
        fs::path dir = tree_->path() / "var/log/journal/0123456789abcdef0123456789abcdef";
        fs::create_directories(dir);
        auto w = run({kJournalRemote, "--output=" + (dir / "system.journal").string(), "-"},
                     RunOptions{journal_export(), std::chrono::seconds(60), {}});
        ASSERT_EQ(w.status, 0) << w.err;
        leader_ = new FakeLeader(kName, tree_->str());
    }
    static void TearDownTestSuite() {
        delete leader_;
        delete tree_;
        leader_ = nullptr;
        tree_ = nullptr;
    }
    void SetUp() override {
        if (!tree_) GTEST_SKIP() << kJournalRemote << " or journalctl is missing (packages systemd-journal-remote, systemd)";
        BusFixture::ensure_machined();
        if (!machine_listed(kName)) {
            ASSERT_TRUE(register_fake(*leader_, kName, tree_->str()));
        }
    }

    // mctl journal NAME ARGS and journalctl --root=TREE ARGS, in the same zone.
    std::pair<RunResult, RunResult> both(const std::vector<std::string>& args) {
        RunOptions o;
        o.env = {"TZ=XST-5:30XDT,M3.2.0,M11.1.0"};  // a zone with a half-hour offset and summer time
        std::vector<std::string> ours = {mctl_bin(), "journal", kName};
        std::vector<std::string> ref = {"journalctl", "--root=" + tree_->str(), "--no-pager"};
        ours.insert(ours.end(), args.begin(), args.end());
        ref.insert(ref.end(), args.begin(), args.end());
        return {run(ours, o), run(ref, o)};
    }

    static constexpr const char* kName = "spawn-t-jmodes";
    static TempTree* tree_;
    static FakeLeader* leader_;
};
TempTree* JournalModes::tree_ = nullptr;
FakeLeader* JournalModes::leader_ = nullptr;

// Modes that say "-- No entries --" (and print boot separators).
bool spawn_test_is_for_reading(const std::string& mode) { return mode != "export" && mode != "cat"; }

const std::vector<std::vector<std::string>> kSelections = {{}, {"-n", "4"}, {"-u", "foo"}, {"-b"}, {"-q"}, {"-u", "none"}};

}  // namespace

TEST_F(JournalModes, TextModesMatchJournalctlByteForByte) {
    for (const char* mode : {"short", "short-iso", "short-iso-precise", "short-precise", "short-monotonic", "short-unix",
                             "short-full", "short-delta", "with-unit", "verbose", "export", "cat"}) {
        for (const auto& sel : kSelections) {
            std::vector<std::string> args = {"-o", mode};
            args.insert(args.end(), sel.begin(), sel.end());
            auto [ours, ref] = both(args);
            std::string what = std::string(mode) + (sel.empty() ? "" : " " + sel[0] + (sel.size() > 1 ? " " + sel[1] : ""));
            ASSERT_EQ(ref.status, 0) << what << ": " << ref.err;
            EXPECT_EQ(ours.status, 0) << what << ": " << ours.err;
            bool matches_none = !sel.empty() && sel.back() == "none";
            EXPECT_EQ(ref.out.empty(), matches_none && !spawn_test_is_for_reading(mode)) << what << ": " << ref.out;
            EXPECT_EQ(ours.out, ref.out) << what;
        }
    }
}

TEST_F(JournalModes, JsonModesHoldTheSameMembers) {
    struct {
        const char* mode;
        const char *prefix, *suffix;
    } modes[] = {{"json", "", "\n"}, {"json-seq", "\x1e", "\n"}, {"json-sse", "data: ", "\n\n"}};
    for (const auto& m : modes) {
        for (const auto& sel : kSelections) {
            std::vector<std::string> args = {"-o", m.mode};
            args.insert(args.end(), sel.begin(), sel.end());
            auto [ours, ref] = both(args);
            ASSERT_EQ(ref.status, 0) << ref.err;
            EXPECT_EQ(ours.status, 0) << ours.err;
            auto a = records(ours.out, m.prefix, m.suffix), b = records(ref.out, m.prefix, m.suffix);
            EXPECT_EQ(a, b) << m.mode << (sel.empty() ? "" : " " + sel[0]);
            if (sel.empty()) {
                EXPECT_EQ(b.size(), 25u) << m.mode;
            }
        }
    }
    auto [ours, ref] = both({"-o", "json-pretty"});
    EXPECT_EQ(ours.status, 0) << ours.err;
    auto a = pretty_records(ours.out), b = pretty_records(ref.out);
    EXPECT_EQ(b.size(), 25u);
    EXPECT_EQ(a, b);
}

TEST_F(JournalModes, StatusShowsTheJournalInTheChosenMode) {
    RunOptions o;
    o.env = {"TZ=UTC"};
    auto st = run({mctl_bin(), "status", kName, "-n", "2", "-o", "short-unix"}, o);
    auto ref = run({"journalctl", "--root=" + tree_->str(), "--no-pager", "-n", "2", "-o", "short-unix"}, o);
    EXPECT_EQ(st.status, 0) << st.err;
    ASSERT_FALSE(ref.out.empty());
    EXPECT_NE(st.out.find("\n" + ref.out), std::string::npos) << st.out << "\n---\n" << ref.out;
}

TEST_F(JournalModes, AnUnknownModeIsOneLineNamingIt) {
    auto r = run({mctl_bin(), "journal", kName, "-o", "short-fancy"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("--output=short-fancy: unknown output mode (short, short-precise"), std::string::npos) << r.err;
}
