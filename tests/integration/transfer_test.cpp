// mctl import-tar, import-raw, import-fs, export-tar, export-raw on real
// files in /var/lib/machines: round trips that keep owners, modes, times,
// extended attributes, hard links and device nodes (compared by a tree walk
// and by GNU tar --compare), each compression, hostile archives (absolute
// paths, "..", writes through symlinks, hard links out of the image), a tar
// larger than the free space, raw images, Ctrl-C and SIGKILL mid-import: one
// line each, and nothing left but what `clean` removes.
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "core_util.hpp"
#include "harness.hpp"

using namespace spawn::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const fs::path kPool = "/var/lib/machines";

RunResult mctl(std::vector<std::string> args) {
    args.insert(args.begin(), mctl_bin());
    return run(args);
}

std::string str_join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s;
}

// The pool's entries, hidden ones included.
std::string pool_entries() { return sh("ls -A " + kPool.string()).out; }

// Image names of this test, removed afterwards whatever happens.
struct Names {
    std::string prefix = "spawn-t-xfer" + std::to_string(getpid()) + "-";
    std::string operator()(const std::string& n) const { return prefix + n; }
    ~Names() { sh("rm -rf " + kPool.string() + "/" + prefix + "* " + kPool.string() + "/.#" + prefix + "*"); }
};

// mctl invocations that must fail: exit 1, one line with the error, the pool
// as it was before.
struct Refused {
    std::vector<std::string> args;
    std::string error;
};
void expect_refused(const std::vector<Refused>& cases, const std::string& pool_before) {
    for (const auto& c : cases) {
        SCOPED_TRACE(str_join(c.args));
        auto r = mctl(c.args);
        EXPECT_EQ(r.status, 1);
        EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
        EXPECT_NE(r.err.find(c.error), std::string::npos) << r.err;
        EXPECT_EQ(pool_entries(), pool_before) << "an image, a landing or a download is left";
    }
}

// The busybox tree imported as n("src") and exported to dir/src.tar: the
// archive's bytes (empty when either failed: the caller asserts).
std::string exported_busybox(const Names& n, const fs::path& dir) {
    TempTree t("busybox");
    if (mctl({"import-fs", t.str(), n("src")}).status != 0) return "";
    if (mctl({"export-tar", n("src"), (dir / "src.tar").string()}).status != 0) return "";
    return read_file(dir / "src.tar");
}

// A tree with what a faithful transfer must keep: a set-ID file with an
// owner, an extended attribute and a second name, a device node, a symlink
// pointing out of the tree (as /etc/localtime does) and an empty directory.
void add_special_files(const fs::path& root) {
    fs::create_directories(root / "srv/empty");
    std::ofstream(root / "srv/one") << "data\n";
    ASSERT_EQ(link((root / "srv/one").c_str(), (root / "srv/two").c_str()), 0);
    ASSERT_EQ(chown((root / "srv/one").c_str(), 1234, 5678), 0);
    ASSERT_EQ(chmod((root / "srv/one").c_str(), 04755), 0);
    ASSERT_EQ(setxattr((root / "srv/one").c_str(), "user.spawn", "v", 1, 0), 0);
    ASSERT_EQ(mknod((root / "srv/null").c_str(), S_IFCHR | 0640, makedev(1, 3)), 0);
    fs::create_symlink("/usr/share/zoneinfo/UTC", root / "srv/localtime");
}

// The first bytes of a file, as hex.
std::string magic(const fs::path& p, size_t n) {
    std::ifstream in(p, std::ios::binary);
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        int c = in.get();
        if (c < 0) break;
        constexpr const char* kHex = "0123456789abcdef";
        out += kHex[(c >> 4) & 0xf];
        out += kHex[c & 0xf];
    }
    return out;
}

}  // namespace

