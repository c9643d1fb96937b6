#include "verbs.hpp"

namespace spawn::mctl {
namespace {

const Verb kVerbs[] = {
    {"list", 0, 0, verb_list, false, false},
    {"status", 1, kMany, verb_status, false, false},
    {"show", 0, kMany, verb_show, false, false},
    {"login", 0, 1, verb_login, false, true},
    {"shell", 0, kMany, verb_shell, true, true},
    {"exec", 2, kMany, verb_exec, true, true},
    {"poweroff", 1, kMany, verb_poweroff, false, true},
    {"reboot", 1, kMany, verb_reboot, false, true},
    {"terminate", 1, kMany, verb_terminate, false, true},
    {"kill", 1, kMany, verb_kill, false, true},
    {"journal", 1, 1, verb_journal, false, true},
    {"stats", 0, kMany, verb_stats, false, false},
    {"top", 0, kMany, verb_top, false, false},
    {"list-images", 0, 0, verb_list_images, false, false},
    {"image-status", 0, kMany, verb_image_status, false, false},
    {"show-image", 0, kMany, verb_show_image, false, false},
    {"clone", 2, 2, verb_clone, false, true},
    {"rename", 2, 2, verb_rename, false, true},
    {"remove", 1, kMany, verb_remove, false, true},
    {"read-only", 1, 2, verb_read_only, false, true},
    {"set-limit", 1, 2, verb_set_limit, false, true},
    {"clean", 0, 0, verb_clean, false, true},
    {"copy-to", 2, 3, verb_copy_to, false, true},
    {"import-tar", 1, 2, verb_import_tar, false, true},
    {"import-raw", 1, 2, verb_import_raw, false, true},
    {"import-fs", 1, 2, verb_import_fs, false, true},
    {"export-tar", 1, 2, verb_export_tar, false, true},
    {"export-raw", 1, 2, verb_export_raw, false, true},
    {"pull-tar", 1, 2, verb_pull_tar, false, true},
    {"pull-raw", 1, 2, verb_pull_raw, false, true},
    {"list-transfers", 0, 0, verb_list_transfers, false, false},
    {"cancel-transfer", 1, kMany, verb_cancel_transfer, false, true},
    {"copy-from", 2, 3, verb_copy_from, false, true},
    {"bind", 2, 3, verb_bind, false, true},
    {"start", 1, kMany, verb_start, false, true},
    {"enable", 1, kMany, verb_enable, false, true},
    {"disable", 1, kMany, verb_disable, false, true},
};

}  // namespace

const Verb* find_verb(std::string_view name) {
    for (const auto& v : kVerbs)
        if (name == v.name) return &v;
    return nullptr;
}

const Verb& default_verb() { return kVerbs[0]; }

}  // namespace spawn::mctl
