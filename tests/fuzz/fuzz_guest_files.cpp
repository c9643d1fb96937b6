// Files a guest writes and spawn or mctl read: os-release, /etc/passwd and
// /etc/group (the first line names the user looked up), the machine state file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "boot/init.hpp"
#include "container/guest_user.hpp"
#include "machined/machine_state.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)spawn::boot::parse_os_release(text);
    const auto nl = text.find('\n');
    const std::string_view user = text.substr(0, nl);
    const std::string_view rest = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    auto entry = spawn::container::find_passwd(rest, user);
    (void)spawn::container::supplementary_groups(rest, user, entry ? entry->gid : 0);
    (void)spawn::machined::parse_machine_state(text);
    return 0;
}
