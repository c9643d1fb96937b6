// Pure helpers of mctl: table layout as machinectl prints it, signal names,
// JSON strings, relative times, the command line.
#include <signal.h>
#include <time.h>

#include <gtest/gtest.h>

#include <string_view>

#include "mctl.hpp"
#include "options.hpp"
#include "progress.hpp"
#include "pty_forward.hpp"
#include "transfer_names.hpp"
#include "usage.hpp"

using namespace spawn;
using namespace spawn::mctl;

TEST(Table, PadsColumnsLikeMachinectl) {
    Table t({"MACHINE", "CLASS", "SERVICE", "OS", "VERSION", "ADDRESSES"});
    t.add({"probe", "container", "spawn", "debian", "12", ""});
    EXPECT_EQ(t.render(true),
              "MACHINE CLASS     SERVICE OS     VERSION ADDRESSES\n"
              "probe   container spawn   debian 12      -\n");
    EXPECT_EQ(t.render(false), "probe container spawn debian 12 -\n");
}

TEST(Json, Strings) {
    EXPECT_EQ(json_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
    EXPECT_EQ(json_string(std::string("\x01", 1)), "\"\\u0001\"");
}

TEST(Time, RelativeAndUuid) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = static_cast<uint64_t>(ts.tv_sec) * 1000000;
    EXPECT_EQ(format_relative(now - 3723ull * 1000000).substr(0, 7), "1h 2min");
}

// The command line, as machinectl reads it.
namespace {
Result<Invocation> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "mctl");
    return parse_mctl_args(args, [](const char* n) -> const char* {
        return std::string_view(n) == "FROM_ENV" ? "env-value" : nullptr;
    });
}
}  // namespace

TEST(MctlArgs, VerbArgumentsAndOptionsAnywhere) {
    auto r = parse({"--no-legend", "status", "a", "-p", "Leader,Class", "b", "--value"});
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_STREQ(r->verb->name, "status");
    EXPECT_EQ(r->args, (std::vector<std::string>{"a", "b"}));
    EXPECT_FALSE(r->options.legend);
    EXPECT_TRUE(r->options.value);
    EXPECT_EQ(r->options.properties, (std::vector<std::string>{"Leader", "Class"}));
    auto none = parse({});
    ASSERT_TRUE(none);
    EXPECT_STREQ(none->verb->name, "list");
    auto clustered = parse({"-qan5", "journal", "x"});
    ASSERT_TRUE(clustered) << clustered.error().message();
    EXPECT_TRUE(clustered->options.quiet && clustered->options.all);
    EXPECT_EQ(clustered->options.lines, 5);
    auto abbreviated = parse({"kill", "x", "--kill-wh=all", "--sig", "TERM"});
    ASSERT_TRUE(abbreviated) << abbreviated.error().message();
    EXPECT_EQ(abbreviated->options.kill_whom, "all");
    EXPECT_EQ(abbreviated->options.signal, SIGTERM);
}

TEST(MctlArgs, AfterTheMachineNameExecAndShellTakeTheCommandVerbatim) {
    auto r = parse({"-q", "exec", "deb", "ls", "-l", "--all", "-p", "x"});
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_STREQ(r->verb->name, "exec");
    EXPECT_EQ(r->args, (std::vector<std::string>{"deb", "ls", "-l", "--all", "-p", "x"}));
    EXPECT_TRUE(r->options.quiet);
    EXPECT_FALSE(r->options.all);
    auto s = parse({"shell", "--uid=bob", "deb", "/bin/sh", "-c", "echo -E"});
    ASSERT_TRUE(s) << s.error().message();
    EXPECT_EQ(s->options.uid, "bob");
    EXPECT_EQ(s->args, (std::vector<std::string>{"deb", "/bin/sh", "-c", "echo -E"}));
    auto e = parse({"exec", "-E", "A=1", "-E", "FROM_ENV", "-E", "UNSET", "deb", "env"});
    ASSERT_TRUE(e) << e.error().message();
    EXPECT_EQ(e->options.setenv, (std::vector<std::string>{"A=1", "FROM_ENV=env-value"}));
}

