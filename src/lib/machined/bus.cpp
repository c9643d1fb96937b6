#include "machined/bus.hpp"

#include <cstring>

namespace spawn::bus {

std::string BusError::message(int r) const {
    if (sd_bus_error_is_set(&err_) && err_.message && *err_.message) return err_.message;
    return std::strerror(r < 0 ? -r : r);
}

Result<BusPtr> open_system() {
    sd_bus* b = nullptr;
    int r = sd_bus_open_system(&b);
    if (r < 0) return Error::sys(-r, "connecting to the system bus");
    return BusPtr(b);
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
