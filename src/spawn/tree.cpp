#include "spawn/tree.hpp"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>

#include "boot/machine_id.hpp"
#include "container/tree.hpp"

namespace spawn {

Result<OpenTree> open_tree(const Config& cfg) {
    OpenTree t;
    t.fd = TRY(container::check_tree(cfg.directory));
    char real[PATH_MAX];
    if (!realpath(cfg.directory.c_str(), real)) return Error::errno_("resolving {}", cfg.directory);
    t.facts.root = real;
    struct stat st {};
    if (fstat(t.fd.get(), &st) < 0) return Error::errno_("stat {}", t.facts.root);
    t.facts.owner_uid = st.st_uid;
    t.facts.owner_gid = st.st_gid;
    auto id = boot::read_tree_machine_id(t.fd.get());
    if (id) {
        t.facts.machine_id = std::move(*id);
    } else if (cfg.boot) {
        // A guest's machine id must be readable; a command's container gets a random one instead.
        return std::move(id).error().context(t.facts.root);
    }
    return t;
}

}  // namespace spawn
