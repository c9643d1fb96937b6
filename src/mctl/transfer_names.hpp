// The pure part of mctl's import and export verbs: compression chosen by
// --format= or by the file's suffix, and the image name an imported file
// gets when none is given, as machinectl 252 derives them (unit-tested).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace spawn::mctl {

enum class Compression { None, Gzip, Xz, Zstd, Bzip2 };

// --format=: uncompressed, gzip, xz, zstd or bzip2.
std::optional<Compression> parse_compression(std::string_view format);
std::string_view compression_name(Compression c);

// By the file name's suffix (.gz/.tgz, .xz/.txz, .zst/.tzst, .bz2/.tbz2);
// None for anything else.
Compression compression_of(std::string_view file);

// The file name without its directory and its archive, image and compression
// suffixes (.tar, .raw, .img, .qcow2, .gz, .xz, ...): "/tmp/deb.tar.xz" ->
// "deb". Not checked for validity (the caller does).
std::string image_name_of(std::string_view file);

// The SHA-256 (lowercase hex) that a SHA256SUMS file gives for file, from a
// line "HEX  NAME" or "HEX *NAME" as sha256sum writes them.
std::optional<std::string> find_checksum(std::string_view sums, std::string_view file);

}  // namespace spawn::mctl