TEST(Transfer, ExportAndImportKeepEverythingInEachCompression) {
    Names n;
    TempTree t("busybox");
    add_special_files(t.path());
    ScratchDir d;
    auto fsi = mctl({"import-fs", t.str() + "/", n("src")});
    ASSERT_EQ(fsi.status, 0) << fsi.err;
    EXPECT_EQ(tree_listing(kPool / n("src")), tree_listing(t.path())) << "import-fs is a faithful copy";
    struct Case {
        const char* suffix;
        const char* magic;  // of the file export-tar writes
    };
    int index = 0;
    for (Case c : {Case{".tar", ""}, Case{".tar.gz", "1f8b"}, Case{".tar.xz", "fd377a585a00"},
                   Case{".tar.zst", "28b52ffd"}, Case{".tar.bz2", "425a68"}}) {
        SCOPED_TRACE(c.suffix);
        const fs::path file = d.path() / (std::string("img") + c.suffix);
        auto ex = mctl({"export-tar", n("src"), file.string()});
        ASSERT_EQ(ex.status, 0) << ex.err;
        EXPECT_NE(ex.err.find("Exported image '" + n("src") + "'"), std::string::npos) << ex.err;
        EXPECT_EQ(magic(file, std::string(c.magic).size() / 2), c.magic);
        EXPECT_FALSE(fs::exists(d.path() / (".#" + file.filename().string() + ".partial")));
        // GNU tar reads it back as the same tree, extended attributes too.
        auto cmp = sh("cd '" + t.str() + "' && tar --xattrs --xattrs-include='*' -df '" + file.string() + "' 2>&1");
        EXPECT_EQ(cmp.status, 0) << cmp.out;
        const std::string name = n("copy") + std::to_string(index++);
        auto im = mctl({"import-tar", file.string(), name});
        ASSERT_EQ(im.status, 0) << im.err;
        const fs::path copy = kPool / name;
        EXPECT_EQ(tree_listing(copy), tree_listing(t.path()));
        struct stat one {}, two {}, null {};
        ASSERT_EQ(lstat((copy / "srv/one").c_str(), &one), 0);
        ASSERT_EQ(lstat((copy / "srv/two").c_str(), &two), 0);
        ASSERT_EQ(lstat((copy / "srv/null").c_str(), &null), 0);
        EXPECT_EQ(one.st_ino, two.st_ino) << "a hard link";
        EXPECT_TRUE(S_ISCHR(null.st_mode) && null.st_rdev == makedev(1, 3));
        char v[4] = {};
        EXPECT_EQ(getxattr((copy / "srv/one").c_str(), "user.spawn", v, sizeof v), 1);
        EXPECT_EQ(fs::read_symlink(copy / "srv/localtime"), "/usr/share/zoneinfo/UTC");
    }
    // The name comes from the file when none is given; --read-only marks it.
    const fs::path named = d.path() / (n("named") + ".tar.xz");
    ASSERT_EQ(mctl({"export-tar", n("src"), named.string()}).status, 0);
    auto im = mctl({"import-tar", "--read-only", named.string()});
    ASSERT_EQ(im.status, 0) << im.err;
    EXPECT_TRUE(fs::is_directory(kPool / n("named")));
    auto st = mctl({"image-status", n("named")});
    EXPECT_NE(st.out.find("read-only"), std::string::npos) << st.out;
    sh("chattr -i " + (kPool / n("named")).string());
    // To stdout, and from stdin.
    auto piped = sh("'" + mctl_bin() + "' export-tar " + n("src") + " | '" + mctl_bin() + "' -q import-tar - " + n("piped"));
    EXPECT_EQ(piped.status, 0) << piped.err;
    EXPECT_EQ(tree_listing(kPool / n("piped")), tree_listing(t.path()));
    EXPECT_EQ(pool_entries().find(".#"), std::string::npos) << pool_entries();
    // On a terminal (script(1) gives it one) a progress line is drawn and cleared.
    const fs::path shown = d.path() / "on-a-terminal.tar";
    auto tty = sh("script -qec \"'" + mctl_bin() + "' export-tar " + n("src") + " " + shown.string() + "\" /dev/null");
    EXPECT_EQ(tty.status, 0) << tty.out;
    EXPECT_NE(tty.out.find("\r\033[K" + shown.string() + " "), std::string::npos) << tty.out;
    EXPECT_NE(tty.out.find("Exported image"), std::string::npos) << tty.out;
}

