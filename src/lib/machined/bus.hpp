// sd-bus RAII and helpers: the one place mctl and spawn open the system bus
// and turn sd_bus_error into the project's Error.
#pragma once

#include <systemd/sd-bus.h>

#include <chrono>
#include <string>

#include "util/cptr.hpp"
#include "util/result.hpp"

namespace spawn::bus {

using BusPtr = CPtr<sd_bus, sd_bus_flush_close_unref>;
using MessagePtr = CPtr<sd_bus_message, sd_bus_message_unref>;

// Owns an sd_bus_error; frees it on destruction.
class BusError {
public:
    BusError() = default;
    BusError(const BusError&) = delete;
    BusError& operator=(const BusError&) = delete;
    ~BusError() { sd_bus_error_free(&err_); }
    sd_bus_error* get() { return &err_; }
    bool is_set() const { return sd_bus_error_is_set(&err_); }
    bool has_name(const char* name) const { return sd_bus_error_has_name(&err_, name); }
    const char* name() const { return err_.name; }
    // The D-Bus error message (what machined said), or strerror(r).
    std::string message(int r) const;

private:
    sd_bus_error err_ = SD_BUS_ERROR_NULL;
};

inline constexpr const char* kMachinedService = "org.freedesktop.machine1";
inline constexpr const char* kMachinedPath = "/org/freedesktop/machine1";
inline constexpr const char* kMachinedManager = "org.freedesktop.machine1.Manager";
inline constexpr const char* kMachinedMachine = "org.freedesktop.machine1.Machine";
inline constexpr const char* kMachinedImage = "org.freedesktop.machine1.Image";

// How long open_system() waits for the bus to answer the connection.
inline constexpr std::chrono::seconds kConnectTimeout{10};

// Connects to the system bus ($DBUS_SYSTEM_BUS_ADDRESS or the standard
// socket) and waits until it answered (at most kConnectTimeout: then ETIMEDOUT,
// naming the bus). Method calls keep sd-bus's own 25 s timeout.
Result<BusPtr> open_system();

// Where a bus connection goes: the local system bus, another host's over ssh
// (-H [USER@]HOST[:PORT], through sd-bus's remote transport: the remote end
// runs systemd-stdio-bridge), or a local container's (-M NAME).
struct BusTarget {
    std::string host;
    std::string machine;
    bool local() const { return host.empty() && machine.empty(); }
};
// open_system() for TARGET (the same wait for the bus to answer).
Result<BusPtr> open_system(const BusTarget& target);

// An Error for a failed call: "<what>: <bus message>", errno from r.
Error call_error(int r, const BusError& e, std::string_view what);

// Whether a D-Bus name currently has an owner on the bus.
Result<bool> name_has_owner(sd_bus* bus, const char* name);

// Tests whether the error means "machined is not there" (no owner / no bus).
bool is_unreachable(int r, const BusError& e);

}  // namespace spawn::bus
