#include "container/credentials.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>

#include "container/mount.hpp"
#include "container/new_mount.hpp"

namespace spawn::container {

namespace {

Result<std::string> read_credential_file(const std::string& path, const std::string& id) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd) return Error::errno_("--load-credential={}:{}: cannot open {}", id, path, path);
    struct stat st {};
    if (fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode))
        return Error::msg("--load-credential={}:{}: {} is not a regular file", id, path, path);
    std::string data;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::errno_("--load-credential={}:{}: reading {}", id, path, path);
        if (n == 0) break;
        data.append(buf, static_cast<size_t>(n));
        if (data.size() > kCredentialMax)
            return Error::msg("--load-credential={}:{}: {} is larger than {} bytes", id, path, path, kCredentialMax);
    }
    return data;
}

}  // namespace

Result<std::vector<Credential>> load_credentials(const std::vector<CredentialSource>& sources) {
    std::vector<Credential> out;
    size_t total = 0;
    for (const auto& s : sources) {
        Credential c{s.id, s.value};
        if (!s.path.empty()) {
            std::string path = s.path;
            const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
            if (path.front() != '/' && dir && *dir) path = std::string(dir) + "/" + path;
            c.value = TRY(read_credential_file(path, s.id));
        }
        if (c.value.size() > kCredentialMax)
            return Error::msg("credential '{}' is larger than {} bytes", s.id, kCredentialMax);
        total += c.value.size();
        if (total > kCredentialMax)
            return Error::msg("the credentials together are larger than {} bytes (at credential '{}')", kCredentialMax, s.id);
        out.push_back(std::move(c));
    }
    return out;
}

Result<void> mount_credentials(const std::vector<Credential>& credentials, int root_fd) {
    if (credentials.empty()) return ok();
    // /run is the container's own tmpfs by now: no guest symlink in the way.
    auto target = TRY(make_dirs_in_root(root_fd, kCredentialsDir, 0755, true));
    UniqueFd mnt = TRY(new_mount("ramfs", {{"mode", "0700"}}, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSUID,
                                 "--set-credential"));
    for (const auto& c : credentials) {
        UniqueFd f(openat(mnt.get(), c.id.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400));
        if (!f) return Error::errno_("writing credential '{}'", c.id);
        std::string_view data = c.value;
        while (!data.empty()) {
            ssize_t n = ::write(f.get(), data.data(), data.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return Error::errno_("writing credential '{}'", c.id);
            data.remove_prefix(static_cast<size_t>(n));
        }
    }
    struct mount_attr attr {};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (mount_setattr(mnt.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
        return Error::errno_("making the credentials read-only");
    if (move_mount(mnt.get(), "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return Error::errno_("mounting the credentials on {}", kCredentialsDir);
    return ok();
}

}  // namespace spawn::container