TEST(Transfer, HostileArchivesAreRefusedNamingTheEntryAndLeaveNothing) {
    Names n;
    ScratchDir d;
    const fs::path outside = d.path() / "outside";
    fs::create_directories(outside);
    struct stat hostname_before {};
    ASSERT_EQ(stat("/etc/hostname", &hostname_before), 0);
    // Each archive: ./ then its entries (python's tarfile writes what it is told).
    auto r = sh("cd '" + d.str() + "' && python3 - <<'EOF'\n"
                "import tarfile, io\n"
                "def mk(name, entries):\n"
                "    with tarfile.open(name, 'w') as t:\n"
                "        d = tarfile.TarInfo('./'); d.type = tarfile.DIRTYPE; t.addfile(d)\n"
                "        for kind, n, arg in entries:\n"
                "            ti = tarfile.TarInfo(n)\n"
                "            if kind == 'file':\n"
                "                ti.size = len(arg); t.addfile(ti, io.BytesIO(arg))\n"
                "            else:\n"
                "                ti.type = tarfile.SYMTYPE if kind == 'sym' else tarfile.LNKTYPE; ti.linkname = arg; t.addfile(ti)\n"
                "out = '" + outside.string() + "'\n"
                "mk('abs.tar', [('file', out + '/abs', b'x')])\n"
                "mk('dotdot.tar', [('file', '../../../../../..' + out + '/dotdot', b'x')])\n"
                "mk('symdir.tar', [('sym', 'link', out), ('file', 'link/through', b'x')])\n"
                "mk('symrel.tar', [('sym', 'link', '../../../../../..' + out), ('file', 'link/through', b'x')])\n"
                "mk('hardabs.tar', [('hard', 'hl', '/etc/hostname')])\n"
                "mk('harddot.tar', [('hard', 'hl', '../../../../etc/hostname')])\n"
                "mk('hardsym.tar', [('sym', 'etc', '/etc'), ('hard', 'hl', 'etc/hostname')])\n"
                "mk('good.tar', [('sym', 'abs', '/etc/passwd'), ('file', 'f', b'x' * 20000)])\n"
                "EOF\n"
                "head -c 3000 good.tar > trunc.tar; echo not an archive > junk.tar; head -c 65536 /dev/urandom > noise.tar");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string before = pool_entries();
    struct Case {
        const char* file;
        const char* error;
    } cases[] = {
        {"abs.tar", "/abs: Path is absolute"},
        {"dotdot.tar", "/dotdot: Path contains '..'"},
        {"symdir.tar", "link/through: Cannot extract through symlink"},
        {"symrel.tar", "link/through: Cannot extract through symlink"},
        {"hardabs.tar", "hl: Path is absolute"},
        {"harddot.tar", "hl: Path contains '..'"},
        {"hardsym.tar", "hl: Cannot extract through symlink"},
        {"trunc.tar", "Truncated tar archive"},
        {"junk.tar", "junk.tar: Unrecognized archive format"},
        {"noise.tar", "noise.tar: Unrecognized archive format"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.file);
        auto im = mctl({"import-tar", (d.path() / c.file).string(), n("evil")});
        EXPECT_EQ(im.status, 1);
        EXPECT_EQ(lines_of(im.err).size(), 1u) << im.err;
        EXPECT_NE(im.err.find("Could not import image '" + n("evil") + "'"), std::string::npos) << im.err;
        EXPECT_NE(im.err.find(c.error), std::string::npos) << im.err;
        EXPECT_EQ(pool_entries(), before) << "an image or a landing is left";
        EXPECT_TRUE(fs::is_empty(outside)) << "written outside the image";
    }
    struct stat hostname_after {};
    ASSERT_EQ(stat("/etc/hostname", &hostname_after), 0);
    EXPECT_EQ(hostname_after.st_nlink, hostname_before.st_nlink) << "a host file got a hard link";
    // The good one: symlinks to absolute paths are normal in images.
    auto good = mctl({"import-tar", (d.path() / "good.tar").string(), n("good")});
    EXPECT_EQ(good.status, 0) << good.err;
    EXPECT_EQ(fs::read_symlink(kPool / n("good") / "abs"), "/etc/passwd");
}

