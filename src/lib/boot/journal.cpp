#include "boot/journal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>

#include "config/options.hpp"
#include "container/mount.hpp"
#include "util/log.hpp"

namespace spawn::boot {

Result<JournalPlan> plan_link_journal(LinkJournal mode, const JournalFacts& f) {
    JournalPlan p;
    if (mode == LinkJournal::No) return p;
    bool try_mode = mode == LinkJournal::TryHost || mode == LinkJournal::TryGuest || mode == LinkJournal::Auto;
    bool guest = mode == LinkJournal::Guest || mode == LinkJournal::TryGuest;
    bool host = mode == LinkJournal::Host || mode == LinkJournal::TryHost;
    p.try_mode = try_mode;
    p.host_path = f.host_journal + "/" + f.guest_id;
    p.guest_path_inner = "/var/log/journal/" + f.guest_id;
    p.guest_path = f.tree + p.guest_path_inner;

    // Skip (try) or refuse (otherwise).
    auto refuse = [&](std::string why) -> Result<JournalPlan> {
        if (try_mode) {
            JournalPlan none;
            if (mode != LinkJournal::Auto) none.warnings.push_back(why + "; not linking the journal");
            return none;
        }
        return Error(EEXIST, why + " (--link-journal=" + std::string(link_journal_name(mode)) + ")");
    };

    if (!f.host_id.empty() && f.host_id == f.guest_id)
        return refuse("the guest's machine id equals the host's (" + f.host_id +
                      "): refusing to link journals");
    if (f.host_entry_is_mount) return refuse(p.host_path + " is a mount point");
    if (f.guest_entry_is_mount) return refuse(p.guest_path + " is a mount point");

    switch (f.host_entry) {
        case HostEntry::SymlinkToGuest:
            if (guest || mode == LinkJournal::Auto) {
                // Already linked: just make sure the guest directory exists.
                p.link = true;
                p.mkdir_guest_parents = true;
                return p;
            }
            p.remove_host_symlink = true;
            break;
        case HostEntry::SymlinkElsewhere:
            p.remove_host_symlink = true;
            break;
        case HostEntry::Directory:
            if (guest) p.rmdir_host_dir = true;  // only succeeds when empty
            break;
        case HostEntry::Other:
            return refuse(p.host_path + " exists and is neither a directory nor a symlink");
        case HostEntry::Missing:
            break;
    }

    if (guest) {
        if (!f.host_journal_exists) return refuse(f.host_journal + " does not exist on the host");
        p.link = true;
        p.symlink_host_to_guest = true;
        p.mkdir_guest_parents = true;
        return p;
    }

    if (host) {
        if (!f.host_journal_exists)
            return refuse(f.host_journal + " does not exist on the host (create it for a persistent journal)");
        p.mkdir_host = f.host_entry != HostEntry::Directory;
    } else {  // auto: only when the host already has the directory
        if (f.host_entry != HostEntry::Directory) {
            p.remove_host_symlink = false;
            return p;
        }
    }
    if (f.guest_entry_nonempty) p.warnings.push_back(p.guest_path + " is not empty, proceeding anyway");
    p.link = true;
    p.mkdir_guest_parents = true;
    p.bind_host_into_guest = true;
    return p;
}

namespace {
bool is_mount_point(const std::string& path) {
    struct stat a, b;
    if (::lstat(path.c_str(), &a) < 0 || !S_ISDIR(a.st_mode)) return false;
    if (::stat((path + "/..").c_str(), &b) < 0) return false;
    if (a.st_dev != b.st_dev) return true;
    // Bind mounts of the same file system: look for the path in mountinfo.
    FILE* f = ::fopen("/proc/self/mountinfo", "re");
    if (!f) return false;
    char* line = nullptr;
    size_t n = 0;
    bool found = false;
    while (::getline(&line, &n, f) > 0) {
        char mp[PATH_MAX];
        if (::sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && path == mp) {
            found = true;
            break;
        }
    }
    ::free(line);
    ::fclose(f);
    return found;
}

bool dir_nonempty(const std::string& path) {
    DIR* d = ::opendir(path.c_str());
    if (!d) return false;
    bool nonempty = false;
    while (auto* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n != "." && n != "..") {
            nonempty = true;
            break;
        }
    }
    ::closedir(d);
    return nonempty;
}

Result<void> mkdir_one(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) return Error::errno_("creating {}", path);
    struct stat st;
    if (::lstat(path.c_str(), &st) < 0) return Error::errno_("stat {}", path);
    if (!S_ISDIR(st.st_mode)) return Error(ENOTDIR, fmt::format("{} is not a directory", path));
    return {};
}
}  // namespace

