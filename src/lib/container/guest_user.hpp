// guest_user: the users of a guest, read from the contents of its /etc/passwd
// and /etc/group (pure: callers read the files inside the guest's mount
// namespace), and the PATH a session in the guest starts with. Used by
// spawn's child and by the sealed helper (src/helper), so it depends on the
// C++ standard library and util/strings only.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spawn::container {

inline constexpr const char* kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct PasswdEntry {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home;
    std::string shell;
};

// Finds USER (a name, or a numeric uid) in the contents of an /etc/passwd file.
std::optional<PasswdEntry> find_passwd(std::string_view passwd, std::string_view user);

// The supplementary groups of USER in the contents of an /etc/group file
// (groups that list the user as a member), without the primary group.
std::vector<gid_t> supplementary_groups(std::string_view group, std::string_view user, gid_t primary);

}  // namespace spawn::container
