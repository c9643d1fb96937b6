// notify_socket: sd_notify()'s datagram to our own service manager, without
// libsystemd, so the static sealed helper (the lean monitor that forwards a
// guest's READY=1) sends it as spawn does. NOTIFY_SOCKET is a path ("/...")
// or an abstract name ("@..."); any other form is ignored.
#pragma once

#include <string_view>

namespace spawn {

// 0 when sent or when there is no NOTIFY_SOCKET; -errno when sending failed.
int notify_service_manager(std::string_view text) noexcept;

}  // namespace spawn
