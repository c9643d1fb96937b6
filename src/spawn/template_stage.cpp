#include "spawn/template_stage.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "container/lock.hpp"
#include "util/btrfs.hpp"
#include "util/copy_tree.hpp"
#include "util/fd.hpp"
#include "util/log.hpp"

namespace spawn {
namespace {

// The tree is there, with something in it.
Result<bool> tree_has_content(const std::string& dir) {
    UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return false;
        return Error::errno_("{}", dir);
    }
    DIR* d = fdopendir(fd.release());
    if (!d) return Error::errno_("reading {}", dir);
    bool content = false;
    while (struct dirent* e = readdir(d))
        if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..") {
            content = true;
            break;
        }
    closedir(d);
    return content;
}

}  // namespace

Result<void> create_from_template(const Config& cfg) {
    if (cfg.template_dir.empty() || TRY(tree_has_content(cfg.directory))) return ok();
    struct stat st {};
    if (stat(cfg.template_dir.c_str(), &st) < 0) return Error::errno_("--template={}", cfg.template_dir);
    if (!S_ISDIR(st.st_mode)) return Error::msg("--template={}: not a directory", cfg.template_dir);
    namespace fs = std::filesystem;
    const fs::path tree(cfg.directory);
    const std::string parent = tree.parent_path().string(), name = tree.filename().string();
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) return Error::sys(ec.value(), "making {}", parent);
    auto lock = TRY(container::PathLock::acquire(
        parent + "/.#" + name + ".template.lock", false,
        fmt::format("Directory tree {} is being made from its template by another start.", cfg.directory)));
    if (TRY(tree_has_content(cfg.directory))) return ok();  // the other start made it meanwhile
    const std::string tmp_name = ".#" + name + ".template", tmp = parent + "/" + tmp_name;
    UniqueFd from(open(cfg.template_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    UniqueFd into(open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!from || !into) return Error::errno_("--template={}", cfg.template_dir);
    TRY(remove_tree_at(into.get(), tmp_name, tmp));  // a killed start's leftover: a snapshot, or a partial copy
    // A btrfs subvolume on the tree's file system: a snapshot of it, at once.
    if (btrfs::is_subvolume(from.get()) && btrfs::snapshot(from.get(), into.get(), tmp_name)) {
        log::debug("made {} as a btrfs snapshot of the template {}", cfg.directory, cfg.template_dir);
    } else {
        log::debug("making {} as a copy of the template {}", cfg.directory, cfg.template_dir);
        auto copied = copy_tree(cfg.template_dir, tmp);
        if (!copied) {
            (void)remove_tree(tmp);
            return std::move(copied).error().context("--template=" + cfg.template_dir);
        }
        log::debug("{} files, {} bytes ({} shared with the template)", copied->files, copied->bytes, copied->reflinked);
    }
    // A new machine: the template's id stays with the template.
    UniqueFd id(open((tmp + "/etc/machine-id").c_str(), O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC));
    if (rename(tmp.c_str(), cfg.directory.c_str()) < 0) {
        int err = errno;
        (void)remove_tree_at(into.get(), tmp_name, tmp);  // a copy or a snapshot
        return Error::sys(err, "--template={}: moving the copy to {}", cfg.template_dir, cfg.directory);
    }
    return ok();
}

}  // namespace spawn
