// Credentials for the guest (--set-credential, --load-credential), passed as
// systemd-nspawn 252 passes them: files in a ramfs (never swapped) at
// /run/host/credentials, read-only, 0400 and owned by the container's root,
// and $CREDENTIALS_DIRECTORY pointing there in PID 1's environment; a
// booted systemd imports them as system credentials (systemd-creds --system,
// LoadCredential=ID).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn::container {

inline constexpr const char* kCredentialsDir = "/run/host/credentials";
// At most this much per credential and for all together (systemd's limits).
inline constexpr size_t kCredentialMax = 1 << 20;

struct Credential {
    std::string id;
    std::string value;
    bool operator==(const Credential&) const = default;
};

// The values: --set-credential's as given, --load-credential's read from the
// host (a relative path from $CREDENTIALS_DIRECTORY of spawn itself when it
// has one, as nspawn, else from the current directory). Errors name the
// option, the credential and the file, before anything is set up.
Result<std::vector<Credential>> load_credentials(const std::vector<CredentialSource>& sources);

// In the container's mount namespace, after /run is mounted and before
// pivot_root: the ramfs at ROOT_FD's /run/host/credentials with the files,
// then made read-only. Files are made by the caller's file system IDs (the
// container's root under a user namespace).
Result<void> mount_credentials(const std::vector<Credential>& credentials, int root_fd);

}  // namespace spawn::container
