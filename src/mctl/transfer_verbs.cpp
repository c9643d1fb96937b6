// import-tar, import-raw, import-fs, export-tar, export-raw: machinectl 252's
// spellings over mctl/transfer, with a progress bar on a terminal and Ctrl-C
// (or SIGTERM) stopping a transfer with nothing left behind.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "config/config.hpp"
#include "config/names.hpp"
#include "images/store.hpp"
#include "mctl.hpp"
#include "progress.hpp"
#include "pull.hpp"
#include "transfer_registry.hpp"
#include "util/log.hpp"
#include "transfer.hpp"
#include "util/fd.hpp"
#include "util/strings.hpp"

namespace spawn::mctl {
namespace {

volatile sig_atomic_t stop_requested = 0;

// Ctrl-C and SIGTERM end the transfer at the next block; a blocked read or
// write returns (no SA_RESTART), and the hidden landing is removed on the way out.
void catch_stop_signals() {
    struct sigaction sa {};
    sa.sa_handler = [](int) { stop_requested = 1; };
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGTERM}) sigaction(sig, &sa, nullptr);
}

Result<Compression> compression_for(const Options& o, const std::string& file) {
    if (o.format.empty()) return compression_of(file);
    auto c = parse_compression(o.format);
    if (!c) return Error::msg("--format={}: expected uncompressed, gzip, xz, zstd or bzip2", o.format);
    return *c;
}

// The image name: given, else derived from the source as machinectl does.
Result<std::string> import_name(const std::vector<std::string>& args) {
    if (args.size() > 1) {
        if (!machine_name_is_valid(args[1])) return Error::msg("Invalid image name '{}'", args[1]);
        return args[1];
    }
    if (args[0] == "-") return Error::msg("Importing from stdin needs an image name: import-... - NAME");
    std::string name = image_name_of(args[0]);
    if (!machine_name_is_valid(name))
        return Error::msg("Cannot derive a valid image name from '{}' ('{}'): give one", args[0], name);
    return name;
}

// What a running transfer shows: a progress bar on a terminal and its line
// in list-transfers (failing to list it is only a warning). update() is
// asked after each block whether to go on: Ctrl-C and cancel-transfer
// (SIGTERM) say no.
class Watch {
public:
    Watch(const std::string& type, const std::string& shown, const std::string& remote, const std::string& local,
          uint64_t total, bool quiet)
        : bar_(shown, total, quiet), total_(total) {
        catch_stop_signals();
        auto r = TransferRecord::open(type, remote, local);
        if (r) listed_.emplace(std::move(r).value());
        else log::warn("{}", r.error().message());
    }
    // total: 0 keeps the one known.
    bool update(uint64_t done, uint64_t total = 0) {
        done_ = done;
        if (total) bar_.set_total(total_ = total);
        bar_.update(done);
        if (listed_) listed_->progress(done, total_);
        return !stop_requested;
    }
    // "1.2M in 0.3s", the bar cleared.
    std::string finish() { return bar_.finish(done_); }

private:
    ProgressBar bar_;
    uint64_t total_;
    uint64_t done_ = 0;
    std::optional<TransferRecord> listed_;
};

ImportTarget target_of(const Options& o, std::string name) {
    return ImportTarget{std::move(name), kImageSearchPath[0], o.read_only, o.force};
}

