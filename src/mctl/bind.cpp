// bind NAME HOSTPATH [PATH] [--read-only] [--mkdir]: a host directory or file
// mounted into a running machine, as machinectl bind does. With the new
// mount API no propagation directory prepared at start is needed: mctl makes
// a detached copy of the host path's mount (open_tree), and a child that
// joins only the machine's mount namespace, through the pinned leader's
// pidfd, attaches it there (move_mount). The path in the machine is walked
// name by name from the machine's root without following any symlink or
// "..": a symlink the guest planted cannot aim the mount anywhere else.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>

#include "container/fs_ids.hpp"
#include "child_report.hpp"
#include "mctl.hpp"
#include "util/fd.hpp"
#include "util/fdio.hpp"
#include "util/strings.hpp"

namespace spawn::mctl {
namespace {

// In the machine's mount namespace: the entry path names below root, made
// when missing with --mkdir (directories; the last entry a directory or an
// empty file, as the source is), opened as O_PATH; never through a symlink.
Result<UniqueFd> target_in_machine(int root, const std::string& path, bool mkdir_missing, bool source_is_dir) {
    std::vector<std::string> names;
    for (auto& n : str::split(path, '/'))
        if (!n.empty() && n != ".") names.push_back(n);
    if (names.empty()) return Error::msg("{}: cannot mount over the machine's root", path);
    UniqueFd dir(fcntl(root, F_DUPFD_CLOEXEC, 3));
    for (size_t i = 0; i < names.size(); ++i) {
        const std::string& n = names[i];
        if (n == "..") return Error::msg("{}: \"..\" is not allowed in a path in the machine", path);
        const bool last = i + 1 == names.size();
        UniqueFd next(openat(dir.get(), n.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!next && errno == ENOENT && mkdir_missing) {
            int made = last && !source_is_dir ? mknodat(dir.get(), n.c_str(), S_IFREG | 0644, 0)
                                              : mkdirat(dir.get(), n.c_str(), 0755);
            if (made < 0 && errno != EEXIST) return Error::errno_("{}: making {}", path, n);
            next.reset(openat(dir.get(), n.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        }
        if (!next) return Error::errno_("{}", path);
        struct stat st {};
        if (fstat(next.get(), &st) < 0) return Error::errno_("{}", path);
        if (S_ISLNK(st.st_mode)) return Error(ELOOP, fmt::format("{}: {} is a symlink, which is not followed", path, n));
        if (!last && !S_ISDIR(st.st_mode)) return Error(ENOTDIR, fmt::format("{}: {} is not a directory", path, n));
        if (last && S_ISDIR(st.st_mode) != source_is_dir)
            return Error::msg("{}: a {} cannot be mounted on a {}", path, source_is_dir ? "directory" : "file",
                              S_ISDIR(st.st_mode) ? "directory" : "file");
        dir = std::move(next);
    }
    return dir;
}

// Runs in the child: joins the machine's mount namespace and attaches tree.
// In a machine with a user namespace (base: its root's host ID) what --mkdir
// makes is made as the machine's root, as copy-to does.
Result<void> attach_in_machine(int leader_pidfd, int root, int tree, const std::string& path, bool mkdir_missing,
                               bool source_is_dir, uint32_t base) {
    if (setns(leader_pidfd, CLONE_NEWNS) < 0) return Error::errno_("joining the machine's mount namespace");
    std::optional<container::CreateAsContainerRoot> as_root;
    if (base) as_root.emplace(TRY(container::CreateAsContainerRoot::enter(base)));
    auto target = TRY(target_in_machine(root, path, mkdir_missing, source_is_dir));
    as_root.reset();
    if (move_mount(tree, "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return Error::errno_("{}: mounting", path);
    return ok();
}

}  // namespace

int verb_bind(const Options& o, const std::vector<std::string>& args) {
    const std::string& machine = args[0];
    const std::string& host_path = args[1];
    const std::string& path = args.size() > 2 ? args[2] : args[1];
    if (path.empty() || path.front() != '/')
        return fail(Error::msg("{}: a path in machine '{}' must be absolute", path, machine));
    auto m = connect();
    if (!m) return fail(m.error());
    auto live = live_machine(*m, machine);
    if (!live) return fail(live.error());
    if (!live->leader) return fail(Error::msg("Machine '{}' is the host: bind mounts go into containers", machine));
    auto root = live->leader->open_root();
    if (!root) return fail(root.error());
    auto base = user_namespace_base(live->info.leader, machine);
    if (!base) return fail(base.error());
    struct stat st {};
    if (stat(host_path.c_str(), &st) < 0) return fail(Error::errno_("{}", host_path));
    UniqueFd tree(open_tree(AT_FDCWD, host_path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
    if (!tree) return fail(Error::errno_("{}: copying its mount", host_path));
    if (o.read_only) {
        mount_attr attr{};
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
            return fail(Error::errno_("{}: making its mount read-only", host_path));
    }
    int err_pipe[2];
    if (pipe2(err_pipe, O_CLOEXEC) < 0) return fail(Error::errno_("pipe"));
    UniqueFd err_read(err_pipe[0]), err_write(err_pipe[1]);
    const pid_t pid = fork();
    if (pid < 0) return fail(Error::errno_("fork"));
    if (pid == 0) {
        auto r = attach_in_machine(live->leader->fd(), root->get(), tree.get(), path, o.mkdir, S_ISDIR(st.st_mode), *base);
        if (r) _exit(0);
        const std::string& message = r.error().message();
        (void)write_all(err_write.get(), message.data(), message.size());
        _exit(1);
    }
    err_write.reset();
    const auto report = collect_child(pid, std::move(err_read));
    if (report.exited_with(0)) return 0;
    return fail(Error(EIO, fmt::format("Could not bind {} into machine '{}': {}", host_path, machine,
                                       report.text.empty() ? "the helper process failed" : report.text)));
}

}  // namespace spawn::mctl
