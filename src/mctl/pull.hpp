// pull-tar and pull-raw: an image downloaded over HTTP or HTTPS (libcurl),
// verified, then imported as import-tar and import-raw import a file
// (mctl/transfer). The download goes to an unnamed file in the pool
// (O_TMPFILE): a failed, cancelled or killed download leaves nothing, and
// nothing of it is imported before it is complete and verified.
//
// Verification, as machinectl 252's --verify=: no; checksum (the file's
// SHA-256 against its line in SHA256SUMS beside it on the server); signature
// (the same, after gpgv checked SHA256SUMS.gpg against the keyring).
#pragma once

#include <string>

#include "transfer.hpp"
#include "util/result.hpp"

namespace spawn::mctl {

enum class Verify { No, Checksum, Signature };

struct PullRequest {
    std::string url;      // http:// or https://
    bool raw = false;     // pull-raw
    Verify verify = Verify::Signature;
    std::string keyring;  // for Verify::Signature
};

// The file a URL names: its last path component, without query or fragment.
std::string url_file_name(const std::string& url);

// The URL's scheme is checked here: one line for anything but http(s).
Result<void> check_pull_url(const std::string& url);

// Downloads, verifies and imports; progress gets the bytes downloaded and
// total the size when the server says it (0 otherwise).
using DownloadProgress = std::function<bool(uint64_t done, uint64_t total)>;
Result<void> pull_image(const PullRequest& request, const ImportTarget& target, const DownloadProgress& progress);

}  // namespace spawn::mctl
