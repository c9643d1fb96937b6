#include "util/uuid.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>

#include <systemd/sd-id128.h>

#include "util/strings.hpp"

namespace spawn {
namespace {

using str::hex_value;

}  // namespace

bool uuid_is_null(const Uuid& u) {
    for (uint8_t b : u)
        if (b) return false;
    return true;
}

std::string uuid_to_string(const Uuid& u) {
    return str::hex(std::string_view(reinterpret_cast<const char*>(u.data()), u.size()));
}

std::string uuid_to_dashed(const Uuid& u) {
    std::string out = uuid_to_string(u);
    for (size_t at : {20, 16, 12, 8}) out.insert(at, 1, '-');
    return out;
}

std::optional<Uuid> parse_uuid_text(std::string_view s) {
    std::string hex;
    if (s.size() == 36) {
        for (size_t i = 0; i < s.size(); ++i) {
            bool dash_pos = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash_pos != (s[i] == '-')) return std::nullopt;
            if (!dash_pos) hex += s[i];
        }
    } else if (s.size() == 32) {
        hex = std::string(s);
    } else {
        return std::nullopt;
    }
    Uuid u{};
    for (size_t i = 0; i < 16; ++i) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        u[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return u;
}

std::optional<Uuid> parse_machine_id(std::string_view s) {
    auto blank = [](char c) { return c == '\n' || c == ' ' || c == '\t'; };
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    auto u = parse_uuid_text(s);
    if (!u || uuid_is_null(*u)) return std::nullopt;
    return u;
}

std::optional<Uuid> host_machine_id() {
    sd_id128_t id;
    if (sd_id128_get_machine(&id) < 0) return std::nullopt;
    Uuid out;
    std::copy(std::begin(id.bytes), std::end(id.bytes), out.begin());
    return out;
}

Result<Uuid> random_uuid() {
    Uuid id{};
    size_t got = 0;
    while (got < id.size()) {
        ssize_t n = ::getrandom(id.data() + got, id.size() - got, 0);
        if (n > 0) got += static_cast<size_t>(n);
        else if (n < 0 && errno != EINTR && errno != EAGAIN) return Error::errno_("generating a random id (getrandom)");
    }
    id[6] = static_cast<uint8_t>((id[6] & 0x0f) | 0x40);  // version 4
    id[8] = static_cast<uint8_t>((id[8] & 0x3f) | 0x80);  // variant
    return id;
}

}  // namespace spawn
