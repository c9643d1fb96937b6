// PtyRun: runs a binary on a fresh pty (its console) and drives it like a
// user at a terminal: wait for text, type, send signals, collect the exit
// status. Used by the boot tests to reach the guest through its console.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace spawn::test {

class PtyRun {
public:
    // argv[0] is an absolute path; env entries are added to the environment.
    PtyRun(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});
    PtyRun(const PtyRun&) = delete;
    PtyRun& operator=(const PtyRun&) = delete;
    ~PtyRun();  // SIGKILL and reap if still running

    // Reads until `text` appears in the output after position `from` (default:
    // the end of what the last successful wait matched). Returns false on
    // timeout or when the process ended first.
    bool wait_for(const std::string& text, std::chrono::milliseconds timeout);
    // Counts occurrences of text in everything read so far.
    size_t count(const std::string& text) const;
    void type(const std::string& keys);
    void signal(int sig);
    // Waits for the exit; returns the exit status, 128+signal, or -1 on timeout.
    int wait_exit(std::chrono::milliseconds timeout);
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    const std::string& output() const { return out_; }
    // The last n bytes of output (for failure messages).
    std::string tail(size_t n = 3000) const;

private:
    bool pump(std::chrono::milliseconds timeout);  // reads what is there; false on EOF/exit
    bool reap_if_exited();  // waitpid(WNOHANG): true (status_ set) when it ended just now
    pid_t pid_ = -1;
    int master_ = -1;
    int status_ = -1;
    std::string out_;
    size_t mark_ = 0;
};

}  // namespace spawn::test
