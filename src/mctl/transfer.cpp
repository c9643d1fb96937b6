#include "transfer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <atomic>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "config/names.hpp"
#include "disk/probe.hpp"
#include "images/manage.hpp"
#include "util/btrfs.hpp"
#include "util/copy_tree.hpp"
#include "util/cptr.hpp"
#include "util/fd.hpp"
#include "util/fdio.hpp"

namespace spawn::mctl {
namespace {

using ArchiveReader = CPtr<archive, archive_read_free>;
using ArchiveWriter = CPtr<archive, archive_write_free>;
using Entry = CPtr<archive_entry, archive_entry_free>;
using LinkResolver = CPtr<archive_entry_linkresolver, archive_entry_linkresolver_free>;

constexpr size_t kBlock = 128 * 1024;

// libarchive's last error on a, as an Error naming what.
Error archive_failure(archive* a, const std::string& what) {
    const int err = archive_errno(a);
    const int code = err > 0 ? err : EIO;
    std::string message = archive_error_string(a) ? archive_error_string(a) : "";
    // "Write failed" and the like: with the reason, when it is the system's
    // (not libarchive's own codes for a bad archive or a misuse).
    const bool system_error = err > 0 && err != EILSEQ && err != EINVAL;  // libarchive: FILE_FORMAT, PROGRAMMER
    if (system_error && message.find(std::strerror(err)) == std::string::npos)
        message += (message.empty() ? "" : ": ") + std::string(std::strerror(err));
    return Error(code, what + ": " + message);
}

// Runs with the working directory set to dir (libarchive's disk reader and
// writer work on paths relative to it), and goes back after.
class InDirectory {
public:
    static Result<InDirectory> enter(int dir) {
        InDirectory d;
        d.back_.reset(open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!d.back_) return Error::errno_("opening the working directory");
        if (fchdir(dir) < 0) return Error::errno_("entering the image");
        return d;
    }
    InDirectory(InDirectory&&) = default;
    ~InDirectory() {
        if (back_) (void)!fchdir(back_.get());
    }

private:
    InDirectory() = default;
    UniqueFd back_;
};

}  // namespace

Result<void> check_new_image(const std::string& name, bool force) {
    if (!machine_name_is_valid(name)) return Error::msg("Invalid image name '{}'", name);
    if (images::find_image(name) && !force)
        return Error(EEXIST, fmt::format("Image '{}' already exists (--force replaces it)", name));
    return ok();
}

namespace {

// The hidden .#NAME.import an import is written as: reserved by begin(),
// made by make_directory() or make_file() (or by the caller, then adopt()),
// locked while it is written, removed unless commit() renamed it to the image.
class Landing {
public:
    static Result<Landing> begin(const ImportTarget& t) {
        TRY(check_new_image(t.name, t.force));
        Landing l;
        l.target_ = t;
        l.tmp_name_ = ".#" + t.name + ".import";
        l.tmp_ = t.pool + "/" + l.tmp_name_;
        if (mkdir(t.pool.c_str(), 0700) < 0 && errno != EEXIST) return Error::errno_("{}", t.pool);
        l.pool_.reset(open(t.pool.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!l.pool_) return Error::errno_("{}", t.pool);
        // A leftover of a killed import is removed; one still running is not.
        if (UniqueFd old(openat(l.pool_.get(), l.tmp_name_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)); old) {
            if (flock(old.get(), LOCK_EX | LOCK_NB) < 0)
                return Error(EBUSY, fmt::format("Image '{}' is being imported by another mctl", t.name));
            TRY(remove_tree_at(l.pool_.get(), l.tmp_name_, l.tmp_));
        }
        return l;
    }

    // A directory image (images::make_image_directory: a subvolume on btrfs).
    Result<void> make_directory() {
        made_ = true;
        lock_ = TRY(images::make_image_directory(pool_.get(), tmp_name_, tmp_));
        if (flock(lock_.get(), LOCK_EX | LOCK_NB) < 0) return Error::errno_("locking {}", tmp_);
        return ok();
    }

    // A raw image's file.
    Result<void> make_file() {
        raw_ = true;
        lock_.reset(openat(pool_.get(), tmp_name_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!lock_) return Error::errno_("making {}", tmp_);
        made_ = true;
        if (flock(lock_.get(), LOCK_EX | LOCK_NB) < 0) return Error::errno_("locking {}", tmp_);
        return ok();
    }

    Landing(Landing&& o) noexcept
        : target_(std::move(o.target_)), pool_(std::move(o.pool_)), lock_(std::move(o.lock_)),
          tmp_name_(std::move(o.tmp_name_)), tmp_(std::move(o.tmp_)), raw_(o.raw_), made_(std::exchange(o.made_, false)) {}
    ~Landing() {
        if (made_) (void)remove_tree_at(pool_.get(), tmp_name_, tmp_);
    }

    // The landing (a directory or a raw file), open and locked.
    int fd() const { return lock_.get(); }
    const std::string& path() const { return tmp_; }
    const std::string& name() const { return tmp_name_; }
    int pool() const { return pool_.get(); }

    // The caller made it (a snapshot); from now on it is held and cleaned up.
    Result<void> adopt() {
        made_ = true;
        lock_.reset(openat(pool_.get(), tmp_name_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
        if (!lock_) return Error::errno_("opening {}", tmp_);
        if (flock(lock_.get(), LOCK_EX | LOCK_NB) < 0) return Error::errno_("locking {}", tmp_);
        return ok();
    }

    // Complete: the image takes its name (replacing one with --force).
    Result<void> commit() {
        const std::string final_name = target_.name + (raw_ ? ".raw" : "");
        if (target_.force)
            if (auto old = images::find_image(target_.name)) TRY(images::remove_image(*old));
        if (renameat(pool_.get(), tmp_name_.c_str(), pool_.get(), final_name.c_str()) < 0)
            return Error::errno_("moving {} to {}/{}", tmp_, target_.pool, final_name);
        made_ = false;
        lock_.reset();  // the image's own lock, taken by what follows
        if (target_.read_only) {
            auto im = TRY(images::find_image(target_.name, {target_.pool}));
            TRY(images::set_image_read_only(im, true));
        }
        return ok();
    }

private:
    Landing() = default;
    ImportTarget target_;
    UniqueFd pool_, lock_;
    std::string tmp_name_, tmp_;
    bool raw_ = false, made_ = false;
};

// The input as libarchive reads it: blocks of the fd, where a signal that
// interrupts a read asks the progress callback whether to go on (libarchive's
// own fd reader retries, and Ctrl-C would wait for the next byte).
struct Input {
    int fd;
    const Progress* progress;
    int cancel_fd = -1;  // readable: stop (a reader in a thread of its own)
    std::atomic<uint64_t> bytes{0};
    std::vector<char> buf = std::vector<char>(kBlock);

    static la_ssize_t read(archive* a, void* self, const void** out) {
        auto* in = static_cast<Input*>(self);
        for (;;) {
            if (in->cancel_fd >= 0) {
                pollfd fds[2] = {{in->fd, POLLIN, 0}, {in->cancel_fd, POLLIN, 0}};
                if (poll(fds, 2, -1) < 0 && errno != EINTR) {
                    archive_set_error(a, errno, "waiting for input");
                    return -1;
                }
                if (fds[1].revents) {
                    archive_set_error(a, ECANCELED, "interrupted");
                    return -1;
                }
                if (!fds[0].revents) continue;
            }
            ssize_t n = ::read(in->fd, in->buf.data(), in->buf.size());
            if (n < 0 && errno == EINTR) {
                if (*in->progress && !(*in->progress)(in->bytes)) {
                    archive_set_error(a, ECANCELED, "interrupted");
                    return -1;
                }
                continue;
            }
            if (n < 0) {
                archive_set_error(a, errno, "reading");
                return -1;
            }
            in->bytes.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
            *out = in->buf.data();
            return n;
        }
    }
};

Result<ArchiveReader> open_reader(Input& in, const std::string& source, bool raw) {
    ArchiveReader r(archive_read_new());
    if (!r) return Error(ENOMEM, "libarchive: no memory");
    archive_read_support_filter_all(r.get());
    if (raw) archive_read_support_format_raw(r.get());
    else archive_read_support_format_tar(r.get());
    if (archive_read_open(r.get(), &in, nullptr, &Input::read, nullptr) != ARCHIVE_OK)
        return archive_failure(r.get(), source);
    return r;
}

// How a raw-format reader's one entry (its input, decompressed) went to an fd.
enum class Drained { Done, ReadFailed, WriteFailed, Stopped };

// Writes the entry's data to out block by block; go_on (if set) is asked
// after each block.
Drained drain(archive* r, int out, const std::function<bool()>& go_on) {
    archive_entry* e = nullptr;
    if (archive_read_next_header(r, &e) != ARCHIVE_OK) return Drained::ReadFailed;
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int rc;
    while ((rc = archive_read_data_block(r, &buf, &size, &offset)) == ARCHIVE_OK) {
        if (!write_all(out, static_cast<const char*>(buf), size)) return Drained::WriteFailed;
        if (go_on && !go_on()) return Drained::Stopped;
    }
    return rc == ARCHIVE_EOF ? Drained::Done : Drained::ReadFailed;
}

// Decompression in a thread of its own, feeding the tar reader through a
// pipe: the two run at once, on two cores, as `zstd -dc | tar -x` does. Its
// signals go to the main thread, which stops it through an eventfd.
class Decompressor {
public:
    static Result<std::unique_ptr<Decompressor>> start(int in, const std::string& source, const Progress& progress) {
        std::unique_ptr<Decompressor> d(new Decompressor(in, progress));
        d->source_ = source;
        d->cancel_.reset(eventfd(0, EFD_CLOEXEC));
        int p[2];
        if (!d->cancel_ || pipe2(p, O_CLOEXEC) < 0) return Error::errno_("starting the decompression");
        d->read_.reset(p[0]);
        d->write_.reset(p[1]);
        d->input_.cancel_fd = d->cancel_.get();
        d->reader_ = TRY(open_reader(d->input_, source, true));
        sigset_t blocked, old;
        sigfillset(&blocked);
        pthread_sigmask(SIG_BLOCK, &blocked, &old);  // the thread starts with all blocked (SIGPIPE: EPIPE)
        d->thread_ = std::thread([p = d.get()] { p->run(); });
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        return d;
    }
    ~Decompressor() { (void)failure(); }
    int fd() const { return read_.get(); }
    uint64_t bytes() const { return input_.bytes.load(std::memory_order_relaxed); }  // of the compressed input, read so far
    // Stops it (if it still runs) and returns its own failure (a corrupt or
    // cut compressed stream), which explains the tar reader's.
    std::optional<Error> failure() {
        if (thread_.joinable()) {
            stopped_ = true;
            uint64_t one = 1;
            (void)!::write(cancel_.get(), &one, sizeof one);
            read_.reset();
            thread_.join();
        }
        return error_;
    }

private:
    Decompressor(int in, const Progress& progress) : input_{in, &progress} {}
    void run() {
        // A failed write: the tar reader stopped reading, and its error says why.
        if (drain(reader_.get(), write_.get(), {}) == Drained::ReadFailed && !stopped_)
            error_ = archive_failure(reader_.get(), source_);
        write_.reset();  // EOF for the tar reader
    }
    Input input_;
    std::string source_;
    ArchiveReader reader_;
    UniqueFd cancel_, read_, write_;
    std::optional<Error> error_;
    std::atomic<bool> stopped_{false};
    std::thread thread_;
};

// The online CPUs, as a filter option's value.
std::string cores() {
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    return std::to_string(n > 0 ? n : 1);
}

Result<ArchiveWriter> open_writer(int out, Compression c, bool raw, const std::string& what) {
    ArchiveWriter w(archive_write_new());
    if (!w) return Error(ENOMEM, "libarchive: no memory");
    int rc = raw ? archive_write_set_format_raw(w.get()) : archive_write_set_format_pax(w.get());
    // Extended attributes as GNU tar writes and reads them (SCHILY.xattr.*).
    if (rc == ARCHIVE_OK && !raw) rc = archive_write_set_format_option(w.get(), "pax", "xattrheader", "SCHILY");
    if (rc == ARCHIVE_OK) {
        switch (c) {
        case Compression::None: rc = archive_write_add_filter_none(w.get()); break;
        case Compression::Gzip: rc = archive_write_add_filter_gzip(w.get()); break;
        case Compression::Xz:
            rc = archive_write_add_filter_xz(w.get());
            if (rc == ARCHIVE_OK) (void)archive_write_set_filter_option(w.get(), "xz", "threads", cores().c_str());
            break;
        case Compression::Zstd:
            rc = archive_write_add_filter_zstd(w.get());
            // Compressed on every core, as the archive is read and written.
            if (rc == ARCHIVE_OK) (void)archive_write_set_filter_option(w.get(), "zstd", "threads", cores().c_str());
            break;
        case Compression::Bzip2: rc = archive_write_add_filter_bzip2(w.get()); break;
        }
    }
    // Whole blocks are padded only where the output is a tape, not here.
    if (rc == ARCHIVE_OK) rc = archive_write_set_bytes_in_last_block(w.get(), 1);
    if (rc == ARCHIVE_OK) rc = archive_write_open_fd(w.get(), out);
    if (rc != ARCHIVE_OK) return archive_failure(w.get(), what);
    return w;
}

Result<void> report(const Progress& progress, uint64_t bytes) {
    if (progress && !progress(bytes)) return Error(ECANCELED, "interrupted");
    return ok();
}

// A file's data (fd, at most size bytes, to its end if less) into the
// archive's current entry; done counts the bytes, for progress. The bytes
// written, for the caller to compare with what the header said.
Result<uint64_t> archive_file_data(archive* w, int fd, uint64_t size, std::vector<char>& buf, uint64_t& done,
                                   const Progress& progress, const std::string& what) {
    uint64_t written = 0;
    while (written < size) {
        ssize_t n = read(fd, buf.data(), std::min<uint64_t>(size - written, buf.size()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::errno_("{}", what);
        if (n == 0) break;
        if (archive_write_data(w, buf.data(), static_cast<size_t>(n)) != n) return archive_failure(w, "writing the archive");
        written += static_cast<uint64_t>(n);
        done += static_cast<uint64_t>(n);
        TRY(report(progress, done));
    }
    return written;
}

}  // namespace

Result<void> import_tar(int in, const std::string& source, const ImportTarget& target, const Progress& progress) {
    auto land = TRY(Landing::begin(target));
    TRY(land.make_directory());
    auto decompressor = TRY(Decompressor::start(in, source, progress));
    Input input{decompressor->fd(), &progress};
    auto r = TRY(open_reader(input, source, false));
    ArchiveWriter w(archive_write_disk_new());
    if (!w) return Error(ENOMEM, "libarchive: no memory");
    // Numeric owners (no name lookup is set); never through a symlink, never
    // outside the landing.
    archive_write_disk_set_options(w.get(), ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                                                ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_XATTR |
                                                ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
    auto cwd = TRY(InDirectory::enter(land.fd()));
    // The top directory exists already, so libarchive does not set its times
    // after its contents are written: done here, last.
    std::optional<std::array<timespec, 2>> top_times;
    for (;;) {
        archive_entry* e = nullptr;
        int rc = archive_read_next_header(r.get(), &e);
        if (rc == ARCHIVE_EOF) break;
        if (rc < ARCHIVE_WARN) return decompressor->failure().value_or(archive_failure(r.get(), source));
        const std::string entry = archive_entry_pathname(e) ? archive_entry_pathname(e) : "?";
        if ((entry == "." || entry == "./") && archive_entry_mtime_is_set(e))
            top_times = {timespec{archive_entry_atime(e), archive_entry_atime_nsec(e)},
                         timespec{archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
        // libarchive says a failed write, owner, mode, time or attribute
        // with ARCHIVE_WARN: an image is restored faithfully or not at all.
        if (archive_write_header(w.get(), e) != ARCHIVE_OK) return archive_failure(w.get(), source + ": " + entry);
        const void* buf = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        while ((rc = archive_read_data_block(r.get(), &buf, &size, &offset)) == ARCHIVE_OK) {
            if (archive_write_data_block(w.get(), buf, size, offset) != ARCHIVE_OK)
                return archive_failure(w.get(), source + ": " + entry);
            TRY(report(progress, decompressor->bytes()));
        }
        if (rc != ARCHIVE_EOF) return decompressor->failure().value_or(archive_failure(r.get(), source + ": " + entry));
        if (archive_write_finish_entry(w.get()) != ARCHIVE_OK) return archive_failure(w.get(), source + ": " + entry);
        TRY(report(progress, decompressor->bytes()));
    }
    if (auto failed = decompressor->failure()) return std::move(*failed);
    // Directory modes and times are set last, as tar does.
    if (archive_write_close(w.get()) != ARCHIVE_OK) return archive_failure(w.get(), source);
    if (top_times && futimens(land.fd(), top_times->data()) < 0) return Error::errno_("{}: setting its times", land.path());
    return land.commit();
}

Result<void> import_raw(int in, const std::string& source, const ImportTarget& target, const Progress& progress) {
    auto land = TRY(Landing::begin(target));
    TRY(land.make_file());
    Input input{in, &progress};
    auto r = TRY(open_reader(input, source, true));
    switch (drain(r.get(), land.fd(), [&] { return !progress || progress(input.bytes.load()); })) {
    case Drained::Done: break;
    case Drained::ReadFailed: return archive_failure(r.get(), source);
    case Drained::WriteFailed: return Error::errno_("{}: writing {}", source, land.path());
    case Drained::Stopped: return Error(ECANCELED, "interrupted");
    }
    auto probed = TRY(disk::probe_image(land.fd(), source));
    if (probed.table.empty() && probed.fstype.empty())
        return Error::msg("{} is not a disk image: no partition table and no file system in it", source);
    if (fchmod(land.fd(), 0644) < 0) return Error::errno_("{}", land.path());
    return land.commit();
}

Result<void> import_fs(const std::string& dir, const ImportTarget& target) {
    UniqueFd from(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!from) return Error::errno_("{}", dir);
    auto land = TRY(Landing::begin(target));
    if (btrfs::is_subvolume(from.get()) && btrfs::snapshot(from.get(), land.pool(), land.name())) {
        TRY(land.adopt());
    } else {
        TRY(land.make_directory());
        TRY(copy_tree_into(dir, land.fd()));
    }
    return land.commit();
}

Result<void> export_tar(const images::ImageInfo& im, int out, Compression c, const Progress& progress) {
    if (im.type == "raw") return Error::msg("Image '{}' is a raw disk image: export-raw exports it", im.name);
    auto lock = TRY(images::lock_image(im, true));
    auto w = TRY(open_writer(out, c, false, "writing the archive"));
    ArchiveReader disk(archive_read_disk_new());
    LinkResolver links(archive_entry_linkresolver_new());
    if (!disk || !links) return Error(ENOMEM, "libarchive: no memory");
    archive_entry_linkresolver_set_strategy(links.get(), archive_format(w.get()));
    archive_read_disk_set_symlink_physical(disk.get());
    archive_read_disk_set_behavior(disk.get(), ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS | ARCHIVE_READDISK_NO_FFLAGS);
    auto cwd = TRY(InDirectory::enter(lock.get()));
    if (archive_read_disk_open(disk.get(), ".") != ARCHIVE_OK) return archive_failure(disk.get(), im.path);
    uint64_t done = 0;
    std::vector<char> buf(kBlock);
    for (;;) {
        Entry owned(archive_entry_new());
        int rc = archive_read_next_header2(disk.get(), owned.get());
        if (rc == ARCHIVE_EOF) break;
        if (rc < ARCHIVE_WARN) return archive_failure(disk.get(), im.path);
        archive_read_disk_descend(disk.get());
        if (archive_entry_filetype(owned.get()) == AE_IFSOCK) continue;  // tar cannot hold one; nothing to keep
        archive_entry* e = owned.get();
        archive_entry* spare = nullptr;
        archive_entry_linkify(links.get(), &e, &spare);  // a second name of a file: a hard link, no data
        const std::string entry = archive_entry_pathname(e);
        if (archive_write_header(w.get(), e) < ARCHIVE_WARN) return archive_failure(w.get(), im.path + ": " + entry);
        if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) || archive_entry_size(e) <= 0) continue;
        UniqueFd f(open(archive_entry_sourcepath(e), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC));
        if (!f) return Error::errno_("{}: {}", im.path, entry);
        const auto size = static_cast<uint64_t>(archive_entry_size(e));
        if (TRY(archive_file_data(w.get(), f.get(), size, buf, done, progress, im.path + ": " + entry)) < size)
            return Error(EIO, fmt::format("{}: {}: the file shrank while it was read", im.path, entry));
    }
    if (archive_write_close(w.get()) != ARCHIVE_OK) return archive_failure(w.get(), "writing the archive");
    return ok();
}

Result<void> export_raw(const images::ImageInfo& im, int out, Compression c, const Progress& progress) {
    if (im.type != "raw") return Error::msg("Image '{}' is a {}: export-tar exports it", im.name, im.type);
    auto lock = TRY(images::lock_image(im, true));
    struct stat st {};
    if (fstat(lock.get(), &st) < 0) return Error::errno_("{}", im.path);
    auto w = TRY(open_writer(out, c, true, "writing the image"));
    Entry e(archive_entry_new());
    archive_entry_set_pathname(e.get(), (im.name + ".raw").c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_size(e.get(), st.st_size);
    if (archive_write_header(w.get(), e.get()) != ARCHIVE_OK) return archive_failure(w.get(), "writing the image");
    std::vector<char> buf(kBlock);
    uint64_t done = 0;
    TRY(archive_file_data(w.get(), lock.get(), static_cast<uint64_t>(st.st_size), buf, done, progress, im.path));
    if (archive_write_close(w.get()) != ARCHIVE_OK) return archive_failure(w.get(), "writing the image");
    return ok();
}

}  // namespace spawn::mctl
