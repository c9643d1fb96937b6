// Moving images in and out of the pool, as machinectl 252's import-tar,
// import-raw, import-fs, export-tar and export-raw (systemd-importd's work,
// done by mctl itself: there is no importd on a host without systemd).
//
// Tar goes through libarchive: pax, numeric owners, modes, times, extended
// attributes, ACLs, hard links and device nodes, compressed with gzip, xz,
// zstd or bzip2 (any of them recognized on import). An archive is untrusted:
// an entry with an absolute path, a "..", or one that would be written
// through a symlink fails the whole import, naming the entry.
//
// An import lands as the hidden .#NAME.import in the pool, locked while it
// is written (`clean` leaves it alone; a killed one's leftover `clean`
// removes, and so does the next import of NAME), and is renamed to NAME only
// when complete; any failure removes it. The source is never written.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "images/store.hpp"
#include "transfer_names.hpp"
#include "util/result.hpp"

namespace spawn::mctl {

struct ImportTarget {
    std::string name;        // a valid image name
    std::string pool;        // where it lands (/var/lib/machines)
    bool read_only = false;  // --read-only: marked read-only when complete
    bool force = false;      // --force: replaces an image of that name
};

// Called as the transfer goes, with the bytes of the source read so far (of
// the image, on export); false stops it (Ctrl-C), with nothing left.
using Progress = std::function<bool(uint64_t)>;

// name is a valid image name, free unless force (then the import replaces
// the image when complete): one line otherwise.
Result<void> check_new_image(const std::string& name, bool force);

// source names the input in messages ("deb.tar.xz", "stdin").
Result<void> import_tar(int in, const std::string& source, const ImportTarget& target, const Progress& progress);
// A raw disk image, decompressed as it is read; refused when what arrives
// has neither a partition table nor a file system (disk/probe).
Result<void> import_raw(int in, const std::string& source, const ImportTarget& target, const Progress& progress);
// A directory tree: a btrfs snapshot where it is a subvolume on the pool's
// file system, else a faithful copy (util/copy_tree).
Result<void> import_fs(const std::string& dir, const ImportTarget& target);

// The image (locked shared: a machine may run it read-only meanwhile) to out.
Result<void> export_tar(const images::ImageInfo& im, int out, Compression c, const Progress& progress);
Result<void> export_raw(const images::ImageInfo& im, int out, Compression c, const Progress& progress);

}  // namespace spawn::mctl
