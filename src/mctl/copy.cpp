// copy-to NAME HOST [MACHINE], copy-from NAME MACHINE [HOST]: files in and
// out of a running machine. The machine's side is reached only through its
// root directory as machined opens it (OpenMachineRootDirectory: the root
// of the machine's own mount namespace), resolved with openat2
// RESOLVE_IN_ROOT, and below that name by name without following any
// symlink (util/copy_tree): a symlink the guest planted cannot make mctl
// read or write a host file. What comes out of a machine carries no set-ID
// bits, file capabilities or device nodes. Into a machine in a user
// namespace the copy is made as its root, owners shifted into its range.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include <fstream>
#include <optional>

#include "container/fs_ids.hpp"
#include "container/in_root.hpp"
#include "mctl.hpp"
#include "progress.hpp"
#include "util/copy_tree.hpp"
#include "util/fd.hpp"

namespace spawn::mctl {
namespace {

struct Place {
    UniqueFd dir;       // the directory it is in
    std::string name;   // its last component
    std::string shown;  // for messages
};

// path split into its directory and last component; the last component
// must name something (not "/", ".", "..").
Result<std::pair<std::string, std::string>> split(const std::string& path) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    auto slash = p.rfind('/');
    std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : p.substr(0, slash));
    std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
    if (name.empty() || name == "." || name == "..") return Error::msg("{}: not a file name", path);
    return std::make_pair(dir, name);
}

Result<Place> in_machine(int root, const std::string& machine, const std::string& path) {
    if (path.empty() || path.front() != '/')
        return Error::msg("{}: a path in machine '{}' must be absolute", path, machine);
    auto [dir, name] = TRY(split(path));
    int fd = container::openat2_in_root(root, dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return Error::errno_("{} in machine '{}'", dir, machine);
    return Place{UniqueFd(fd), name, path + " in machine '" + machine + "'"};
}

Result<Place> on_host(const std::string& path) {
    auto [dir, name] = TRY(split(path));
    UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return Error::errno_("{}", dir);
    return Place{std::move(fd), name, path};
}

}  // namespace

Result<uint32_t> user_namespace_base(uint32_t leader, const std::string& machine) {
    std::ifstream in("/proc/" + std::to_string(leader) + "/uid_map");
    uint64_t inside = 0, outside = 0, count = 0;
    if (!(in >> inside >> outside >> count)) return Error::msg("Machine '{}': cannot read its leader's uid_map", machine);
    if (inside == 0 && outside == 0 && count == 4294967295ULL) return 0u;
    if (inside != 0 || outside == 0 || outside > UINT32_MAX || count < 65536)
        return Error(EOPNOTSUPP, fmt::format("Machine '{}': a user namespace spawn does not map owners into "
                                             "(uid_map {} {} {})", machine, inside, outside, count));
    return static_cast<uint32_t>(outside);
}

namespace {

int copy(const Options& o, const std::vector<std::string>& args, bool to_machine) {
    const std::string& machine = args[0];
    const std::string& from = args[1];
    const std::string& to = args.size() > 2 ? args[2] : args[1];
    auto m = connect();
    if (!m) return fail(m.error());
    auto live = live_machine(*m, machine);
    if (!live) return fail(live.error());
    // Through the pinned leader (.host: the host's root, as machined opens it).
    auto base = user_namespace_base(live->info.leader, machine);
    if (!base) return fail(base.error());
    auto root = live->leader ? live->leader->open_root() : m->open_root_directory(machine);
    if (!root) return fail(root.error());
    auto src = to_machine ? on_host(from) : in_machine(root->get(), machine, from);
    if (!src) return fail(src.error());
    auto dst = to_machine ? in_machine(root->get(), machine, to) : on_host(to);
    if (!dst) return fail(dst.error());
    if (faccessat(dst->dir.get(), dst->name.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return fail(Error(EEXIST, fmt::format("{}: already exists", dst->shown)));
    // Into a machine in a user namespace: created as its root and owned as
    // the machine sees the host's owners (host root its root). Out of one:
    // the owners as the host sees them (its root's files stay base's).
    std::optional<container::CreateAsContainerRoot> as_root;
    if (to_machine && *base) {
        auto r = container::CreateAsContainerRoot::enter(*base);
        if (!r) return fail(r.error());
        as_root.emplace(std::move(*r));
    }
    ProgressBar bar(src->shown, 0, o.quiet);
    const CopyProgress progress = [&bar](uint64_t bytes) { bar.update(bytes); };
    auto r = copy_entry_at(src->dir.get(), src->name, dst->dir.get(), dst->name, /*untrusted_source=*/!to_machine,
                           to_machine ? *base : 0, progress);
    as_root.reset();
    const std::string took = bar.finish(r ? r->bytes : 0);
    if (!r) return fail(std::move(r).error().context(fmt::format("copying {} to {}", src->shown, dst->shown)));
    if (!o.quiet)
        std::fprintf(stderr, "Copied %s to %s (%s).\n", src->shown.c_str(), dst->shown.c_str(), took.c_str());
    return 0;
}

}  // namespace

int verb_copy_to(const Options& o, const std::vector<std::string>& args) { return copy(o, args, true); }
int verb_copy_from(const Options& o, const std::vector<std::string>& args) { return copy(o, args, false); }

}  // namespace spawn::mctl
