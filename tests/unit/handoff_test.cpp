// util/handoff: the record spawn hands its stages over in (to its monitor and
// back), and the two small texts that travel with it.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <filesystem>

#include "util/handoff.hpp"

using namespace spawn;

namespace {

bool close_on_exec(int fd) { return fcntl(fd, F_GETFD) & FD_CLOEXEC; }

// Where the tokens go (the real one is root's /run/spawn/handoff).
struct VouchDir {
    VouchDir() {
        char t[] = "/tmp/handoff-test-XXXXXX";
        path = mkdtemp(t);
    }
    ~VouchDir() {
        ::unlink((path + "/" + std::to_string(getpid())).c_str());
        ::rmdir(path.c_str());
    }
    std::string path;
};

}  // namespace

TEST(Handoff, StringsListsAndDescriptorsSurviveTheRecord) {
    int pipefd[2];
    ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
    UniqueFd keep_write(pipefd[1]);
    VouchDir vouch;
    UniqueFd record;
    {
        Handoff h;
        h.put("path", "/var/lib/machines/odd\\name\nwith a newline");
        h.put_int("pid", 4242);
        h.put_list("links", {"ve-a", "", "vb-b c"});
        h.put_fd("lock", UniqueFd(pipefd[0]));
        h.put_fd("none", UniqueFd());
        auto sealed = h.seal(vouch.path);
        ASSERT_TRUE(sealed.ok()) << sealed.error().message();
        record = std::move(*sealed);
        // Inherited by the next program image: the record and every fd in it.
        EXPECT_FALSE(close_on_exec(record.get()));
        EXPECT_FALSE(close_on_exec(pipefd[0]));
        // The record cannot be changed once written.
        EXPECT_LT(pwrite(record.get(), "x", 1, 0), 0);
        // An exec keeps the fd open at its number for the reader; here the
        // writer's Handoff lets go of it instead of closing it.
        (void)h.take_fd("lock").release();
    }
    auto back = Handoff::read(record.get(), vouch.path);
    ASSERT_TRUE(back.ok()) << back.error().message();
    // Read once: the token is spent.
    EXPECT_FALSE(std::filesystem::exists(vouch.path + "/" + std::to_string(getpid())));
    EXPECT_EQ(back->get("path"), "/var/lib/machines/odd\\name\nwith a newline");
    EXPECT_EQ(back->get_int("pid"), 4242);
    EXPECT_EQ(back->get_list("links"), (std::vector<std::string>{"ve-a", "", "vb-b c"}));
    EXPECT_EQ(back->get("absent"), "");
    EXPECT_TRUE(back->has("lock"));
    UniqueFd lock = back->take_fd("lock");
    ASSERT_EQ(lock.get(), pipefd[0]);
    EXPECT_TRUE(close_on_exec(lock.get()));  // ours again
    EXPECT_FALSE(back->take_fd("none"));
    ASSERT_EQ(write(keep_write.get(), "z", 1), 1);
    char c = 0;
    EXPECT_EQ(read(lock.get(), &c, 1), 1);
    EXPECT_EQ(c, 'z');
}

// A record this process did not seal (a forged one in $SPAWN_RESUME) is
// refused before any descriptor it names is touched.
TEST(Handoff, ARecordWithoutItsTokenIsRefusedAndItsFdsLeftAlone) {
    VouchDir vouch;
    int pipefd[2];
    ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
    UniqueFd r(pipefd[0]), w(pipefd[1]);
    UniqueFd record;
    {
        Handoff h;
        h.put_fd("victim", UniqueFd(w.get()));
        auto sealed = h.seal(vouch.path);
        ASSERT_TRUE(sealed.ok()) << sealed.error().message();
        record = std::move(*sealed);
        (void)h.take_fd("victim").release();  // w keeps it
    }
    ASSERT_EQ(::unlink((vouch.path + "/" + std::to_string(getpid())).c_str()), 0);
    auto back = Handoff::read(record.get(), vouch.path);
    ASSERT_FALSE(back.ok());
    EXPECT_NE(back.error().message().find("not one this process sealed"), std::string::npos) << back.error().message();
    // The fd named in the record is untouched: open, and inheritable as seal() left it.
    EXPECT_EQ(write(w.get(), "x", 1), 1);
    EXPECT_FALSE(close_on_exec(w.get()));
}

TEST(Handoff, OnlyASealedRecordIsRead) {
    UniqueFd plain(memfd_create("not-a-record", MFD_CLOEXEC));
    ASSERT_TRUE(plain);
    ASSERT_EQ(write(plain.get(), "f lock 0\n", 9), 9);
    auto r = Handoff::read(plain.get());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("not a sealed memfd"), std::string::npos) << r.error().message();
}

TEST(Handoff, ResumeAndSignalMaskText) {
    auto r = parse_resume(format_resume({7, CLD_KILLED, SIGTERM}));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->record_fd, 7);
    EXPECT_EQ(r->how, CLD_KILLED);
    EXPECT_EQ(r->status, SIGTERM);
    EXPECT_FALSE(parse_resume("7,1"));
    EXPECT_FALSE(parse_resume("x,1,2"));
    EXPECT_FALSE(parse_resume("-1,1,2"));

    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGHUP, SIGUSR2, SIGRTMIN + 4}) sigaddset(&set, s);
    const sigset_t back = parse_sigset(format_sigset(set));
    for (int s = 1; s < NSIG; ++s) EXPECT_EQ(sigismember(&back, s), sigismember(&set, s)) << s;
}
