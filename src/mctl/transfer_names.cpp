#include "transfer_names.hpp"

#include <array>
#include <utility>

namespace spawn::mctl {
namespace {

constexpr std::array<std::pair<std::string_view, Compression>, 5> kFormats = {{
    {"uncompressed", Compression::None},
    {"gzip", Compression::Gzip},
    {"xz", Compression::Xz},
    {"zstd", Compression::Zstd},
    {"bzip2", Compression::Bzip2},
}};

constexpr std::array<std::pair<std::string_view, Compression>, 9> kSuffixes = {{
    {".gz", Compression::Gzip},
    {".tgz", Compression::Gzip},
    {".xz", Compression::Xz},
    {".txz", Compression::Xz},
    {".zst", Compression::Zstd},
    {".tzst", Compression::Zstd},
    {".bz2", Compression::Bzip2},
    {".tbz2", Compression::Bzip2},
    {".tbz", Compression::Bzip2},
}};

// Stripped from the end of a file name, repeatedly (".tar.xz", ".raw.gz").
constexpr std::array<std::string_view, 14> kStrippable = {
    ".gz", ".tgz", ".xz", ".txz", ".zst", ".tzst", ".bz2", ".tbz2", ".tbz", ".tar", ".raw", ".img", ".qcow2", ".bin"};

}  // namespace

std::optional<Compression> parse_compression(std::string_view format) {
    for (auto [name, c] : kFormats)
        if (format == name) return c;
    return std::nullopt;
}

std::string_view compression_name(Compression c) {
    for (auto [name, value] : kFormats)
        if (value == c) return name;
    return "uncompressed";
}

Compression compression_of(std::string_view file) {
    for (auto [suffix, c] : kSuffixes)
        if (file.ends_with(suffix)) return c;
    return Compression::None;
}

std::string image_name_of(std::string_view file) {
    if (auto slash = file.rfind('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);
    for (bool stripped = true; stripped;) {
        stripped = false;
        for (std::string_view suffix : kStrippable)
            if (file.size() > suffix.size() && file.ends_with(suffix)) {
                file.remove_suffix(suffix.size());
                stripped = true;
            }
    }
    return std::string(file);
}

std::optional<std::string> find_checksum(std::string_view sums, std::string_view file) {
    while (!sums.empty()) {
        const size_t end = sums.find('\n');
        std::string_view line = sums.substr(0, end);
        sums = end == std::string_view::npos ? std::string_view() : sums.substr(end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() < 66 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*')) continue;
        if (line.substr(66) != file) continue;
        std::string sum(line.substr(0, 64));
        bool is_hex = true;
        for (char& c : sum) {
            if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) is_hex = false;
        }
        if (is_hex) return sum;
    }
    return std::nullopt;
}

}  // namespace spawn::mctl
