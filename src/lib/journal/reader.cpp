#include "journal/reader.hpp"

#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "util/cptr.hpp"

namespace spawn::journal {
namespace {

using JournalPtr = CPtr<sd_journal, sd_journal_close>;

// The entry the journal is positioned on.
Result<Entry> read_entry(sd_journal* j) {
    Entry e;
    char* cursor = nullptr;
    int r = sd_journal_get_cursor(j, &cursor);
    if (r < 0) return Error::sys(-r, "reading an entry's cursor");
    e.cursor = cursor;
    free(cursor);
    r = sd_journal_get_realtime_usec(j, &e.realtime);
    if (r < 0) return Error::sys(-r, "reading an entry's time");
    sd_id128_t boot;
    r = sd_journal_get_monotonic_usec(j, &e.monotonic, &boot);
    if (r < 0) return Error::sys(-r, "reading an entry's monotonic time");
    char bid[SD_ID128_STRING_MAX];
    e.boot_id = sd_id128_to_string(boot, bid);
    const void* data;
    size_t len;
    while ((r = sd_journal_enumerate_data(j, &data, &len)) > 0) {
        std::string_view d(static_cast<const char*>(data), len);
        auto eq = d.find('=');
        if (eq == std::string_view::npos) continue;
        e.fields.emplace_back(d.substr(0, eq), d.substr(eq + 1));
    }
    if (r < 0) return Error::sys(-r, "reading an entry's fields");
    return e;
}

// journalctl -u's matches (logs-show.c add_matches_for_unit): the unit's own
// messages, its core dumps, PID 1's messages about it, and those of
// privileged daemons about it; for a slice, everything in it.
Result<void> add_unit_matches(sd_journal* j, const std::string& u) {
    const std::vector<std::vector<std::string>> terms = {
        {"_SYSTEMD_UNIT=" + u},
        {"MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1", "_UID=0", "COREDUMP_UNIT=" + u},
        {"_PID=1", "UNIT=" + u},
        {"_UID=0", "OBJECT_SYSTEMD_UNIT=" + u},
    };
    int r = 0;
    for (size_t i = 0; i < terms.size() && r >= 0; ++i) {
        if (i > 0) r = sd_journal_add_disjunction(j);
        for (const auto& m : terms[i])
            if (r >= 0) r = sd_journal_add_match(j, m.c_str(), 0);
    }
    if (r >= 0 && u.size() > 6 && u.compare(u.size() - 6, 6, ".slice") == 0) {
        std::string m = "_SYSTEMD_SLICE=" + u;
        r = sd_journal_add_disjunction(j);
        if (r >= 0) r = sd_journal_add_match(j, m.c_str(), 0);
    }
    if (r < 0) return Error::sys(-r, "filtering the journal on unit {}", u);
    return {};
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
    sd_journal_set_data_threshold(j.get(), 0);  // whole fields: the modes decide what to show
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
    if (!q.unit.empty()) TRY(add_unit_matches(j.get(), unit_name(q.unit)));
    Formatter formatter(q.format, q.quiet);
    auto show = [&]() -> Result<void> {
        auto e = read_entry(j.get());
        if (!e) return std::move(e).error();
        return sink(formatter.format(*e));
    };
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
            TRY(show());
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
            TRY(show());
            ++printed;
        }
        if (!q.follow) break;
        r = sd_journal_wait(j.get(), UINT64_MAX);
        if (r < 0) return Error::sys(-r, "waiting for journal entries");
    }
    return printed;
}

}  // namespace spawn::journal