TEST(Transfer, BadNamesExistingTargetsAndMissingSourcesAreOneLine) {
    Names n;
    TempTree t("busybox");
    ScratchDir d;
    ASSERT_EQ(mctl({"import-fs", t.str(), n("a")}).status, 0);
    ASSERT_EQ(mctl({"export-tar", n("a"), (d.path() / "a.tar").string()}).status, 0);
    const std::string before = pool_entries();
    expect_refused({
        {{"import-tar", (d.path() / "a.tar").string(), n("a")}, "Image '" + n("a") + "' already exists (--force replaces it)"},
        {{"import-tar", (d.path() / "a.tar").string(), "bad/name"}, "Invalid image name 'bad/name'"},
        {{"import-tar", "/nonexistent-spawn.tar", n("b")}, "Failed to open /nonexistent-spawn.tar: No such file or directory"},
        {{"import-tar", "-", n("b")}, "Unrecognized archive format"},  // an empty stdin
        {{"import-fs", "/nonexistent-spawn-dir", n("b")}, "/nonexistent-spawn-dir: No such file or directory"},
        {{"export-tar", "spawn-no-such-image", (d.path() / "x.tar").string()}, "No image 'spawn-no-such-image' known"},
        {{"export-tar", n("a"), (d.path() / "a.tar").string()}, "a.tar exists (--force replaces it)"},
        {{"export-raw", n("a"), (d.path() / "x.raw").string()}, "is a directory: export-tar exports it"},
        {{"export-tar", "--format=lzma", n("a"), (d.path() / "x.tar").string()}, "--format=lzma: expected uncompressed"},
    }, before);
    EXPECT_FALSE(fs::exists(d.path() / "x.tar"));
    EXPECT_FALSE(fs::exists(d.path() / "x.raw"));
    // --force replaces the image, and the file.
    std::ofstream(t.path() / "new-file") << "new\n";
    ASSERT_EQ(mctl({"import-fs", "--force", t.str(), n("a")}).status, 0);
    EXPECT_TRUE(fs::exists(kPool / n("a") / "new-file"));
    ASSERT_EQ(mctl({"export-tar", "--force", n("a"), (d.path() / "a.tar").string()}).status, 0);
    EXPECT_NE(sh("tar -tf " + (d.path() / "a.tar").string()).out.find("./new-file"), std::string::npos);
}

TEST(Transfer, RawImagesRoundTripCompressedAndNoiseIsRefused) {
    Names n;
    ScratchDir d;
    const fs::path img = d.path() / (n("raw") + ".raw");
    ASSERT_EQ(sh("truncate -s 8M " + img.string() + " && mkfs.ext4 -q " + img.string() + " && xz -k -T1 " + img.string()).status, 0);
    auto im = mctl({"import-raw", img.string() + ".xz"});
    ASSERT_EQ(im.status, 0) << im.err;
    EXPECT_EQ(sh("cmp " + img.string() + " " + (kPool / (n("raw") + ".raw")).string()).status, 0) << "not the same bytes";
    auto ex = mctl({"export-raw", n("raw"), (d.path() / "out.raw.zst").string()});
    ASSERT_EQ(ex.status, 0) << ex.err;
    EXPECT_EQ(sh("zstd -dc " + (d.path() / "out.raw.zst").string() + " | cmp - " + img.string()).status, 0);
    auto tar = mctl({"export-tar", n("raw"), (d.path() / "x.tar").string()});
    EXPECT_NE(tar.err.find("is a raw disk image: export-raw exports it"), std::string::npos) << tar.err;
    ASSERT_EQ(sh("head -c 1048576 /dev/urandom > " + (d.path() / "noise.raw").string()).status, 0);
    const std::string before = pool_entries();
    auto noise = mctl({"import-raw", (d.path() / "noise.raw").string(), n("noise")});
    EXPECT_EQ(noise.status, 1);
    EXPECT_EQ(lines_of(noise.err).size(), 1u) << noise.err;
    EXPECT_NE(noise.err.find("noise.raw is not a disk image"), std::string::npos) << noise.err;
    EXPECT_EQ(pool_entries(), before);
}