Result<JournalFacts> gather_journal_facts(const std::string& tree, const std::string& guest_id,
                                          const std::string& host_id) {
    JournalFacts f;
    f.tree = tree;
    f.guest_id = guest_id;
    f.host_id = host_id;
    struct stat st;
    f.host_journal_exists = ::stat(f.host_journal.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    std::string hp = f.host_journal + "/" + guest_id;
    std::string gp = tree + "/var/log/journal/" + guest_id;
    if (::lstat(hp.c_str(), &st) == 0) {
        if (S_ISLNK(st.st_mode)) {
            char buf[PATH_MAX];
            ssize_t n = ::readlink(hp.c_str(), buf, sizeof buf - 1);
            std::string target = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
            f.host_entry = target == gp ? HostEntry::SymlinkToGuest : HostEntry::SymlinkElsewhere;
        } else if (S_ISDIR(st.st_mode)) {
            f.host_entry = HostEntry::Directory;
            f.host_entry_is_mount = is_mount_point(hp);
        } else {
            f.host_entry = HostEntry::Other;
        }
    }
    f.guest_entry_is_mount = is_mount_point(gp);
    f.guest_entry_nonempty = dir_nonempty(gp);
    return f;
}

namespace {

// try-* modes skip what fails (and the guest's half after a failed host half).
Result<void> applied(Result<void> r, JournalPlan* p, bool try_mode) {
    if (!r && try_mode) {
        log::debug("--link-journal: {}; skipping", r.error().message());
        if (p) p->link = false;
        return {};
    }
    return std::move(r).context("--link-journal");
}

}  // namespace

Result<void> apply_journal_host(JournalPlan& p, std::optional<uid_t> owner) {
    if (!p.link) {
        // try-* modes that found nothing to link: not worth a warning (as nspawn).
        for (const auto& w : p.warnings) log::debug("--link-journal: {}", w);
        return {};
    }
    for (const auto& w : p.warnings) log::warn("{}", w);
    auto step = [&]() -> Result<void> {
        if (p.remove_host_symlink && ::unlink(p.host_path.c_str()) < 0 && errno != ENOENT)
            return Error::errno_("removing the stale symlink {}", p.host_path);
        if (p.rmdir_host_dir && ::rmdir(p.host_path.c_str()) < 0)
            return Error::errno_("removing {} to replace it with a link to the guest's journal", p.host_path);
        if (p.symlink_host_to_guest) {
            if (::symlink(p.guest_path.c_str(), p.host_path.c_str()) < 0)
                return Error::errno_("linking {} to {}", p.host_path, p.guest_path);
        }
        bool made = false;
        if (p.mkdir_host) {
            made = ::mkdir(p.host_path.c_str(), 0755) == 0;
            TRY(mkdir_one(p.host_path, 0755));
        }
        // The guest's journald writes there as the container's root. Only a
        // directory made now or already the range's is given: the machine id
        // is the guest's to choose, and may name another machine's journal.
        if (p.bind_host_into_guest && owner) {
            struct stat st {};
            if (::lstat(p.host_path.c_str(), &st) < 0) return Error::errno_("stat {}", p.host_path);
            if (!made && st.st_uid != *owner)
                return Error::msg("{} exists and belongs to UID {}, not to this container's range; refusing to "
                                  "give it away", p.host_path, st.st_uid);
            if (::lchown(p.host_path.c_str(), *owner, *owner) < 0)
                return Error::errno_("giving {} to the container's root", p.host_path);
        }
        return {};
    };
    return applied(step(), &p, p.try_mode);
}

Result<void> make_journal_guest_dirs(const JournalPlan& p, int root_fd) {
    if (!p.link || !p.mkdir_guest_parents) return {};
    // In the tree, as the tree is: no component may be a symlink (a guest
    // that made /var/log one must not get a directory made elsewhere).
    auto made = container::make_dirs_in_root(root_fd, p.guest_path_inner, 0755, true);
    return applied(made.ok() ? Result<void>() : Result<void>(std::move(made).error()), nullptr, p.try_mode);
}

Result<void> bind_journal_into_guest(const JournalPlan& p, int root_fd) {
    if (!p.link || !p.bind_host_into_guest) return {};
    auto step = [&]() -> Result<void> {
        auto target = TRY(container::resolve_in_root(root_fd, p.guest_path_inner, true));
        UniqueFd src(open_tree(AT_FDCWD, p.host_path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
        if (!src) return Error::errno_("opening the host's {}", p.host_path);
        if (move_mount(src.get(), "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            return Error::errno_("bind-mounting the host's {} onto {}", p.host_path, p.guest_path);
        return {};
    };
    return applied(step(), nullptr, p.try_mode);
}

Result<void> apply_journal_guest(const JournalPlan& p, int root_fd) {
    TRY(make_journal_guest_dirs(p, root_fd));
    return bind_journal_into_guest(p, root_fd);
}

Result<void> apply_journal_plan(JournalPlan& p) {
    TRY(apply_journal_host(p, std::nullopt));
    // guest_path = TREE/var/log/journal/<id>
    const std::string tree = p.guest_path.substr(0, p.guest_path.size() - p.guest_path_inner.size());
    UniqueFd root(::open(tree.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return Error::errno_("opening {}", tree);
    return apply_journal_guest(p, root.get());
}

}  // namespace spawn::boot
