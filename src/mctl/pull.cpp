#include "pull.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "child_report.hpp"
#include "transfer_names.hpp"
#include "util/cptr.hpp"
#include "util/fd.hpp"
#include "util/fdio.hpp"
#include "util/strings.hpp"

namespace spawn::mctl {
namespace {

using Curl = CPtr<CURL, curl_easy_cleanup>;
using Digest = CPtr<EVP_MD_CTX, EVP_MD_CTX_free>;

// Where a download goes: a file (with its SHA-256 computed on the way), or
// memory for the small files beside it (SHA256SUMS, its signature).
struct Sink {
    int fd = -1;
    std::string text;
    EVP_MD_CTX* digest = nullptr;
    const DownloadProgress* progress = nullptr;
    int error = 0;       // why a write failed
    uint64_t bytes = 0;  // written so far

    static constexpr size_t kTextLimit = 1 << 20;

    static size_t write(char* data, size_t size, size_t n, void* self) {
        auto* s = static_cast<Sink*>(self);
        const size_t len = size * n;
        if (s->fd >= 0) {
            if (!write_all(s->fd, data, len)) {
                s->error = errno;
                return 0;
            }
        } else {
            if (s->text.size() + len > kTextLimit) {
                s->error = EFBIG;
                return 0;
            }
            s->text.append(data, len);
        }
        if (s->digest) EVP_DigestUpdate(s->digest, data, len);
        s->bytes += len;
        return len;
    }

    static int on_progress(void* self, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
        auto* s = static_cast<Sink*>(self);
        if (s->progress && *s->progress &&
            !(*s->progress)(static_cast<uint64_t>(now), static_cast<uint64_t>(total > 0 ? total : 0)))
            return 1;  // aborts the transfer
        return 0;
    }
};

// The URL without its query and fragment, split at its last '/'.
std::pair<std::string, std::string> split_url(const std::string& url) {
    std::string path = url.substr(0, url.find_first_of("?#"));
    const size_t slash = path.rfind('/');
    return {path.substr(0, slash + 1), path.substr(slash + 1)};
}

Result<void> download(const std::string& url, Sink& sink) {
    static std::once_flag init;
    std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    Curl c(curl_easy_init());
    if (!c) return Error(ENOMEM, "libcurl: no memory");
    char message[CURL_ERROR_SIZE] = "";
    CURL* h = c.get();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);  // 404 and the like are errors, not content
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);  // a server that stops sending: given up after a minute
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mctl/" SPAWN_VERSION);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, message);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Sink::write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &Sink::on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &sink);
    const CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) return ok();
    if (rc == CURLE_WRITE_ERROR && sink.error) return Error::sys(sink.error, "{}: keeping the download", url);
    if (rc == CURLE_ABORTED_BY_CALLBACK) return Error(ECANCELED, url + ": interrupted");
    return Error(EIO, fmt::format("{}: {}", url, *message ? message : curl_easy_strerror(rc)));
}

