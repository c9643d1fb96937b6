// The journal output modes' building blocks (journal/text) and the
// formatter's state across entries (short-delta, boot separators). The modes
// themselves are checked against journalctl in
// tests/integration/journal_modes_test.cpp.
#include <stdlib.h>
#include <time.h>

#include <gtest/gtest.h>

#include "journal/format.hpp"
#include "journal/text.hpp"

using namespace spawn::journal;

namespace {

Entry entry(uint64_t realtime, uint64_t monotonic, const std::string& boot, const std::string& message) {
    Entry e;
    e.cursor = "s=c;i=1";
    e.realtime = realtime;
    e.monotonic = monotonic;
    e.boot_id = boot;
    e.fields = {{"_BOOT_ID", boot}, {"SYSLOG_IDENTIFIER", "id"}, {"MESSAGE", message}};
    return e;
}

struct UtcZone {
    UtcZone() {
        setenv("TZ", "UTC", 1);
        tzset();
    }
};

}  // namespace

TEST(JournalText, PrintableIsValidUtf8WithoutControlCharacters) {
    EXPECT_TRUE(is_printable("plain text"));
    EXPECT_TRUE(is_printable("tab\tand\nnewline"));
    EXPECT_FALSE(is_printable("a\nb", /*allow_newline=*/false));
    EXPECT_TRUE(is_printable("caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80"));
    EXPECT_FALSE(is_printable(std::string("nul\0", 4)));
    EXPECT_FALSE(is_printable("bell\a"));
    EXPECT_FALSE(is_printable("del\x7f"));
    EXPECT_FALSE(is_printable("c1 \xc2\x85"));          // NEL
    EXPECT_FALSE(is_printable("bad \xff"));
    EXPECT_FALSE(is_printable("overlong \xc0\xaf"));
    EXPECT_FALSE(is_printable("surrogate \xed\xa0\x80"));
    EXPECT_FALSE(is_printable("nonchar \xef\xbf\xbe"));  // U+FFFE
    EXPECT_FALSE(is_printable("nonchar \xef\xb7\x90"));  // U+FDD0
    EXPECT_FALSE(is_printable("truncated \xe2\x98"));
    EXPECT_TRUE(is_printable(""));
}

TEST(JournalText, TabsWidenAndColourAndLinksAreStripped) {
    EXPECT_EQ(strip_tab_ansi("a\tb"), "a        b");
    EXPECT_EQ(strip_tab_ansi("\x1b[1;31mred\x1b[0m"), "red");
    EXPECT_EQ(strip_tab_ansi("\x1b]8;;http://x\alink\x1b]8;;\a"), "link");
    // Anything else stays: other sequences, a truncated one, a lone ESC.
    EXPECT_EQ(strip_tab_ansi("\x1b[2J"), "\x1b[2J");
    EXPECT_EQ(strip_tab_ansi("end\x1b[31"), "end\x1b[31");
    EXPECT_EQ(strip_tab_ansi("lone\x1b"), "lone\x1b");
    EXPECT_EQ(strip_tab_ansi("\x1b\t"), "\x1b\t");
}

TEST(JournalText, BlobSizesHaveOneTruncatedDecimal) {
    EXPECT_EQ(format_bytes(0), "0B");
    EXPECT_EQ(format_bytes(1023), "1023B");
    EXPECT_EQ(format_bytes(1024), "1.0K");
    EXPECT_EQ(format_bytes(3000), "2.9K");
    EXPECT_EQ(format_bytes(2000000), "1.9M");
    EXPECT_EQ(format_bytes(5ULL << 30), "5.0G");
}

TEST(JournalText, ContinuationLinesAreIndented) {
    EXPECT_EQ(indented_lines("one", 4), "one\n");
    EXPECT_EQ(indented_lines("one\ntwo", 4), "one\n    two\n");
    EXPECT_EQ(indented_lines("", 4), "\n");
    EXPECT_EQ(indented_lines("trailing\n", 4), "trailing\n");
}

TEST(JournalFormat, EveryModeIsKnownByItsJournalctlName) {
    for (const char* m : {"short", "short-precise", "short-iso", "short-iso-precise", "short-full", "short-monotonic",
                          "short-unix", "short-delta", "verbose", "export", "json", "json-pretty", "json-sse", "json-seq",
                          "cat", "with-unit"})
        EXPECT_TRUE(parse_format(m)) << m;
    auto bad = parse_format("table");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message().rfind("--output=table: unknown output mode (short, short-precise,", 0), 0u);
}

TEST(JournalFormat, BootSeparatorsOnlyBetweenBootsOfModesForReading) {
    UtcZone utc;
    const std::string b1(32, 'a'), b2(32, 'b');
    Formatter f(Format::Cat), s(Format::Short), q(Format::Short, /*quiet=*/true);
    for (Formatter* x : {&f, &s, &q}) x->format(entry(1000000, 1, b1, "first"));
    EXPECT_EQ(f.format(entry(2000000, 2, b2, "second")), "second\n");
    EXPECT_EQ(s.format(entry(2000000, 2, b2, "second")), "-- Boot " + b2 + " --\nJan 01 00:00:02 id: second\n");
    EXPECT_EQ(q.format(entry(2000000, 2, b2, "second")), "Jan 01 00:00:02 id: second\n");
}

TEST(JournalFormat, DeltaIsMonotonicWithinABootAndRealtimeAcross) {
    const std::string b1(32, 'a'), b2(32, 'b');
    Formatter f(Format::ShortDelta, /*quiet=*/true);
    EXPECT_EQ(f.format(entry(10000000, 5000001, b1, "a")), "[    5.000001                ] id: a\n");
    EXPECT_EQ(f.format(entry(11000000, 6500001, b1, "b")), "[    6.500001 <    1.500000 >] id: b\n");
    EXPECT_EQ(f.format(entry(13000000, 100, b2, "c")), "[    0.000100 <    2.000000*>] id: c\n");
}

TEST(JournalFormat, ExportWritesBinaryFieldsWithTheirLength) {
    Entry e = entry(1, 2, std::string(32, 'a'), "two\nlines");
    std::string out = Formatter(Format::Export).format(e);
    std::string len("\x09\0\0\0\0\0\0\0", 8);
    EXPECT_EQ(out, "__CURSOR=s=c;i=1\n__REALTIME_TIMESTAMP=1\n__MONOTONIC_TIMESTAMP=2\n_BOOT_ID=" + std::string(32, 'a') +
                       "\nSYSLOG_IDENTIFIER=id\nMESSAGE\n" + len + "two\nlines\n\n");
}

TEST(JournalFormat, JsonGroupsRepeatsAndShowsBytesOrNull) {
    Entry e = entry(1, 2, std::string(32, 'a'), std::string("\x01\x02", 2));
    e.fields.push_back({"X", "1"});
    e.fields.push_back({"X", "2"});
    e.fields.push_back({"BIG", std::string(4092, 'y')});
    std::string out = Formatter(Format::Json).format(e);
    EXPECT_NE(out.find("\"MESSAGE\":[1,2]"), std::string::npos) << out;
    EXPECT_NE(out.find("\"X\":[\"1\",\"2\"]"), std::string::npos) << out;
    EXPECT_NE(out.find("\"BIG\":null"), std::string::npos) << out;
    EXPECT_EQ(out.find("\"_BOOT_ID\""), out.rfind("\"_BOOT_ID\"")) << "the boot ID once: " << out;
    std::string pretty = Formatter(Format::JsonPretty).format(e);
    EXPECT_NE(pretty.find("\t\"MESSAGE\" : [\n\t\t1,\n\t\t2\n\t],\n"), std::string::npos) << pretty;
}
