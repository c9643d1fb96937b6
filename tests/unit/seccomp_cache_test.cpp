// The compiled-filter cache: a plan seen before loads from its file; a file
// that is not exactly this plan's, or not root's alone, is never used.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "container/caps.hpp"
#include "container/seccomp_cache.hpp"

using namespace spawn;
using namespace spawn::container;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path p;
    TempDir() {
        char tmpl[] = "/var/tmp/spawn-seccomp-cache-XXXXXX";
        p = mkdtemp(tmpl);
        fs::permissions(p, fs::perms(0700));
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(p, ec);
    }
};

bool same(const CompiledSeccomp& a, const CompiledSeccomp& b) {
    if (a.programs.size() != b.programs.size()) return false;
    for (size_t i = 0; i < a.programs.size(); ++i)
        if (a.programs[i].size() != b.programs[i].size() ||
            std::memcmp(a.programs[i].data(), b.programs[i].data(), a.programs[i].size() * sizeof(sock_filter)) != 0)
            return false;
    return true;
}

std::vector<fs::path> files(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
    return out;
}

}  // namespace

TEST(SeccompCache, KeyIsTheWholePlan) {
    auto a = plan_seccomp(kDefaultCapabilities);
    auto b = plan_seccomp(kDefaultCapabilities | cap_bit(CAP_SYS_TIME));
    auto c = plan_seccomp(kDefaultCapabilities, SyscallFilter{{}, {"@mount"}});
    EXPECT_EQ(seccomp_cache_key(a), seccomp_cache_key(plan_seccomp(kDefaultCapabilities)));
    EXPECT_NE(seccomp_cache_key(a), seccomp_cache_key(b));
    EXPECT_NE(seccomp_cache_key(a), seccomp_cache_key(c));
    auto d = a;
    d.deny_audit_netlink = false;
    EXPECT_NE(seccomp_cache_key(a), seccomp_cache_key(d));
    EXPECT_NE(seccomp_cache_key(a).find("allowed "), std::string::npos);
}

TEST(SeccompCache, ReusesOnlyWhatIsExactlyThisPlansAndRootsAlone) {
    if (geteuid() != 0) GTEST_SKIP() << "the cache trusts files owned by root only";
    TempDir dir;
    const auto plan = plan_seccomp(kDefaultCapabilities);
    const auto fresh = compile_seccomp(plan);
    ASSERT_TRUE(fresh.ok()) << fresh.error().message();

    auto first = compile_seccomp_cached(plan, dir.p);
    ASSERT_TRUE(first.ok());
    EXPECT_TRUE(same(*first, *fresh));
    auto stored = files(dir.p);
    ASSERT_EQ(stored.size(), 1u);
    const fs::path file = stored[0];
    EXPECT_EQ(fs::status(file).permissions() & fs::perms::all, fs::perms(0600));

    // Reused: a byte changed in the file's last instruction (by root: trusted)
    // shows up in what the next start gets.
    {
        std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
        f.seekg(-1, std::ios::end);
        char c = 0;
        f.get(c);
        f.seekp(-1, std::ios::end);
        f.put(static_cast<char>(c ^ 0x5a));
    }
    auto reused = compile_seccomp_cached(plan, dir.p);
    ASSERT_TRUE(reused.ok());
    EXPECT_FALSE(same(*reused, *fresh)) << "the cached file was not read";
    EXPECT_EQ(reused->programs.size(), fresh->programs.size());

    const auto other = plan_seccomp(kDefaultCapabilities | cap_bit(CAP_SYS_TIME));
    TempDir other_dir;
    ASSERT_TRUE(compile_seccomp_cached(other, other_dir.p).ok());
    const fs::path other_file = files(other_dir.p)[0];
    // Another plan's file under this plan's name: its key differs, so it is not used.
    fs::copy_file(other_file, file, fs::copy_options::overwrite_existing);
    auto swapped = compile_seccomp_cached(plan, dir.p);
    ASSERT_TRUE(swapped.ok());
    EXPECT_TRUE(same(*swapped, *fresh));
    // ... and it was replaced by this plan's.
    auto again = compile_seccomp_cached(plan, dir.p);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(same(*again, *fresh));

    // A truncated file: compiled afresh.
    fs::resize_file(file, fs::file_size(file) / 2);
    auto cut = compile_seccomp_cached(plan, dir.p);
    ASSERT_TRUE(cut.ok());
    EXPECT_TRUE(same(*cut, *fresh));

    // A file others may write: not trusted, whatever it holds.
    fs::copy_file(other_file, file, fs::copy_options::overwrite_existing);
    fs::permissions(file, fs::perms(0666));
    auto open = compile_seccomp_cached(plan, dir.p);
    ASSERT_TRUE(open.ok());
    EXPECT_TRUE(same(*open, *fresh));
}
