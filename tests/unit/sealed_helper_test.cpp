// The sealed helper: its request protocol (what spawn and mctl send, what the
// helper accepts) and the sealed copy itself (needs no privileges).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "container/helper_protocol.hpp"
#include "container/sealed_helper.hpp"

using namespace spawn;
using namespace spawn::container;

TEST(HelperProtocol, ExecRequestRoundTrip) {
    ExecRequest r;
    r.sync_fd = 7;
    r.as_pid2 = true;
    r.new_session = true;
    r.ctty = true;
    r.uid = 1000;
    r.gid = 100;
    r.groups = {4, 27};
    r.user_name = "alice";
    r.ambient_capabilities = (1ULL << 13) | (1ULL << 40);
    r.chdir = "/home/alice";
    r.listen_fds = 2;
    r.selinux_label = "system_u:system_r:container_t:s0:c1,c2";
    r.argv = {"/bin/sh", "-c", "echo --; echo --sync-fd=1"};
    std::string err;
    auto back = parse_exec_request(helper_args(r), &err);
    ASSERT_TRUE(back) << err;
    EXPECT_EQ(back->sync_fd, 7);
    EXPECT_TRUE(back->as_pid2 && back->new_session && back->ctty);
    ASSERT_TRUE(back->uid);
    EXPECT_EQ(*back->uid, 1000u);
    EXPECT_EQ(back->gid, 100u);
    EXPECT_EQ(back->groups, (std::vector<gid_t>{4, 27}));
    EXPECT_EQ(back->user_name, "alice");
    EXPECT_EQ(back->ambient_capabilities, (1ULL << 13) | (1ULL << 40));
    EXPECT_EQ(back->chdir, "/home/alice");
    EXPECT_FALSE(back->chdir_required);
    EXPECT_EQ(back->listen_fds, 2);
    EXPECT_EQ(back->selinux_label, r.selinux_label);
    EXPECT_EQ(back->argv, r.argv);  // options after "--" belong to the program
    EXPECT_TRUE(back->shells.empty());
}

TEST(HelperProtocol, ExecRequestWithoutCommandCarriesTheShells) {
    ExecRequest r;
    r.shells = {"/bin/zsh", "/bin/bash", "/bin/sh"};
    r.chdir = "/tmp";
    r.chdir_required = true;
    std::string err;
    auto back = parse_exec_request(helper_args(r), &err);
    ASSERT_TRUE(back) << err;
    EXPECT_EQ(back->shells, r.shells);
    EXPECT_TRUE(back->argv.empty());
    EXPECT_TRUE(back->chdir_required);
    EXPECT_FALSE(back->uid);
    EXPECT_EQ(back->sync_fd, -1);
    EXPECT_EQ(back->ambient_capabilities, 0u);
}

TEST(HelperProtocol, StartHooksKeepTheirOwnArgumentsAndTheState) {
    ExecRequest r;
    r.argv = {"/bin/true"};
    r.start_hooks = {{"/hook/one", {"one", "--", "--hook-arg=x"}, {"A=1", "B=x=y"}, 3}, {"/hook/two", {}, {}, 0}};
    r.hook_state = "{\n  \"id\": \"m\"\n}\n";
    std::string err;
    auto back = parse_exec_request(helper_args(r), &err);
    ASSERT_TRUE(back) << err;
    EXPECT_EQ(back->start_hooks, r.start_hooks);
    EXPECT_EQ(back->hook_state, r.hook_state);
    EXPECT_EQ(back->argv, r.argv);
    // A hook's option without its hook, a relative path, a bad timeout: refused.
    EXPECT_FALSE(parse_exec_request({kHelperArgv0, "exec", "--hook-arg=x", "--", "true"}, &err));
    EXPECT_EQ(err, "--hook-arg before --start-hook");
    EXPECT_FALSE(parse_exec_request({kHelperArgv0, "exec", "--start-hook=hook", "--", "true"}, &err));
    EXPECT_FALSE(parse_exec_request({kHelperArgv0, "exec", "--start-hook=/h", "--hook-timeout=0", "--", "true"}, &err));
}

TEST(HelperProtocol, EnterRequestRoundTrip) {
    EnterRequest r;
    r.pty_socket = 4;
    r.user = "bob";
    r.term = "xterm-256color";
    r.env = {"A=1", "B=x=y"};
    r.login = {"/bin/login", "/usr/bin/login"};
    std::string err;
    auto back = parse_enter_request(helper_args(r), &err);
    ASSERT_TRUE(back) << err;
    EXPECT_EQ(back->pty_socket, 4);
    EXPECT_EQ(back->user, "bob");
    EXPECT_EQ(back->term, "xterm-256color");
    EXPECT_EQ(back->env, r.env);
    EXPECT_EQ(back->login, r.login);
    EXPECT_TRUE(back->argv.empty());
}

