// clone, rename, remove, read-only: changing images in the search path, as
// machinectl does, through images/manage.hpp.
#include <unistd.h>

#include <cstdio>

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

// clean --all asks first on a terminal; without one it needs --force.
Result<bool> confirmed(const std::vector<images::ImageInfo>& list, bool force) {
    if (force || list.empty()) return true;
    if (!isatty(STDIN_FILENO))
        return Error::msg("clean --all removes every image not in use: it asks first, on a terminal; add --force to skip that");
    std::string names;
    for (const auto& im : list) names += (names.empty() ? "" : ", ") + im.name;
    std::fprintf(stderr, "Remove every image in %s not in use (%zu: %s)? [y/N] ", kImageSearchPath[0], list.size(),
                 names.c_str());
    char answer[16] = "";
    if (!std::fgets(answer, sizeof answer, stdin)) return false;
    return answer[0] == 'y' || answer[0] == 'Y';
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

int verb_set_limit(const Options&, const std::vector<std::string>& args) {
    const std::string& value = args.back();
    uint64_t bytes = UINT64_MAX;
    if (value != "-" && value != "none" && value != "infinity") {
        auto n = str::parse_bytes(value);
        if (!n) return fail(Error::msg("Failed to parse size: {}", value));
        bytes = *n;
    }
    if (args.size() == 1) {
        auto r = images::set_pool_limit(kImageSearchPath[0], bytes);
        return r ? 0 : fail(r.error());
    }
    int rc = 0;
    auto im = image_or_fail(args[0], rc);
    if (!im) return rc;
    auto r = images::set_image_limit(*im, bytes);
    return r ? 0 : fail(r.error());
}


int verb_clean(const Options& o, const std::vector<std::string>&) {
    int rc = 0;
    auto hidden = images::clean_hidden(kImageSearchPath[0]);
    if (!hidden) return fail(hidden.error());
    for (const auto& name : *hidden)
        if (!o.quiet) std::printf("Removed image '%s'.\n", name.c_str());
    if (!o.all) return 0;
    auto list = images::list_images({kImageSearchPath[0]});
    auto go = confirmed(list, o.force);
    if (!go) return fail(go.error());
    if (!*go) return 0;
    for (const auto& im : list) {
        auto r = images::remove_image(im);
        if (!r) {
            if (r.error().code() != EBUSY) rc = fail(r.error());  // in use: kept, as machinectl
            continue;
        }
        if (!o.quiet) std::printf("Removed image '%s'.\n", im.name.c_str());
    }
    return rc;
}

}  // namespace spawn::mctl
