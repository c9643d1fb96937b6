// handoff: what a running start holds, written down so that another program
// image of the same process can hold it: spawn hands its stages over before
// it execs the lean monitor while the container runs, and spawn, exec'd again
// by the monitor when PID 1 has ended, takes them over to tear them down
// (helper_protocol.hpp: MonitorRequest). Strings by key, and descriptors,
// which stay open (not close-on-exec) at the same numbers across both execs.
// Each stage object has hand_off(Handoff&, key) && (it lets go of
// everything: its destructor then does nothing) and take_over(Handoff&, key).
//
// The record travels as a sealed memfd of lines "s KEY VALUE" / "f KEY FD"
// (values escaped), its fd number in $SPAWN_RESUME with PID 1's end. Since a
// record names paths spawn removes as root, only one this process sealed is
// read back: seal() leaves a random token in a root-only file named after the
// PID (kVouchDir/PID), and read() requires the record's token there (and
// removes the file).
#pragma once

#include <signal.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace spawn {

class Handoff {
public:
    void put(std::string key, std::string value) { strings_[std::move(key)] = std::move(value); }
    void put_int(std::string key, int64_t value) { put(std::move(key), std::to_string(value)); }
    void put_list(const std::string& key, const std::vector<std::string>& values);
    // -1 is recorded as none (take_fd gives back an empty UniqueFd).
    void put_fd(std::string key, UniqueFd fd);

    // "" / 0 / {} when absent.
    std::string get(const std::string& key) const;
    int64_t get_int(const std::string& key) const;
    std::vector<std::string> get_list(const std::string& key) const;
    UniqueFd take_fd(const std::string& key);
    bool has(const std::string& key) const { return strings_.count(key) || fds_.count(key); }

    // The record as a sealed memfd, not close-on-exec; every fd put is made
    // inheritable too. The fds stay owned by the caller's process image.
    Result<UniqueFd> seal(const std::string& vouch_dir = kVouchDir);
    // The exec did not happen: the fds close-on-exec again, the token gone.
    void withdraw(const std::string& vouch_dir = kVouchDir);
    // Reads a record this process sealed; its fds are owned by the result
    // (closed if not taken).
    static Result<Handoff> read(int fd, const std::string& vouch_dir = kVouchDir);

    static constexpr const char* kVouchDir = "/run/spawn/handoff";

    Handoff() = default;
    Handoff(Handoff&&) = default;
    Handoff& operator=(Handoff&&) = default;
    ~Handoff();

private:
    std::map<std::string, std::string, std::less<>> strings_;
    std::map<std::string, int, std::less<>> fds_;
};

// What the monitor passes spawn in $SPAWN_RESUME: the record's fd and how
// PID 1 ended (siginfo's si_code and si_status).
inline constexpr const char* kResumeVariable = "SPAWN_RESUME";
struct ResumeInfo {
    int record_fd = -1;
    int how = 0;
    int status = 0;
};
std::string format_resume(const ResumeInfo& r);
// nullopt: not of that form.
std::optional<ResumeInfo> parse_resume(std::string_view text);

// A signal mask as text and back (the one spawn's payload gets, across the execs).
std::string format_sigset(const sigset_t& set);
sigset_t parse_sigset(std::string_view text);

}  // namespace spawn
