// journal NAME: the guest's journal, read as journalctl -M NAME does.
#include <unistd.h>

#include "journal/reader.hpp"
#include "mctl.hpp"

namespace spawn::mctl {

int verb_journal(const Options& o, const std::vector<std::string>& args) {
    journal::Query q;
    q.format = o.journal_format;
    q.quiet = o.quiet;
    q.lines = o.lines;
    q.follow = o.follow;
    q.unit = o.unit;
    q.this_boot = o.this_boot;
    auto m = connect();
    if (!m) return fail(m.error());
    // The root of the pinned leader (machined would open whatever process has its PID now).
    auto live = live_machine(*m, args[0]);
    if (!live) return fail(live.error());
    auto root = live->leader ? live->leader->open_root() : m->open_root_directory(args[0]);
    if (!root) return fail(root.error());
    auto r = journal::print_journal(root->get(), q, STDOUT_FILENO);
    if (!r) return fail(std::move(r).error().context(fmt::format("machine '{}'", args[0])));
    if (*r == 0 && !o.quiet && !q.follow && journal::is_for_reading(q.format)) std::fputs("-- No entries --\n", stdout);
    return 0;
}

}  // namespace spawn::mctl
