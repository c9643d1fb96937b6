#include "journal/format.hpp"

#include <time.h>

#include <array>
#include <cstdlib>
#include <cstring>

#include "journal/text.hpp"
#include "util/json.hpp"
#include "util/strings.hpp"

namespace spawn::journal {
namespace {

constexpr std::array<std::pair<std::string_view, Format>, 16> kModes = {{
    {"short", Format::Short},
    {"short-precise", Format::ShortPrecise},
    {"short-iso", Format::ShortIso},
    {"short-iso-precise", Format::ShortIsoPrecise},
    {"short-full", Format::ShortFull},
    {"short-monotonic", Format::ShortMonotonic},
    {"short-unix", Format::ShortUnix},
    {"short-delta", Format::ShortDelta},
    {"verbose", Format::Verbose},
    {"export", Format::Export},
    {"json", Format::Json},
    {"json-pretty", Format::JsonPretty},
    {"json-sse", Format::JsonSse},
    {"json-seq", Format::JsonSeq},
    {"cat", Format::Cat},
    {"with-unit", Format::WithUnit},
}};

constexpr size_t kPrintMax = 300;    // longer fields are not shown in a short line's prefix
constexpr size_t kJsonMax = 4096;    // longer fields are null in JSON
constexpr uint64_t kInfinity = UINT64_MAX;
constexpr uint64_t kFormattableMax = 253402214400000000ULL - 1;  // year 9999

bool valid_realtime(uint64_t t) { return t > 0 && t <= kFormattableMax; }

// A decimal number, as systemd's safe_atou64.
bool parse_u64(std::string_view s, uint64_t* out) {
    if (s.empty() || s.size() > 20) return false;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool shall_print(const std::string* v) { return v && v->size() < kPrintMax && is_printable(*v); }

struct tm local(uint64_t usec) {
    time_t t = static_cast<time_t>(usec / 1000000);
    struct tm tm {};
    localtime_r(&t, &tm);
    return tm;
}

std::string strftime_of(const struct tm& tm, const char* f) {
    char buf[128];
    size_t n = strftime(buf, sizeof buf, f, &tm);
    return std::string(buf, n);
}

// "Sat 2026-12-05 01:26:00[.123456] UTC": systemd's format_timestamp(), with
// English weekdays whatever the locale.
std::string pretty_time(uint64_t usec, bool with_usec) {
    static const char* const weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    if (usec > kFormattableMax) return "--- XXXX-XX-XX XX:XX:XX";
    struct tm tm = local(usec);
    std::string s = std::string(weekdays[tm.tm_wday % 7]) + " " + strftime_of(tm, "%Y-%m-%d %H:%M:%S");
    if (with_usec) s += fmt::format(".{:06}", usec % 1000000);
    if (tm.tm_zone && *tm.tm_zone) s += std::string(" ") + tm.tm_zone;
    return s;
}

std::string realtime_prefix(Format f, uint64_t usec) {
    struct tm tm = local(usec);
    std::string frac = fmt::format(".{:06}", usec % 1000000);
    switch (f) {
        case Format::ShortFull:
        case Format::WithUnit: return pretty_time(usec, false);
        case Format::ShortUnix: return fmt::format("{:10}{}", usec / 1000000, frac);
        case Format::ShortIso: return strftime_of(tm, "%Y-%m-%dT%H:%M:%S%z");
        case Format::ShortIsoPrecise: return strftime_of(tm, "%Y-%m-%dT%H:%M:%S") + frac + strftime_of(tm, "%z");
        case Format::ShortPrecise: return strftime_of(tm, "%b %d %H:%M:%S") + frac;
        default: return strftime_of(tm, "%b %d %H:%M:%S");
    }
}

std::string seconds(uint64_t usec) { return fmt::format("{:5}.{:06}", usec / 1000000, usec % 1000000); }

// A JSON array of already rendered elements, laid out as systemd's
// json_variant_dump() does: compact, or one element a line indented by tabs.
std::string json_array(const std::vector<std::string>& elems, bool pretty, int depth) {
    if (!pretty) return "[" + str::join(elems, ",") + "]";
    std::string inner(static_cast<size_t>(depth) + 1, '\t');
    std::string out = "[\n";
    for (size_t i = 0; i < elems.size(); ++i) out += inner + elems[i] + (i + 1 < elems.size() ? ",\n" : "\n");
    return out + std::string(static_cast<size_t>(depth), '\t') + "]";
}

// A field's value in JSON: a string, an array of its bytes when it is not
// printable text, null when it is too long to show.
std::string json_value(std::string_view name, std::string_view v, bool pretty, int depth) {
    if (name.size() + 1 + v.size() >= kJsonMax) return "null";
    if (is_printable(v)) return json_string(v);
    std::vector<std::string> bytes;
    bytes.reserve(v.size());
    for (unsigned char c : v) bytes.push_back(std::to_string(c));
    return json_array(bytes, pretty, depth);
}

std::string json_object(const Entry& e, bool pretty) {
    // Names in first-seen order, each with all its values.
    std::vector<std::pair<std::string_view, std::vector<std::string_view>>> obj;
    auto add = [&obj](std::string_view name, std::string_view value) {
        for (auto& [n, vs] : obj)
            if (n == name) {
                vs.push_back(value);
                return;
            }
        obj.push_back({name, {value}});
    };
    add("__CURSOR", e.cursor);
    std::string rt = std::to_string(e.realtime), mono = std::to_string(e.monotonic);
    add("__REALTIME_TIMESTAMP", rt);
    add("__MONOTONIC_TIMESTAMP", mono);
    add("_BOOT_ID", e.boot_id);
    for (const auto& [name, value] : e.fields)
        if (name != "_BOOT_ID") add(name, value);

    std::string out = pretty ? "{\n" : "{";
    for (size_t i = 0; i < obj.size(); ++i) {
        const auto& [name, vs] = obj[i];
        if (i) out += pretty ? ",\n" : ",";
        out += (pretty ? "\t" : "") + json_string(name) + (pretty ? " : " : ":");
        if (vs.size() == 1) {
            out += json_value(name, vs[0], pretty, 1);
            continue;
        }
        std::vector<std::string> elems;
        for (auto v : vs) elems.push_back(json_value(name, v, pretty, 2));
        out += json_array(elems, pretty, 1);
    }
    return out + (pretty ? "\n}\n" : "}\n");
}

std::string export_entry(const Entry& e) {
    std::string out = fmt::format("__CURSOR={}\n__REALTIME_TIMESTAMP={}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID={}\n", e.cursor,
                                  e.realtime, e.monotonic, e.boot_id);
    for (const auto& [name, value] : e.fields) {
        if (name == "_BOOT_ID") continue;
        if (is_printable(value, /*allow_newline=*/false)) {
            out += name + "=" + value + "\n";
            continue;
        }
        // The binary form: the name, a newline, the length as 64-bit little endian, the bytes.
        out += name + "\n";
        uint64_t len = value.size();
        for (int i = 0; i < 8; ++i) out += static_cast<char>((len >> (8 * i)) & 0xff);
        out += value + "\n";
    }
    return out + "\n";
}

std::string verbose_entry(const Entry& e, uint64_t shown_realtime) {
    std::string out = valid_realtime(shown_realtime) ? pretty_time(shown_realtime, true) : "(no timestamp)";
    out += " [" + e.cursor + "]\n";
    for (const auto& [name, value] : e.fields) {
        out += "    " + name + "=";
        if (is_printable(name) && is_printable(value))
            out += indented_lines(value, 4 + name.size() + 1);
        else
            out += "[" + format_bytes(value.size()) + " blob data]\n";
    }
    return out;
}

// The last value of a field, as journalctl's short modes take it.
const std::string* field(const Entry& e, std::string_view name) {
    const std::string* v = nullptr;
    for (const auto& [n, value] : e.fields)
        if (n == name) v = &value;
    return v;
}

// The first, as sd_journal_get_data() gives it.
const std::string* first_field(const Entry& e, std::string_view name) {
    for (const auto& [n, value] : e.fields)
        if (n == name) return &value;
    return nullptr;
}

}  // namespace

Result<Format> parse_format(std::string_view name) {
    for (const auto& [n, f] : kModes)
        if (n == name) return f;
    return Error::msg("--output={}: unknown output mode ({})", name, format_names());
}

std::string format_names() {
    std::string s;
    for (const auto& [n, f] : kModes) s += (s.empty() ? "" : ", ") + std::string(n);
    return s;
}

bool is_for_reading(Format f) {
    switch (f) {
        case Format::Export:
        case Format::Json:
        case Format::JsonPretty:
        case Format::JsonSse:
        case Format::JsonSeq:
        case Format::Cat: return false;
        default: return true;
    }
}

std::string Formatter::short_line(const Entry& e, const Shown& now) const {
    const std::string* message = field(e, "MESSAGE");
    if (!message) return "";  // journalctl skips such entries in the short modes
    const std::string* hostname = field(e, "_HOSTNAME");
    const std::string* identifier = field(e, "SYSLOG_IDENTIFIER");
    const std::string* comm = field(e, "_COMM");
    const std::string* pid = field(e, "_PID");
    const std::string* fake_pid = field(e, "SYSLOG_PID");
    const std::string* unit = field(e, "_SYSTEMD_UNIT");
    const std::string* user_unit = field(e, "_SYSTEMD_USER_UNIT");

    std::string out;
    if (format_ == Format::ShortMonotonic || format_ == Format::ShortDelta) {
        out = "[" + seconds(now.monotonic);
        if (format_ == Format::ShortDelta) {
            if (previous_.monotonic != kInfinity && now.boot_id == previous_.boot_id)
                out += " <" + seconds(now.monotonic - std::min(now.monotonic, previous_.monotonic)) + " >";
            else if (valid_realtime(now.realtime) && valid_realtime(previous_.realtime))
                out += " <" + seconds(now.realtime - std::min(now.realtime, previous_.realtime)) + "*>";
            else
                out += std::string(16, ' ');
        }
        out += "]";
    } else {
        out = realtime_prefix(format_, now.realtime);
    }
    size_t n = out.size();
    if (shall_print(hostname)) {
        out += " " + *hostname;
        n += hostname->size() + 1;
    }
    if (format_ == Format::WithUnit && (shall_print(unit) || shall_print(user_unit))) {
        size_t unit_len = unit ? unit->size() : 0;
        if (unit) {
            out += " " + *unit;
            n += unit_len + 1;
        }
        if (user_unit) {
            out += (unit ? "/" : " ") + *user_unit;
            n += unit_len + 1;  // sic: journalctl 252 counts the system unit again
        }
    } else if (shall_print(identifier)) {
        out += " " + *identifier;
        n += identifier->size() + 1;
    } else if (shall_print(comm)) {
        out += " " + *comm;
        n += comm->size() + 1;
    } else {
        out += " unknown";
    }
    if (shall_print(pid)) {
        out += "[" + *pid + "]";
        n += pid->size() + 2;
    } else if (shall_print(fake_pid)) {
        out += "[" + *fake_pid + "]";
        n += fake_pid->size() + 2;
    }
    out += ": ";
    std::string text = strip_tab_ansi(*message);
    if (!is_printable(text)) return out + "[" + format_bytes(text.size()) + " blob data]\n";
    return out + indented_lines(text, n + 2);
}

std::string Formatter::format(const Entry& e) {
    std::string out;
    if (separators_ && !e.boot_id.empty()) {
        if (!last_boot_.empty() && e.boot_id != last_boot_) out = "-- Boot " + e.boot_id + " --\n";
        last_boot_ = e.boot_id;
    }
    // The time shown: the source's own timestamps where the entry has them.
    Shown now{e.realtime, e.monotonic, e.boot_id};
    const std::string *src_rt = nullptr, *src_mono = nullptr;
    for (const auto& [n, v] : e.fields) {
        if (n == "_SOURCE_REALTIME_TIMESTAMP") src_rt = &v;
        if (n == "_SOURCE_MONOTONIC_TIMESTAMP") src_mono = &v;
        if (src_rt && src_mono) break;
    }
    uint64_t t;
    if (src_rt && parse_u64(*src_rt, &t) && valid_realtime(t)) now.realtime = t;
    if (src_mono && parse_u64(*src_mono, &t) && t != kInfinity) now.monotonic = t;

    switch (format_) {
        case Format::Verbose: out += verbose_entry(e, now.realtime); break;
        case Format::Export: out += export_entry(e); break;
        case Format::Json: out += json_object(e, false); break;
        case Format::JsonPretty: out += json_object(e, true); break;
        case Format::JsonSse: out += "data: " + json_object(e, false) + "\n"; break;
        case Format::JsonSeq: out += "\x1e" + json_object(e, false); break;
        case Format::Cat:
            if (const std::string* m = first_field(e, "MESSAGE")) out += *m + "\n";
            break;
        default: out += short_line(e, now); break;
    }
    previous_ = now;
    return out;
}

}  // namespace spawn::journal