// An unnamed file in dir for the download: gone whatever happens to mctl.
Result<UniqueFd> unnamed_file(const std::string& dir) {
    if (mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST) return Error::errno_("{}", dir);
    UniqueFd fd(open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
    if (fd) return fd;
    std::string name = dir + "/.#pull.XXXXXX";  // file systems without O_TMPFILE
    fd.reset(mkostemp(name.data(), O_CLOEXEC));
    if (!fd) return Error::errno_("making a file for the download in {}", dir);
    unlink(name.c_str());
    return fd;
}

std::string hex(const unsigned char* data, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += fmt::format("{:02x}", data[i]);
    return out;
}

// A memfd holding text that a child can open by /proc/self/fd path.
Result<UniqueFd> text_file(const std::string& text, const char* name) {
    UniqueFd fd(memfd_create(name, 0));  // inherited by gpgv: no close-on-exec
    if (!fd || !write_all(fd.get(), text.data(), text.size())) return Error::errno_("keeping {}", name);
    return fd;
}

// gpgv checks sig (a detached signature of sums) against keyring; its last
// line of complaint is the error.
Result<void> check_signature(const std::string& sums, const std::string& sig, const std::string& keyring,
                             const std::string& what) {
    if (keyring.empty())
        return Error::msg("--verify=signature needs a keyring: --keyring=FILE (or --verify=checksum, --verify=no)");
    if (access(keyring.c_str(), R_OK) < 0) return Error::errno_("--keyring={}", keyring);
    auto sums_fd = TRY(text_file(sums, "SHA256SUMS"));
    auto sig_fd = TRY(text_file(sig, "SHA256SUMS.gpg"));
    int err_pipe[2];
    if (pipe2(err_pipe, O_CLOEXEC) < 0) return Error::errno_("pipe");
    UniqueFd err_read(err_pipe[0]), err_write(err_pipe[1]);
    const std::string sums_path = fmt::format("/proc/self/fd/{}", sums_fd.get());
    const std::string sig_path = fmt::format("/proc/self/fd/{}", sig_fd.get());
    pid_t pid = fork();
    if (pid < 0) return Error::errno_("fork");
    if (pid == 0) {
        dup2(err_write.get(), STDERR_FILENO);
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        execlp("gpgv", "gpgv", "--keyring", keyring.c_str(), sig_path.c_str(), sums_path.c_str(), nullptr);
        _exit(127);
    }
    err_write.reset();
    const auto report = collect_child(pid, std::move(err_read));
    if (report.exited_with(0)) return ok();
    if (report.exited_with(127)) return Error(ENOENT, "gpgv is not installed: it checks signatures");
    std::string last;
    for (const auto& l : str::split(report.text, '\n'))
        if (l.find_first_not_of(" \t\r") != std::string::npos) last = l;
    return Error(EBADMSG, fmt::format("{}: the signature of SHA256SUMS does not hold: {}", what, last.empty() ? "gpgv failed" : last));
}

}  // namespace

std::string url_file_name(const std::string& url) { return split_url(url).second; }

Result<void> check_pull_url(const std::string& url) {
    const bool http = url.starts_with("http://") || url.starts_with("https://");
    const std::string rest = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
    if (!http || rest.empty() || rest[0] == '/') return Error::msg("URL '{}' is not an http:// or https:// URL", url);
    if (url_file_name(url).empty()) return Error::msg("URL '{}' names no file", url);
    return ok();
}

Result<void> pull_image(const PullRequest& request, const ImportTarget& target, const DownloadProgress& progress) {
    TRY(check_pull_url(request.url));
    const auto [base, file] = split_url(request.url);
    std::string sums;
    if (request.verify != Verify::No) {
        Sink s;
        TRY(download(base + "SHA256SUMS", s));
        sums = std::move(s.text);
        if (request.verify == Verify::Signature) {
            Sink sig;
            TRY(download(base + "SHA256SUMS.gpg", sig));
            TRY(check_signature(sums, sig.text, request.keyring, base + "SHA256SUMS"));
        }
    }
    auto fd = TRY(unnamed_file(target.pool));
    Digest digest(EVP_MD_CTX_new());
    if (!digest || EVP_DigestInit_ex(digest.get(), EVP_sha256(), nullptr) != 1) return Error(ENOMEM, "SHA-256: no memory");
    Sink sink;
    sink.fd = fd.get();
    sink.digest = digest.get();
    sink.progress = &progress;
    TRY(download(request.url, sink));
    if (request.verify != Verify::No) {
        unsigned char sum[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(digest.get(), sum, &len);
        auto expected = find_checksum(sums, file);
        if (!expected) return Error(EBADMSG, fmt::format("{}SHA256SUMS has no line for {}", base, file));
        if (*expected != hex(sum, len))
            return Error(EBADMSG, fmt::format("{}: SHA-256 {} does not match {} in SHA256SUMS", request.url, hex(sum, len), *expected));
    }
    if (lseek(fd.get(), 0, SEEK_SET) < 0) return Error::errno_("rewinding the download");
    // The import reads what was downloaded: the bar stays full, Ctrl-C still stops it.
    Progress keep_going = [&](uint64_t) { return !progress || progress(sink.bytes, sink.bytes); };
    return request.raw ? import_raw(fd.get(), request.url, target, keep_going)
                       : import_tar(fd.get(), request.url, target, keep_going);
}

}  // namespace spawn::mctl