// Disk full: the pool a 1 MiB tmpfs (in a mount namespace of the test's own),
// the archive 3 MiB of random bytes.
TEST(Transfer, AnArchiveLargerThanTheFreeSpaceIsOneLineAndLeavesThePoolEmpty) {
    ScratchDir d;
    ASSERT_EQ(sh("head -c 3145728 /dev/urandom > " + d.str() + "/big && tar -C " + d.str() + " -cf " + d.str() +
                 "/bomb.tar big").status,
              0);
    auto r = sh("unshare -m sh -c 'mount -t tmpfs -o size=1m spawn-test-full " + kPool.string() + " && \"" + mctl_bin() +
                "\" import-tar " + d.str() + "/bomb.tar bomb; echo \"rc=$?\"; ls -A " + kPool.string() + "'");
    EXPECT_EQ(r.out, "rc=1\n") << "the pool holds more than nothing: " << r.out;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("big: Write failed: No space left on device"), std::string::npos) << r.err;
}

// Ctrl-C mid-import removes the landing; SIGKILL leaves it hidden, and
// `clean` or the next import of that name removes it.
TEST(Transfer, AnInterruptedImportLeavesNoImage) {
    Names n;
    ScratchDir d;
    const std::string tar = exported_busybox(n, d.path());
    ASSERT_GT(tar.size(), 200000u);
    const fs::path landing = kPool / (".#" + n("x") + ".import");
    for (int sig : {SIGINT, SIGKILL}) {
        SCOPED_TRACE(strsignal(sig));
        Interactive im({mctl_bin(), "import-tar", "-", n("x")});
        im.write(tar.substr(0, 100000));  // then nothing: it waits for more
        ASSERT_TRUE(eventually([&] { return fs::exists(landing); }, 10s));
        ASSERT_EQ(kill(im.pid(), sig), 0);
        EXPECT_NE(im.wait_exit(10s), 0);
        EXPECT_FALSE(fs::exists(kPool / n("x")));
        if (sig == SIGINT) {
            EXPECT_FALSE(fs::exists(landing)) << "Ctrl-C left the landing";
            EXPECT_NE(im.err().find("interrupted"), std::string::npos) << im.err();
        } else {
            EXPECT_TRUE(fs::exists(landing));
            auto clean = mctl({"clean"});
            EXPECT_EQ(clean.status, 0) << clean.err;
            EXPECT_NE(clean.out.find(landing.filename().string()), std::string::npos) << clean.out;
            EXPECT_FALSE(fs::exists(landing));
        }
    }
    auto again = mctl({"import-tar", (d.path() / "src.tar").string(), n("x")});
    EXPECT_EQ(again.status, 0) << again.err;
}

namespace {

// tests/integration/http_server.py serving dir on 127.0.0.1 (loopback only).
class HttpServer {
public:
    explicit HttpServer(const fs::path& dir)
        : server_({"python3", std::string(getenv("SPAWN_SOURCE_ROOT") ? getenv("SPAWN_SOURCE_ROOT") : ".") +
                                  "/tests/integration/http_server.py",
                   dir.string()}) {
        if (server_.wait_out("\n", 10s)) port_ = std::stoi(server_.out());
    }
    // "" when the server did not start.
    std::string url(const std::string& path) const {
        return port_ ? "http://127.0.0.1:" + std::to_string(port_) + "/" + path : "";
    }

private:
    Interactive server_;  // killed with the test
    int port_ = 0;
};

}  // namespace