TEST(MctlArgs, BadInputIsOneLine) {
    struct Case {
        std::vector<std::string> args;
        const char* message;
    } cases[] = {
        {{"list", "--bogus"}, "unknown option --bogus (see mctl --help)"},
        {{"list", "-Z"}, "unknown option -Z (see mctl --help)"},
        {{"journal", "x", "--lines"}, "option --lines needs a value"},
        {{"journal", "x", "-n"}, "option -n needs a value"},
        {{"journal", "x", "--lines=many"}, "--lines=many: expected a non-negative number"},
        {{"kill", "x", "--signal=NOPE"}, "--signal=NOPE: unknown signal"},
        {{"kill", "x", "--kill-whom=everyone"}, "--kill-whom=everyone: expected leader or all"},
        {{"list", "-o", "yaml"}, "--output=yaml: unknown output mode (short, short-precise, short-iso, short-iso-precise, short-full, "
     "short-monotonic, short-unix, short-delta, verbose, export, json, json-pretty, json-sse, json-seq, cat, with-unit)"},
        {{"exec", "x", "-E", "=1"}, nullptr},  // after the name: the command's
        {{"-E", "=1", "exec", "x", "y"}, "--setenv==1: expected VAR=VALUE"},
        {{"frobnicate"}, "unknown command \"frobnicate\" (see mctl --help)"},
        {{"status"}, "status: too few arguments"},
        {{"exec", "x"}, "exec: too few arguments"},
        {{"journal", "a", "b"}, "journal: too many arguments"},
        {{"list", "extra"}, "list: too many arguments"},
    };
    for (const auto& c : cases) {
        auto r = parse(c.args);
        if (!c.message) {
            EXPECT_TRUE(r) << c.args[0];
            continue;
        }
        ASSERT_FALSE(r) << c.message;
        EXPECT_EQ(r.error().message(), c.message);
    }
    auto h = parse({"status", "--help"});
    ASSERT_TRUE(h);
    EXPECT_TRUE(h->help);
}

TEST(MctlArgs, FullNoAskPasswordAndMaxAddresses) {
    auto r = parse({"-l", "--no-ask-password", "--max-addresses=3", "list"});
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->options.max_addresses, 3u);
    EXPECT_EQ(parse({"list"})->options.max_addresses, 1u);
    EXPECT_EQ(parse({"--max-addresses=all"})->options.max_addresses, SIZE_MAX);
    EXPECT_EQ(parse({"--full", "list"})->verb->name, std::string("list"));
    EXPECT_EQ(parse({"--max-addresses"}).error().message(), "option --max-addresses needs a value");
    EXPECT_EQ(parse({"--max-addresses="}).error().message(), "--max-addresses=: expected a number or all");
    EXPECT_EQ(parse({"--max-addresses=some"}).error().message(), "--max-addresses=some: expected a number or all");
    EXPECT_EQ(parse({"-H", "h", "-M", "m"}).error().message(), "-H/--host= and -M/--machine= may not be combined");
}

TEST(Addresses, ListShowsAtMostMaxThenAnEllipsis) {
    std::vector<std::string> a = {"10.0.0.2", "fd00::2", "192.168.1.5"};
    EXPECT_EQ(shown_addresses(a, 1), "10.0.0.2…");
    EXPECT_EQ(shown_addresses(a, 2), "10.0.0.2 fd00::2…");
    EXPECT_EQ(shown_addresses(a, 3), "10.0.0.2 fd00::2 192.168.1.5");
    EXPECT_EQ(shown_addresses(a, SIZE_MAX), "10.0.0.2 fd00::2 192.168.1.5");
    EXPECT_EQ(shown_addresses({}, 1), "");
    EXPECT_EQ(shown_addresses(a, 0), "…");
}

