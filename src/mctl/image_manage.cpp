// clone, rename, remove, read-only: changing images in the search path, as
// machinectl does, through images/manage.hpp.
#include "images/manage.hpp"
#include "mctl.hpp"
#include "util/strings.hpp"

namespace spawn::mctl {

namespace {

// The image, or the error printed; nullptr then.
std::optional<images::ImageInfo> image_or_fail(const std::string& name, int& rc) {
    auto im = images::find_image(name);
    if (!im) {
        rc = fail(im.error());
        return std::nullopt;
    }
    return std::move(*im);
}

}  // namespace

int verb_clone(const Options& o, const std::vector<std::string>& args) {
    int rc = 0;
    auto im = image_or_fail(args[0], rc);
    if (!im) return rc;
    auto r = images::clone_image(*im, args[1], o.read_only, kImageSearchPath[0]);
    return r ? 0 : fail(r.error());
}

int verb_rename(const Options&, const std::vector<std::string>& args) {
    int rc = 0;
    auto im = image_or_fail(args[0], rc);
    if (!im) return rc;
    auto r = images::rename_image(*im, args[1]);
    return r ? 0 : fail(r.error());
}

int verb_remove(const Options&, const std::vector<std::string>& args) {
    int rc = 0;
    for (const auto& name : args) {
        auto im = image_or_fail(name, rc);
        if (!im) continue;
        if (auto r = images::remove_image(*im); !r) rc = fail(r.error());
    }
    return rc;
}

int verb_read_only(const Options&, const std::vector<std::string>& args) {
    bool read_only = true;
    if (args.size() > 1) {
        auto b = str::parse_bool(args[1]);
        if (!b) return fail(Error::msg("Failed to parse read-only boolean: {}", args[1]));
        read_only = *b;
    }
    int rc = 0;
    auto im = image_or_fail(args[0], rc);
    if (!im) return rc;
    auto r = images::set_image_read_only(*im, read_only);
    return r ? 0 : fail(r.error());
}

}  // namespace spawn::mctl
