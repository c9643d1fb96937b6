// Forwards the terminal (or stdin/stdout pipes) to a pty master until the
// other side hangs up or the user presses Ctrl-] three times within a second.
#pragma once

#include <sys/types.h>

#include <string>

#include "util/result.hpp"

namespace spawn::mctl {

enum class ForwardEnd { Hangup, Escape };

// What sits on the other side of the pty.
//  Login:   a getty/login that machined (or we) start: it hangs the terminal
//           up while starting, so hangups before its first output are waited
//           out (up to 15 s); after stdin ends (a pipe) the session is left
//           once the pty has been quiet for 2 s, since a login never exits by
//           itself.
//  Program: a command (mctl shell NAME CMD): its exit hangs the pty up, and
//           that ends the session; only the first second's hangups (the
//           service manager's vhangup before exec) are waited out, and after
//           stdin ends the output is read until the command exits.
enum class PtyPeer { Login, Program };

// child: a process to reap when the pty hangs up (or -1); its exit status is
// stored in *status when it ends.
Result<ForwardEnd> forward_pty(int master, const std::string& machine, pid_t child = -1, int* status = nullptr,
                               PtyPeer peer = PtyPeer::Login);


}  // namespace spawn::mctl