int import_stream(const Options& o, const std::vector<std::string>& args, bool raw) {
    auto name = import_name(args);
    if (!name) return fail(name.error());
    const bool from_stdin = args[0] == "-";
    UniqueFd file;
    if (!from_stdin) {
        file.reset(open(args[0].c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
        if (!file) return fail(Error::errno_("Failed to open {}", args[0]));
    }
    const int in = from_stdin ? STDIN_FILENO : file.get();
    struct stat st {};
    const uint64_t total = fstat(in, &st) == 0 && S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
    const std::string source = from_stdin ? "stdin" : args[0];
    Watch watch(raw ? "import-raw" : "import-tar", source, source, *name, total, o.quiet);
    const Progress progress = [&](uint64_t done) { return watch.update(done); };
    auto r = raw ? import_raw(in, source, target_of(o, *name), progress)
                 : import_tar(in, source, target_of(o, *name), progress);
    const std::string took = watch.finish();
    if (!r) return fail(std::move(r).error().context(fmt::format("Could not import image '{}'", *name)));
    if (!o.quiet) std::fprintf(stderr, "Imported image '%s' from %s (%s).\n", name->c_str(), source.c_str(), took.c_str());
    return 0;
}

int export_image(const Options& o, const std::vector<std::string>& args, bool raw) {
    auto im = images::find_image(args[0]);
    if (!im) return fail(im.error());
    const bool to_stdout = args.size() < 2 || args[1] == "-";
    const std::string file = to_stdout ? "" : args[1];
    auto c = compression_for(o, file);
    if (!c) return fail(c.error());
    if (to_stdout && isatty(STDOUT_FILENO))
        return fail(Error::msg("Refusing to write an image to a terminal: give a file, or redirect stdout"));
    // A file is written under a hidden name beside it and renamed when complete.
    namespace fs = std::filesystem;
    std::string partial;
    UniqueFd out;
    if (!to_stdout) {
        std::error_code ec;
        if (fs::exists(fs::symlink_status(file, ec)) && !o.force)
            return fail(Error(EEXIST, fmt::format("{} exists (--force replaces it)", file)));
        const fs::path p(file);
        partial = (p.parent_path() / (".#" + p.filename().string() + ".partial")).string();
        out.reset(open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
        if (!out) return fail(Error::errno_("Failed to create {}", partial));
    }
    Watch watch(raw ? "export-raw" : "export-tar", to_stdout ? im->name : file, to_stdout ? "stdout" : file, im->name,
                im->usage.value_or(0), o.quiet);
    const Progress progress = [&](uint64_t done) { return watch.update(done); };
    const int fd = to_stdout ? STDOUT_FILENO : out.get();
    auto r = raw ? export_raw(*im, fd, *c, progress) : export_tar(*im, fd, *c, progress);
    if (r && !to_stdout && (fsync(fd) < 0 || rename(partial.c_str(), file.c_str()) < 0))
        r = Error::errno_("writing {}", file);
    const std::string took = watch.finish();
    if (!r) {
        if (!to_stdout) unlink(partial.c_str());
        return fail(std::move(r).error().context(fmt::format("Could not export image '{}'", im->name)));
    }
    if (!o.quiet)
        std::fprintf(stderr, "Exported image '%s' to %s (%s, %s).\n", im->name.c_str(), to_stdout ? "stdout" : file.c_str(),
                     std::string(compression_name(*c)).c_str(), took.c_str());
    return 0;
}

int pull(const Options& o, const std::vector<std::string>& args, bool raw) {
    if (auto r = check_pull_url(args[0]); !r) return fail(r.error());
    const std::string url_file = url_file_name(args[0]);
    auto name = args.size() > 1 ? import_name(args) : import_name({url_file});
    if (!name) return fail(name.error());
    // Before the download, not after it.
    if (auto free = check_new_image(*name, o.force); !free)
        return fail(std::move(free).error().context(fmt::format("Could not pull image '{}'", *name)));
    // --verify= was checked with the options: no, checksum or signature (the default).
    const Verify verify = o.verify == "no" ? Verify::No : o.verify == "checksum" ? Verify::Checksum : Verify::Signature;
    PullRequest request{args[0], raw, verify, o.keyring};
    Watch watch(raw ? "pull-raw" : "pull-tar", url_file, args[0], *name, 0, o.quiet);
    const DownloadProgress progress = [&](uint64_t done, uint64_t total) { return watch.update(done, total); };
    auto r = pull_image(request, target_of(o, *name), progress);
    const std::string took = watch.finish();
    if (!r) return fail(std::move(r).error().context(fmt::format("Could not pull image '{}'", *name)));
    if (!o.quiet) std::fprintf(stderr, "Pulled image '%s' from %s (%s).\n", name->c_str(), args[0].c_str(), took.c_str());
    return 0;
}

}  // namespace

int verb_pull_tar(const Options& o, const std::vector<std::string>& args) { return pull(o, args, false); }
int verb_pull_raw(const Options& o, const std::vector<std::string>& args) { return pull(o, args, true); }

int verb_import_tar(const Options& o, const std::vector<std::string>& args) { return import_stream(o, args, false); }
int verb_import_raw(const Options& o, const std::vector<std::string>& args) { return import_stream(o, args, true); }

int verb_import_fs(const Options& o, const std::vector<std::string>& args) {
    std::vector<std::string> a = args;
    while (a[0].size() > 1 && a[0].ends_with('/')) a[0].pop_back();  // "dir/" names the image "dir"
    auto name = import_name(a);
    if (!name) return fail(name.error());
    auto r = import_fs(args[0], target_of(o, *name));
    if (!r) return fail(std::move(r).error().context(fmt::format("Could not import image '{}'", *name)));
    if (!o.quiet) std::fprintf(stderr, "Imported image '%s' from %s.\n", name->c_str(), args[0].c_str());
    return 0;
}

int verb_list_transfers(const Options& o, const std::vector<std::string>&) {
    auto transfers = list_transfers();
    if (transfers.empty()) {
        if (o.legend) std::printf("No transfers.\n");
        return 0;
    }
    Table t({"ID", "PERCENT", "TYPE", "REMOTE", "LOCAL"});
    for (const auto& x : transfers)
        t.add({std::to_string(x.id), x.percent < 0 ? "n/a" : std::to_string(x.percent) + "%", x.type, x.remote, x.local});
    std::fputs(t.render(o.legend).c_str(), stdout);
    if (o.legend) std::printf("\n%zu transfers listed.\n", transfers.size());
    return 0;
}

int verb_cancel_transfer(const Options&, const std::vector<std::string>& args) {
    int rc = 0;
    for (const auto& a : args) {
        auto id = str::parse_uint(a);
        if (!id || *id == 0 || *id > UINT32_MAX) {
            rc = fail(Error::msg("Failed to parse transfer id: {}", a));
            continue;
        }
        if (auto r = cancel_transfer(static_cast<unsigned>(*id), std::chrono::seconds(10)); !r) rc = fail(r.error());
    }
    return rc;
}

int verb_export_tar(const Options& o, const std::vector<std::string>& args) { return export_image(o, args, false); }
int verb_export_raw(const Options& o, const std::vector<std::string>& args) { return export_image(o, args, true); }

}  // namespace spawn::mctl
