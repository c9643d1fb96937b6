#include "journal/reader.hpp"

#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "util/cptr.hpp"
#include "util/json.hpp"

namespace spawn::journal {
namespace {

using JournalPtr = CPtr<sd_journal, sd_journal_close>;

std::string field(sd_journal* j, const char* name) {
    const void* data = nullptr;
    size_t len = 0;
    if (sd_journal_get_data(j, name, &data, &len) < 0) return "";
    size_t n = std::strlen(name) + 1;
    if (len < n) return "";
    return std::string(static_cast<const char*>(data) + n, len - n);
}

std::string format_entry(sd_journal* j, Format f) {
    if (f == Format::Cat) return field(j, "MESSAGE") + "\n";
    if (f == Format::Json) {
        std::string out = "{";
        char* cursor = nullptr;
        if (sd_journal_get_cursor(j, &cursor) >= 0) {
            out += "\"__CURSOR\":" + json_string(cursor) + ",";
            free(cursor);
        }
        uint64_t rt = 0, mono = 0;
        sd_id128_t boot;
        sd_journal_get_realtime_usec(j, &rt);
        sd_journal_get_monotonic_usec(j, &mono, &boot);
        char bid[SD_ID128_STRING_MAX];
        out += fmt::format("\"__REALTIME_TIMESTAMP\":\"{}\",\"__MONOTONIC_TIMESTAMP\":\"{}\",\"_BOOT_ID\":\"{}\"", rt, mono,
                           sd_id128_to_string(boot, bid));
        const void* data;
        size_t len;
        SD_JOURNAL_FOREACH_DATA(j, data, len) {
            std::string_view d(static_cast<const char*>(data), len);
            auto eq = d.find('=');
            if (eq == std::string_view::npos || d.substr(0, eq) == "_BOOT_ID") continue;
            out += "," + json_string(d.substr(0, eq)) + ":" + json_string(d.substr(eq + 1));
        }
        return out + "}\n";
    }
    uint64_t rt = 0;
    sd_journal_get_realtime_usec(j, &rt);
    time_t t = static_cast<time_t>(rt / 1000000);
    struct tm tm;
    localtime_r(&t, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%b %d %H:%M:%S", &tm);
    std::string ident = field(j, "SYSLOG_IDENTIFIER");
    if (ident.empty()) ident = field(j, "_COMM");
    std::string pid = field(j, "_PID");
    if (pid.empty()) pid = field(j, "SYSLOG_PID");
    std::string host = field(j, "_HOSTNAME");
    std::string out = ts;
    if (!host.empty()) out += " " + host;
    out += " " + (ident.empty() ? std::string("unknown") : ident);
    if (!pid.empty()) out += "[" + pid + "]";
    return out + ": " + field(j, "MESSAGE") + "\n";
}

Result<void> write_all(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error::errno_("writing the journal");
        }
        off += static_cast<size_t>(n);
    }
    return {};
}

}  // namespace

Result<Format> parse_format(const std::string& s) {
    if (s == "short" || s.empty()) return Format::Short;
    if (s == "cat") return Format::Cat;
    if (s == "json") return Format::Json;
    return Error::msg("--output={}: unsupported journal output mode (short, cat, json)", s);
}

std::string unit_name(const std::string& u) {
    static const char* suffixes[] = {".service", ".socket", ".scope", ".slice", ".target", ".timer", ".mount", ".path",
                                     ".device", ".swap", ".automount"};
    for (const char* s : suffixes)
        if (u.size() > std::strlen(s) && u.compare(u.size() - std::strlen(s), std::string::npos, s) == 0) return u;
    return u + ".service";
}

Result<size_t> print_journal(int root_fd, const Query& q, int out_fd) {
    return read_journal(root_fd, q, [out_fd](const std::string& e) { return write_all(out_fd, e); });
}

Result<size_t> read_journal(int root_fd, const Query& q, const std::function<Result<void>(const std::string&)>& sink) {
    sd_journal* raw = nullptr;
    int r = sd_journal_open_directory_fd(&raw, root_fd, SD_JOURNAL_OS_ROOT);
    if (r < 0) return Error::sys(-r, "opening the machine's journal");
    JournalPtr j(raw);
    if (q.this_boot) {
        r = sd_journal_seek_tail(j.get());
        if (r >= 0) r = sd_journal_previous(j.get());
        if (r > 0) {
            uint64_t mono;
            sd_id128_t boot;
            r = sd_journal_get_monotonic_usec(j.get(), &mono, &boot);
            if (r >= 0) {
                char bid[SD_ID128_STRING_MAX];
                std::string m = std::string("_BOOT_ID=") + sd_id128_to_string(boot, bid);
                r = sd_journal_add_match(j.get(), m.c_str(), 0);
            }
        }
        if (r < 0) return Error::sys(-r, "finding the current boot in the machine's journal");
        r = sd_journal_add_conjunction(j.get());
    }
    if (!q.unit.empty()) {
        std::string u = unit_name(q.unit);
        std::string m1 = "_SYSTEMD_UNIT=" + u, m2 = "UNIT=" + u;
        r = sd_journal_add_match(j.get(), m1.c_str(), 0);
        if (r >= 0) r = sd_journal_add_disjunction(j.get());
        if (r >= 0) r = sd_journal_add_match(j.get(), m2.c_str(), 0);
        if (r < 0) return Error::sys(-r, "filtering the journal on unit {}", u);
    }
    int lines = q.lines;
    if (lines < 0 && q.follow) lines = 10;
    size_t printed = 0;
    if (lines >= 0) {
        r = sd_journal_seek_tail(j.get());
        if (r < 0) return Error::sys(-r, "seeking to the end of the journal");
        int back = 0;
        while (back < lines) {
            r = sd_journal_previous(j.get());
            if (r < 0) return Error::sys(-r, "reading the journal");
            if (r == 0) break;
            ++back;
        }
        if (back > 0) {  // positioned on the oldest entry to show
            TRY(sink(format_entry(j.get(), q.format)));
            ++printed;
        }
        if (lines == 0 && !q.follow) return printed;
    } else {
        sd_journal_seek_head(j.get());
    }
    for (;;) {
        for (;;) {
            r = sd_journal_next(j.get());
            if (r < 0) return Error::sys(-r, "reading the journal");
            if (r == 0) break;
            TRY(sink(format_entry(j.get(), q.format)));
            ++printed;
        }
        if (!q.follow) break;
        r = sd_journal_wait(j.get(), UINT64_MAX);
        if (r < 0) return Error::sys(-r, "waiting for journal entries");
    }
    return printed;
}

}  // namespace spawn::journal