// pull-tar and pull-raw from a real HTTP server on loopback: each
// verification mode, and a 404, a truncated transfer, a checksum that does
// not match, a SHA256SUMS without the file, a bad signature and a URL that
// is not http(s): one line each, and the pool as it was.
TEST(Transfer, PullDownloadsVerifiesAndImports) {
    Names n;
    TempTree t("busybox");
    ScratchDir d;
    const fs::path www = d.path() / "www";
    for (const char* sub : {"", "bad", "noline", "signed", "badsig"}) fs::create_directories(www / sub);
    ASSERT_EQ(mctl({"import-fs", t.str(), n("src")}).status, 0);
    ASSERT_EQ(mctl({"export-tar", n("src"), (www / "img.tar.xz").string()}).status, 0);
    const fs::path raw = www / "disk.raw";
    ASSERT_EQ(sh("truncate -s 4M " + raw.string() + " && mkfs.ext4 -q " + raw.string() + " && gzip -k " + raw.string()).status, 0);
    // SHA256SUMS beside them; copies with a wrong sum, without a line, signed
    // by a key of the test's own, and signed but changed afterwards.
    const fs::path gnupg = d.path() / "gnupg";
    fs::create_directories(gnupg);
    fs::permissions(gnupg, fs::perms::owner_all);
    auto prep = sh("cd '" + www.string() + "' && sha256sum img.tar.xz disk.raw.gz > SHA256SUMS && "
                   "for s in bad noline signed badsig; do cp img.tar.xz $s/; done && "
                   "echo \"$(printf '%064d' 0)  img.tar.xz\" > bad/SHA256SUMS && "
                   "sha256sum disk.raw.gz > noline/SHA256SUMS && cp SHA256SUMS signed/ && cp SHA256SUMS badsig/ && "
                   "export GNUPGHOME='" + gnupg.string() + "' && "
                   "gpg -q --batch --passphrase '' --quick-gen-key 'spawn test <test@spawn.invalid>' ed25519 sign never && "
                   "gpg -q --batch --export > '" + d.str() + "/keyring.gpg' && "
                   "gpg -q --batch --detach-sign -o signed/SHA256SUMS.gpg signed/SHA256SUMS && "
                   "gpg -q --batch --detach-sign -o badsig/SHA256SUMS.gpg badsig/SHA256SUMS && "
                   "echo '# changed after signing' >> badsig/SHA256SUMS; rc=$?; gpgconf --kill gpg-agent; exit $rc");
    ASSERT_EQ(prep.status, 0) << prep.err;
    HttpServer server(www);
    ASSERT_NE(server.url(""), "") << "the test's HTTP server did not start";
    const std::string keyring = "--keyring=" + d.str() + "/keyring.gpg";

    auto tar = mctl({"pull-tar", "--verify=checksum", server.url("img.tar.xz"), n("tar")});
    ASSERT_EQ(tar.status, 0) << tar.err;
    EXPECT_NE(tar.err.find("Pulled image '" + n("tar") + "'"), std::string::npos) << tar.err;
    EXPECT_EQ(tree_listing(kPool / n("tar")), tree_listing(t.path()));
    auto rawpull = mctl({"pull-raw", "--verify=checksum", server.url("disk.raw.gz"), n("raw")});
    ASSERT_EQ(rawpull.status, 0) << rawpull.err;
    EXPECT_EQ(sh("cmp " + raw.string() + " " + (kPool / (n("raw") + ".raw")).string()).status, 0);
    auto signed_pull = mctl({"pull-tar", "--verify=signature", keyring, server.url("signed/img.tar.xz"), n("signed")});
    EXPECT_EQ(signed_pull.status, 0) << signed_pull.err;
    auto unverified = mctl({"pull-tar", "--verify=no", server.url("bad/img.tar.xz"), n("unverified")});
    EXPECT_EQ(unverified.status, 0) << unverified.err;

    const std::string before = pool_entries();
    expect_refused({
        {{"pull-tar", "--verify=no", server.url("missing.tar.xz"), n("x")}, "The requested URL returned error: 404"},
        {{"pull-tar", "--verify=no", server.url("truncated/img.tar.xz"), n("x")}, "bytes remaining to read"},
        {{"pull-tar", "--verify=checksum", server.url("bad/img.tar.xz"), n("x")}, "does not match"},
        {{"pull-tar", "--verify=checksum", server.url("noline/img.tar.xz"), n("x")}, "SHA256SUMS has no line for img.tar.xz"},
        {{"pull-tar", keyring, server.url("badsig/img.tar.xz"), n("x")}, "the signature of SHA256SUMS does not hold"},
        {{"pull-tar", server.url("signed/img.tar.xz"), n("x")}, "--verify=signature needs a keyring"},
        {{"pull-tar", "--verify=checksum", server.url("missing/img.tar.xz"), n("x")}, "SHA256SUMS: The requested URL returned error: 404"},
        {{"pull-raw", "--verify=no", server.url("img.tar.xz"), n("x")}, "is not a disk image"},
        {{"pull-tar", "--verify=no", "ftp://127.0.0.1/img.tar.xz", n("x")}, "is not an http:// or https:// URL"},
        {{"pull-tar", "--verify=no", "file:///etc/passwd", n("x")}, "is not an http:// or https:// URL"},
        {{"pull-tar", "--verify=no", server.url("img.tar.xz"), n("tar")}, "Image '" + n("tar") + "' already exists"},
        {{"pull-tar", "--verify=sometimes", server.url("img.tar.xz"), n("x")}, "--verify=sometimes: expected no, checksum or signature"},
    }, before);
}

