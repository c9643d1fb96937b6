// Small file-descriptor I/O helpers shared by spawn and mctl (no allocation,
// no exceptions: usable in a forked child).
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>

namespace spawn {

// Writes all n bytes, retrying on EINTR and waiting (up to 1s per try) for
// POLLOUT on EAGAIN. false on any other error (errno set).
bool write_all(int fd, const char* data, size_t n);

// One sendmsg() of len bytes, with pass_fd attached as SCM_RIGHTS when
// pass_fd >= 0; MSG_NOSIGNAL, retried on EINTR. The sendmsg() result.
ssize_t send_with_fd(int sock, const void* data, size_t len, int pass_fd);

// The file descriptor passed as SCM_RIGHTS in a message recvmsg() filled in;
// -1 when there is none.
int received_fd(struct msghdr* msg);

}  // namespace spawn
