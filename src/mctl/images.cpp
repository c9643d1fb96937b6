#include <cstdint>
// list-images, image-status, show-image over the image search path.
#include <algorithm>
#include <cstdio>

#include "images/store.hpp"
#include "mctl.hpp"
#include "progress.hpp"

namespace spawn::mctl {

static std::string yes_no(bool b) { return b ? "yes" : "no"; }

int verb_list_images(const Options& o, const std::vector<std::string>&) {
    auto list = images::list_images();
    if (o.output == "json" || o.output == "json-pretty") {
        std::string out = "[";
        for (size_t i = 0; i < list.size(); ++i) {
            const auto& im = list[i];
            out += fmt::format("{}{{\"name\":{},\"type\":{},\"ro\":{},\"usage\":{},\"created\":{},\"modified\":{}}}",
                               i ? "," : "", json_string(im.name), json_string(im.type), im.read_only ? "true" : "false",
                               im.usage ? std::to_string(*im.usage) : "null", im.crtime_usec, im.mtime_usec);
        }
        std::printf("%s]\n", out.c_str());
        return 0;
    }
    if (list.empty()) {
        if (o.legend) std::printf("No images.\n");
        return 0;
    }
    Table t({"NAME", "TYPE", "RO", "USAGE", "CREATED", "MODIFIED"});
    for (const auto& im : list)
        t.add({im.name, im.type, yes_no(im.read_only), im.usage ? fmt::format("{:.1f}M", *im.usage / 1048576.0) : " ",
               im.crtime_usec ? format_timestamp(im.crtime_usec) : "-", im.mtime_usec ? format_timestamp(im.mtime_usec) : "-"});
    std::fputs(t.render(o.legend).c_str(), stdout);
    if (o.legend) std::printf("\n%zu images listed.\n", list.size());
    return 0;
}

int verb_image_status(const Options&, const std::vector<std::string>& args) {
    // No name: the pool, as machinectl 252 shows it.
    if (args.empty()) {
        std::printf("\t    Path: %s\n", kImageSearchPath[0]);
        return 0;
    }
    int rc = 0;
    for (size_t i = 0; i < args.size(); ++i) {
        auto im = images::find_image(args[i]);
        if (!im) {
            rc = fail(im.error());
            continue;
        }
        if (i) std::printf("\n");
        std::printf("%s\n", im->name.c_str());
        std::printf("\t    Type: %s\n", im->type.c_str());
        std::printf("\t    Path: %s\n", im->path.c_str());
        std::string pretty = im->os_release["PRETTY_NAME"];
        if (!pretty.empty()) std::printf("\t      OS: %s\n", pretty.c_str());
        std::printf("\t      RO: %s\n", im->read_only ? "read-only" : "writable");
        if (im->crtime_usec) {
            std::string rel = format_relative(im->crtime_usec);
            std::printf("\t Created: %s%s\n", format_timestamp(im->crtime_usec).c_str(), rel.empty() ? "" : ("; " + rel).c_str());
        }
        if (im->mtime_usec) std::printf("\tModified: %s\n", format_timestamp(im->mtime_usec).c_str());
        // "X (exclusive: Y)" when a subvolume's quota group counts both, as machinectl.
        auto pair = [](uint64_t all, std::optional<uint64_t> exclusive) {
            std::string s = format_bytes(all);
            if (exclusive && *exclusive != all) s += " (exclusive: " + format_bytes(*exclusive) + ")";
            return s;
        };
        if (im->usage) std::printf("\t   Usage: %s\n", pair(*im->usage, im->usage_exclusive).c_str());
        if (im->limit) std::printf("\t   Limit: %s\n", pair(*im->limit, im->limit_exclusive).c_str());
    }
    return rc;
}

int verb_show_image(const Options& o, const std::vector<std::string>& args) {
    int rc = 0;
    std::vector<std::string> names = args;
    if (names.empty()) {
        // The pool's properties, as machinectl 252 prints them; usage and
        // limit are known only on a btrfs pool with quotas, which spawn does
        // not manage (UINT64_MAX: unknown, as machined reports it).
        const std::string unknown = std::to_string(UINT64_MAX);
        for (auto [k, v] : {std::pair<const char*, std::string>{"PoolPath", kImageSearchPath[0]}, {"PoolUsage", unknown},
                            {"PoolLimit", unknown}}) {
            if (!o.properties.empty() && std::find(o.properties.begin(), o.properties.end(), k) == o.properties.end())
                continue;
            if (o.value)
                std::printf("%s\n", v.c_str());
            else
                std::printf("%s=%s\n", k, v.c_str());
        }
        return 0;
    }
    for (size_t i = 0; i < names.size(); ++i) {
        auto im = images::find_image(names[i]);
        if (!im) {
            rc = fail(im.error());
            continue;
        }
        if (i && !o.value) std::printf("\n");
        auto prop = [&](const char* k, const std::string& v) {
            if (!o.properties.empty() && std::find(o.properties.begin(), o.properties.end(), k) == o.properties.end()) return;
            if (o.value) std::printf("%s\n", v.c_str());
            else std::printf("%s=%s\n", k, v.c_str());
        };
        prop("Name", im->name);
        prop("Path", im->path);
        prop("Type", im->type);
        prop("ReadOnly", yes_no(im->read_only));
        if (im->crtime_usec || o.all) prop("CreationTimestamp", format_timestamp(im->crtime_usec));
        if (im->mtime_usec || o.all) prop("ModificationTimestamp", format_timestamp(im->mtime_usec));
        const auto bytes = [](std::optional<uint64_t> v) { return std::to_string(v.value_or(UINT64_MAX)); };
        prop("Usage", bytes(im->usage));
        prop("UsageExclusive", bytes(im->usage_exclusive));
        prop("Limit", bytes(im->limit));
        prop("LimitExclusive", bytes(im->limit_exclusive));
    }
    return rc;
}

}  // namespace spawn::mctl