// list-transfers shows a running import (from any terminal); cancel-transfer
// stops it as Ctrl-C would, and waits until it is gone.
TEST(Transfer, ListTransfersAndCancelTransfer) {
    Names n;
    ScratchDir d;
    const std::string tar = exported_busybox(n, d.path());
    ASSERT_GT(tar.size(), 200000u);
    Interactive im({mctl_bin(), "import-tar", "-", n("x")});
    im.write(tar.substr(0, 100000));  // then it waits for more
    const fs::path landing = kPool / (".#" + n("x") + ".import");
    ASSERT_TRUE(eventually([&] { return fs::exists(landing); }, 10s));
    auto list = mctl({"list-transfers"});
    ASSERT_EQ(list.status, 0) << list.err;
    std::string id;
    for (const auto& line : lines_of(list.out)) {
        std::istringstream w(line);
        std::string i, percent, type, remote, local;
        w >> i >> percent >> type >> remote >> local;
        if (type == "import-tar" && remote == "stdin" && local == n("x")) id = i;
    }
    ASSERT_FALSE(id.empty()) << list.out;
    EXPECT_NE(list.out.find("transfers listed."), std::string::npos) << list.out;
    auto cancel = mctl({"cancel-transfer", id});
    EXPECT_EQ(cancel.status, 0) << cancel.err;
    // cancel-transfer returned: the transfer has exited and cleaned up.
    EXPECT_NE(im.wait_exit(10s), 0);
    EXPECT_FALSE(fs::exists(landing));
    EXPECT_FALSE(fs::exists(kPool / n("x")));
    EXPECT_EQ(mctl({"list-transfers"}).out.find(n("x")), std::string::npos);
    auto again = mctl({"cancel-transfer", id});
    EXPECT_EQ(again.status, 1);
    EXPECT_NE(again.err.find("No transfer " + id + " running"), std::string::npos) << again.err;
    auto bad = mctl({"cancel-transfer", "nope"});
    EXPECT_NE(bad.err.find("Failed to parse transfer id: nope"), std::string::npos) << bad.err;
}

// On a btrfs pool imports are subvolumes (as machinectl's), so a clone of
// one is a snapshot.
TEST(Transfer, ImportsOnABtrfsPoolAreSubvolumes) {
    if (read_file("/proc/filesystems").find("\tbtrfs\n") == std::string::npos) GTEST_SKIP() << "no btrfs in this kernel";
    if (sh("command -v mkfs.btrfs").status != 0) GTEST_SKIP() << "btrfs-progs missing";
    TempTree t("busybox");
    ScratchDir d;
    const std::string tar = (d.path() / "t.tar").string(), img = (d.path() / "pool.img").string();
    ASSERT_EQ(sh("tar -C '" + t.str() + "' -cf '" + tar + "' . && truncate -s 300M '" + img + "' && mkfs.btrfs -q '" + img + "'").status, 0);
    const std::string m = "'" + mctl_bin() + "' -q ";
    // A pool of its own, in a mount namespace of the test's.
    auto r = sh("unshare -m sh -ec 'mount --make-rprivate /; mount -o loop " + img + " /var/lib/machines; cd /var/lib/machines;"
                " " + m + "import-fs " + t.str() + " fs; " + m + "import-tar " + tar + " tar; " + m + "clone tar copy;"
                " mkdir plain; tar -xf " + tar + " -C plain; " + m + "clone plain plaincopy;"
                " stat -c \"%n %i\" fs tar copy plain plaincopy; ls -A | tr \"\\n\" \" \"'");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "fs 256\ntar 256\ncopy 256\nplain 257\nplaincopy 256\ncopy fs plain plaincopy tar ")
        << "inode 256: the root of a subvolume (a plain directory's clone is one too)";
}