TEST(MctlUsage, BlockIoAndCpuPercent) {
    using spawn::mctl::cpu_percent;
    using spawn::mctl::parse_blkio_bytes;
    using spawn::mctl::parse_io_stat;
    EXPECT_EQ(parse_io_stat("8:0 rbytes=4096 wbytes=512 rios=1 wios=1 dbytes=0 dios=0\n"
                            "253:1 rbytes=100 wbytes=28 rios=1 wios=1\n"),
              std::make_pair(uint64_t{4196}, uint64_t{540}));
    EXPECT_EQ(parse_io_stat(""), std::make_pair(uint64_t{0}, uint64_t{0}));
    EXPECT_EQ(parse_blkio_bytes("8:0 Read 4096\n8:0 Write 512\n8:0 Sync 10\n8:0 Async 0\n8:0 Total 4608\n"
                                "253:1 Read 4\n253:1 Write 8\nTotal 4620\n"),
              std::make_pair(uint64_t{4100}, uint64_t{520}));
    EXPECT_EQ(parse_blkio_bytes("Total 0\n"), std::make_pair(uint64_t{0}, uint64_t{0}));
    EXPECT_DOUBLE_EQ(cpu_percent(1000, 501000, 1000000), 50.0);
    EXPECT_DOUBLE_EQ(cpu_percent(0, 2000000, 1000000), 200.0);  // two CPUs busy
    EXPECT_DOUBLE_EQ(cpu_percent(5, 4, 1000), 0.0);               // a counter reset
    EXPECT_DOUBLE_EQ(cpu_percent(0, 10, 0), 0.0);
}

TEST(TransferNames, CompressionFromFormatAndSuffix) {
    EXPECT_EQ(parse_compression("uncompressed"), Compression::None);
    EXPECT_EQ(parse_compression("zstd"), Compression::Zstd);
    EXPECT_EQ(parse_compression("lzma"), std::nullopt);
    EXPECT_EQ(parse_compression(""), std::nullopt);
    EXPECT_EQ(compression_name(Compression::Bzip2), "bzip2");
    EXPECT_EQ(compression_of("/srv/deb.tar.xz"), Compression::Xz);
    EXPECT_EQ(compression_of("deb.tgz"), Compression::Gzip);
    EXPECT_EQ(compression_of("deb.tar.zst"), Compression::Zstd);
    EXPECT_EQ(compression_of("deb.raw.bz2"), Compression::Bzip2);
    EXPECT_EQ(compression_of("deb.tar"), Compression::None);
    EXPECT_EQ(compression_of("gz"), Compression::None);
}

TEST(TransferNames, ImageNameIsTheFileNameWithoutItsSuffixes) {
    EXPECT_EQ(image_name_of("/tmp/deb.tar.xz"), "deb");
    EXPECT_EQ(image_name_of("fedora-40.raw.zst"), "fedora-40");
    EXPECT_EQ(image_name_of("disk.img"), "disk");
    EXPECT_EQ(image_name_of("dir/plain"), "plain");
    EXPECT_EQ(image_name_of("a.b.tar"), "a.b");
    EXPECT_EQ(image_name_of(".tar"), ".tar");  // nothing left to name it: the caller refuses
}

TEST(Progress, LineShowsBytesRateAndTimeLeft) {
    EXPECT_EQ(format_bytes(512), "512B");
    EXPECT_EQ(format_bytes(1536), "1.5K");
    EXPECT_EQ(format_bytes(3ull << 30), "3.0G");
    EXPECT_EQ(progress_line("deb.tar", 50 << 20, 100 << 20, 2.0), "deb.tar  50% 50.0M 25.0M/s 2s left");
    EXPECT_EQ(progress_line("stdin", 10 << 20, 0, 1.0), "stdin 10.0M 10.0M/s");
    EXPECT_EQ(progress_line("x", 0, 0, 0), "x 0B");
    EXPECT_EQ(progress_line("x", 200, 100, 1.0), "x 100% 200B 200B/s") << "never past 100%";
}

TEST(TransferNames, ChecksumLinesAsSha256sumWritesThem) {
    const std::string a(64, 'a'), b(64, 'B');
    const std::string sums = a + "  deb.tar.xz\n" + b + " *disk.raw\r\n" + "short  x\n" + std::string(64, 'z') + "  bad\n";
    EXPECT_EQ(find_checksum(sums, "deb.tar.xz"), a);
    EXPECT_EQ(find_checksum(sums, "disk.raw"), std::string(64, 'b')) << "binary mode, CRLF, upper case";
    EXPECT_EQ(find_checksum(sums, "deb.tar"), std::nullopt) << "whole names only";
    EXPECT_EQ(find_checksum(sums, "bad"), std::nullopt) << "not hex";
    EXPECT_EQ(find_checksum(sums, "x"), std::nullopt);
    EXPECT_EQ(find_checksum("", "x"), std::nullopt);
}