TEST(HelperProtocol, AnythingElseIsRefused) {
    std::string err;
    // What the kernel passes when a container script says "#!/proc/self/exe".
    EXPECT_FALSE(parse_exec_request({"/proc/self/exe", "/bin/true"}, &err));
    EXPECT_FALSE(parse_enter_request({"/proc/self/exe", "/bin/true"}, &err));
    EXPECT_FALSE(parse_exec_request({kHelperArgv0, "exec", "/bin/true"}, &err));  // no "--"
    EXPECT_NE(err.find("unexpected argument"), std::string::npos) << err;
    EXPECT_FALSE(parse_exec_request({kHelperArgv0, "exec", "--"}, &err));  // nothing to run
    EXPECT_FALSE(parse_exec_request({kHelperArgv0, "exec", "--uid=5", "--", "true"}, &err));  // uid without gid
    EXPECT_FALSE(parse_exec_request({kHelperArgv0, "exec", "--sync-fd=x", "--", "true"}, &err));
    EXPECT_FALSE(parse_exec_request({kHelperArgv0, "exec", "--bogus=1", "--", "true"}, &err));
    EXPECT_FALSE(parse_exec_request({kHelperArgv0, "exec", "--ambient-caps=x", "--", "true"}, &err));
    EXPECT_FALSE(parse_enter_request({kHelperArgv0, "enter", "--setenv=NOEQUALS", "--"}, &err));
    EXPECT_FALSE(parse_enter_request({kHelperArgv0, "enter", "--user=", "--"}, &err));
    EXPECT_FALSE(parse_enter_request({kHelperArgv0, "exec", "--"}, &err));  // wrong role
}

TEST(HelperProtocol, MonitorRequestRoundTrip) {
    MonitorRequest r;
    r.pid = 4242;
    r.pidfd = 12;
    r.kill_signal = SIGRTMIN + 3;
    r.quiet = true;
    r.console_mode = 2;
    r.pty = 14;
    r.spawn_fd = 9;
    r.record_fd = 7;
    r.signals = "1,2,15,34";
    r.terminal = "0500000005000000";
    r.argv = {"spawn", "-bD", "/var/lib/machines/a b", "--", "--not-an-option"};
    std::string err;
    auto back = parse_monitor_request(helper_args(r), &err);
    ASSERT_TRUE(back) << err;
    EXPECT_EQ(back->pid, 4242);
    EXPECT_EQ(back->pidfd, 12);
    EXPECT_EQ(back->kill_signal, SIGRTMIN + 3);
    EXPECT_TRUE(back->quiet);
    EXPECT_EQ(back->console_mode, 2);
    EXPECT_EQ(back->pty, 14);
    EXPECT_EQ(back->relay, -1);
    EXPECT_EQ(back->spawn_fd, 9);
    EXPECT_EQ(back->record_fd, 7);
    EXPECT_EQ(back->signals, r.signals);
    EXPECT_EQ(back->terminal, r.terminal);
    EXPECT_EQ(back->argv, r.argv);
    // Each field it cannot do without.
    for (const char* missing : {"--pid=", "--pidfd=", "--kill-signal=", "--spawn=", "--record=", "--signals="}) {
        auto args = helper_args(r);
        std::erase_if(args, [&](const std::string& a) { return a.rfind(missing, 0) == 0; });
        EXPECT_FALSE(parse_monitor_request(args, &err)) << missing;
    }
    EXPECT_FALSE(parse_monitor_request({kMonitorArgv0, "--pid=1", "--pidfd=3", "--kill-signal=15",
                                        "--spawn=4", "--record=5", "--signals=15", "--"}, &err));  // no command line
    EXPECT_FALSE(parse_monitor_request({kMonitorArgv0, "--pid=x", "--", "spawn"}, &err));
    EXPECT_NE(err.find("bad --pid=x"), std::string::npos) << err;
    EXPECT_FALSE(parse_monitor_request({kHelperArgv0, "monitor", "--pid=1", "--", "spawn"}, &err));  // not the monitor
}

TEST(SealedHelper, CopyIsSealedAndRunsOnlyRequests) {
    auto fd = open_sealed_helper();
    ASSERT_TRUE(fd.ok()) << fd.error().message();
    int seals = fcntl(fd->get(), F_GET_SEALS);
    for (int s : {F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE}) EXPECT_TRUE(seals & s) << s;
    char byte = 'x';
    EXPECT_LT(pwrite(fd->get(), &byte, 1, 0), 0);
    EXPECT_EQ(errno, EPERM);
    EXPECT_LT(ftruncate(fd->get(), 0), 0);
    // Re-opened through /proc (as a container could, via /proc/PID/exe): still read-only.
    int again = open(("/proc/self/fd/" + std::to_string(fd->get())).c_str(), O_RDWR);
    if (again >= 0) {
        EXPECT_LT(write(again, &byte, 1), 0);
        close(again);
    }
    // An ELF image of the embedded size, static (no loader of any tree).
    struct stat st {};
    ASSERT_EQ(fstat(fd->get(), &st), 0);
    EXPECT_EQ(static_cast<size_t>(st.st_size), sealed_helper_size());
    char head[4] = {};
    ASSERT_EQ(pread(fd->get(), head, 4, 0), 4);
    EXPECT_EQ(std::string(head, 4), "\x7f" "ELF");
    // Run with anything but a request, it refuses (status 127).
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        char* const env[] = {nullptr};
        exec_sealed_helper(fd->get(), {"/proc/self/exe", "/bin/true"}, env);
        _exit(99);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 127);
}
