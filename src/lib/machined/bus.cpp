#include "machined/bus.hpp"

#include <chrono>
#include <cstring>

namespace spawn::bus {

std::string BusError::message(int r) const {
    if (sd_bus_error_is_set(&err_) && err_.message && *err_.message) return err_.message;
    return std::strerror(r < 0 ? -r : r);
}

Result<BusPtr> open_system() { return open_system(BusTarget{}); }

Result<BusPtr> open_system(const BusTarget& target) {
    sd_bus* raw = nullptr;
    int r = !target.host.empty()      ? sd_bus_open_system_remote(&raw, target.host.c_str())
            : !target.machine.empty() ? sd_bus_open_system_machine(&raw, target.machine.c_str())
                                      : sd_bus_open_system(&raw);
    if (r < 0) {
        if (!target.host.empty()) return Error::sys(-r, "connecting to the system bus of host {}", target.host);
        if (!target.machine.empty()) return Error::sys(-r, "connecting to the system bus of machine {}", target.machine);
        return Error::sys(-r, "connecting to the system bus");
    }
    // Until the bus answered, a failure closes without flushing (a flush
    // would wait for the bus to answer, again up to 90 s).
    CPtr<sd_bus, sd_bus_close_unref> b(raw);
    // sd-bus would wait up to 90 s for a bus that accepts the connection and
    // never answers (its authentication timeout): wait for the connection to
    // be up (authenticated, Hello answered) for kConnectTimeout at most.
    auto address = [&] {
        const char* a = nullptr;
        return sd_bus_get_address(b.get(), &a) >= 0 && a ? std::string(a) : std::string("?");
    };
    // Over ssh the answer includes logging in: three times as long.
    const auto timeout = target.host.empty() ? kConnectTimeout : 3 * kConnectTimeout;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        r = sd_bus_is_ready(b.get());
        if (r > 0) return BusPtr(b.release());
        if (r < 0) return Error::sys(-r, "connecting to the system bus at {}", address());
        r = sd_bus_process(b.get(), nullptr);
        if (r < 0) return Error::sys(-r, "connecting to the system bus at {}", address());
        if (r > 0) continue;
        auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return Error(ETIMEDOUT, fmt::format("the system bus at {} did not answer within {} s", address(),
                                                std::chrono::duration_cast<std::chrono::seconds>(timeout).count()));
        r = sd_bus_wait(b.get(), static_cast<uint64_t>(left.count()));
        if (r < 0 && r != -EINTR) return Error::sys(-r, "connecting to the system bus at {}", address());
    }
}

Error call_error(int r, const BusError& e, std::string_view what) {
    int code = r < 0 ? -r : (r == 0 ? EIO : r);
    return Error(code, fmt::format("{}: {}", what, e.message(r)));
}

Result<bool> name_has_owner(sd_bus* bus, const char* name) {
    BusError e;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", e.get(), &reply, "s", name);
    MessagePtr m(reply);
    if (r < 0) return call_error(r, e, "asking the bus for org.freedesktop.DBus.NameHasOwner");
    int has = 0;
    r = sd_bus_message_read(reply, "b", &has);
    if (r < 0) return Error::sys(-r, "parsing NameHasOwner reply");
    return has != 0;
}

bool is_unreachable(int r, const BusError& e) {
    if (r == -ECONNREFUSED || r == -ENOTCONN || r == -ECONNRESET) return true;
    return e.has_name(SD_BUS_ERROR_SERVICE_UNKNOWN) || e.has_name(SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
           e.has_name(SD_BUS_ERROR_NO_REPLY) || e.has_name(SD_BUS_ERROR_DISCONNECTED);
}

}  // namespace spawn::bus
