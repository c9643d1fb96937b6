#include "container/etc_files.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <random>
#include <string>

#include "container/in_root.hpp"
#include "machined/bus.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace spawn::container {

namespace {

// systemd-resolved owns its name and answers on the stub (DNSStubListener
// yes or udp), as nspawn checks.
bool resolved_listening() {
    auto b = bus::open_system();
    if (!b) return false;
    auto owned = bus::name_has_owner(b->get(), "org.freedesktop.resolve1");
    if (!owned || !*owned) return false;
    bus::BusError e;
    char* mode = nullptr;
    int r = sd_bus_get_property_string(b->get(), "org.freedesktop.resolve1", "/org/freedesktop/resolve1",
                                       "org.freedesktop.resolve1.Manager", "DNSStubListener", e.get(), &mode);
    if (r < 0) return false;
    std::string m = mode;
    free(mode);
    return m == "yes" || m == "udp";
}

// The guest's /etc, resolved inside the tree, as a directory fd.
std::optional<UniqueFd> open_etc(int root_fd, const char* what) {
    UniqueFd etc(openat2_in_root(root_fd, "/etc", O_RDONLY | O_DIRECTORY));
    if (!etc) {
        log::warn("{}: cannot open /etc in the container ({}), leaving it alone", what, std::strerror(errno));
        return std::nullopt;
    }
    return etc;
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

// Whatever is at etc/NAME is replaced by a new regular file (a symlink
// there is replaced, never followed): written under a temporary name, then
// renamed over it.
Result<void> replace_file(int etc, const std::string& name, std::string_view content, std::optional<uid_t> owner) {
    std::string tmp = fmt::format(".#{}.spawn{:08x}", name, std::random_device{}());
    UniqueFd fd(openat(etc, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd) return Error::errno_("creating /etc/{}", tmp);
    bool done = write_all(fd.get(), content) && fchmod(fd.get(), 0644) == 0 &&
                (!owner || fchown(fd.get(), *owner, *owner) == 0) && renameat(etc, tmp.c_str(), etc, name.c_str()) == 0;
    if (!done) {
        int e = errno;
        unlinkat(etc, tmp.c_str(), 0);
        return Error::sys(e, "replacing /etc/{}", name);
    }
    return ok();
}

// etc/NAME gets CONTENT if it is a regular file or missing; a symlink (the
// guest's own resolver setup, or an attempt to make spawn write elsewhere)
// and anything else are left alone.
Result<void> copy_file_into(int etc, const std::string& name, std::string_view content, std::optional<uid_t> owner) {
    struct stat st {};
    if (fstatat(etc, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode)) {
            log::debug("/etc/{} in the container is a symlink: left as it is", name);
            return ok();
        }
        if (!S_ISREG(st.st_mode)) return Error::msg("/etc/{} in the container is not a regular file", name);
    }
    UniqueFd fd(openat(etc, name.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644));
    if (!fd) return Error::errno_("opening /etc/{}", name);
    if (fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode)) return Error::msg("/etc/{} in the container is not a regular file", name);
    if (ftruncate(fd.get(), 0) < 0 || !write_all(fd.get(), content)) return Error::errno_("writing /etc/{}", name);
    if (owner && fchown(fd.get(), *owner, *owner) < 0) return Error::errno_("chown /etc/{}", name);
    return ok();
}

// The host's SOURCE bound read-only onto TARGET_FD (an O_PATH fd of a
// regular file in the tree).
Result<void> bind_file(const std::string& source, int target_fd, const std::string& what) {
    UniqueFd src(open_tree(AT_FDCWD, source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (!src) return Error::errno_("opening the host's {}", source);
    struct mount_attr attr {};
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (mount_setattr(src.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
        return Error::errno_("making the bind of {} read-only", source);
    if (move_mount(src.get(), "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return Error::errno_("bind-mounting the host's {} onto {}", source, what);
    return ok();
}

// The bind target etc/NAME: created empty if missing; a symlink (with
// FOLLOW false) or anything but a regular file: none.
std::optional<UniqueFd> bind_target(int root_fd, int etc, const std::string& name, bool follow, std::optional<uid_t> owner) {
    std::string path = "/etc/" + name;
    UniqueFd t(follow ? openat2_in_root(root_fd, path, O_PATH) : openat(etc, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!t && errno == ENOENT) {
        UniqueFd made(openat(etc, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
        if (!made) return std::nullopt;
        if (owner) (void)!fchown(made.get(), *owner, *owner);
        t.reset(openat(etc, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    }
    struct stat st {};
    if (!t || fstat(t.get(), &st) < 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return t;
}

void warn_unless_read_only(const Error& e, const char* what) {
    if (e.code() == EROFS || e.code() == EACCES || e.code() == EPERM)
        log::debug("{}: {}", what, e.message());
    else
        log::warn("{}: {}, ignoring", what, e.message());
}

}  // namespace

void gather_etc_facts(EtcFacts& f) {
    f.host_resolv_conf = ::access(kHostResolvConf, F_OK) == 0;
    f.resolved_stub = ::access(kStubResolvConf, F_OK) == 0 && resolved_listening();
    char buf[PATH_MAX];
    ssize_t n = readlink("/etc/localtime", buf, sizeof buf - 1);
    if (n >= 0) {
        f.localtime = EtcFacts::Localtime::Symlink;
        f.localtime_target.assign(buf, static_cast<size_t>(n));
    } else if (errno == EINVAL) {
        f.localtime = EtcFacts::Localtime::Regular;
    } else if (errno == ENOENT) {
        f.localtime = EtcFacts::Localtime::Missing;
    } else {
        f.localtime = EtcFacts::Localtime::Unreadable;
    }
}

void apply_resolv_conf(const ResolvConfPlan& plan, int root_fd, std::optional<uid_t> owner) {
    using A = ResolvConfPlan::Action;
    if (plan.action == A::None) return;
    auto etc = open_etc(root_fd, "--resolv-conf");
    if (!etc) return;
    const std::string name = "resolv.conf";
    if (plan.action == A::Delete) {
        if (unlinkat(etc->get(), name.c_str(), 0) < 0 && errno != ENOENT)
            warn_unless_read_only(Error::errno_("removing /etc/resolv.conf"), "--resolv-conf");
        return;
    }
    if (plan.action == A::Bind) {
        if (auto target = bind_target(root_fd, etc->get(), name, false, owner)) {
            auto r = bind_file(plan.source, target->get(), "/etc/resolv.conf");
            if (r.ok()) return;
            log::debug("--resolv-conf: {}; copying instead", r.error().message());
        }
    }
    auto content = read_file(plan.source);
    if (!content) {
        log::warn("--resolv-conf: {}, ignoring", content.error().message());
        return;
    }
    auto r = plan.action == A::Replace ? replace_file(etc->get(), name, *content, owner)
                                       : copy_file_into(etc->get(), name, *content, owner);
    if (!r.ok()) warn_unless_read_only(r.error(), "--resolv-conf");
}

void apply_timezone(const TimezonePlan& plan, int root_fd, std::optional<uid_t> owner) {
    using A = TimezonePlan::Action;
    if (plan.action == A::None) return;
    auto etc = open_etc(root_fd, "--timezone");
    if (!etc) return;
    const std::string name = "localtime";
    A action = plan.action;
    if (action == A::Delete) {
        if (unlinkat(etc->get(), name.c_str(), 0) < 0 && errno != ENOENT)
            warn_unless_read_only(Error::errno_("removing /etc/localtime"), "--timezone");
        return;
    }
    if (action == A::Symlink) {
        char buf[PATH_MAX];
        ssize_t n = readlinkat(etc->get(), name.c_str(), buf, sizeof buf - 1);
        if (n >= 0 && zone_of_link(std::string_view(buf, static_cast<size_t>(n))) == plan.zone) return;  // already so
        UniqueFd zone(openat2_in_root(root_fd, "/usr/share/zoneinfo/" + plan.zone, O_PATH));
        if (zone) {
            std::string link = "../usr/share/zoneinfo/" + plan.zone;
            if (unlinkat(etc->get(), name.c_str(), 0) < 0 && errno != ENOENT) {
                warn_unless_read_only(Error::errno_("removing /etc/localtime"), "--timezone");
                return;
            }
            if (symlinkat(link.c_str(), etc->get(), name.c_str()) < 0) {
                warn_unless_read_only(Error::errno_("linking /etc/localtime to {}", link), "--timezone");
                return;
            }
            if (owner) (void)fchownat(etc->get(), name.c_str(), *owner, *owner, AT_SYMLINK_NOFOLLOW);
            return;
        }
        log::debug("--timezone: the container has no {} in /usr/share/zoneinfo; binding the host's file", plan.zone);
        action = A::Bind;
    }
    if (action == A::Bind) {
        // What the guest's /etc/localtime resolves to inside the tree (its zone file).
        if (auto target = bind_target(root_fd, etc->get(), name, true, owner)) {
            auto r = bind_file("/etc/localtime", target->get(), "/etc/localtime");
            if (r.ok()) return;
            log::debug("--timezone: {}; copying instead", r.error().message());
        }
    }
    auto content = read_file("/etc/localtime");
    if (!content) {
        log::warn("--timezone: {}, ignoring", content.error().message());
        return;
    }
    if (auto r = replace_file(etc->get(), name, *content, owner); !r.ok()) warn_unless_read_only(r.error(), "--timezone");
}

}  // namespace spawn::container
