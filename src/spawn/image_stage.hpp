// The image stage (-i/--image): the raw disk image's file systems mounted for
// the container, in spawn's own mount namespace (unshared, a slave of the
// host's), so the host never sees them and they go with spawn and its
// container whatever happens: the container's namespace is a copy of this
// one. Every partition is on a loop device of its own (LOOP_CONFIGURE with
// the partition's offset and size, autoclear), found with libblkid and
// placed as the Discoverable Partitions Specification says (disk/dps.hpp).
// The image file is locked (flock: exclusive, shared when read-only) for as
// long as the object lives. The rest of the start sees a tree at root().
#pragma once

#include <string>

#include "config/config.hpp"
#include "util/fd.hpp"
#include "util/handoff.hpp"
#include "util/result.hpp"

namespace spawn {

class ImageMount {
public:
    static Result<ImageMount> mount(const Config& cfg);
    ImageMount(ImageMount&& o) noexcept : file_(std::move(o.file_)), root_(std::move(o.root_)) { o.root_.clear(); }
    ImageMount& operator=(ImageMount&&) = delete;
    ~ImageMount();
    // Where the image's root is mounted (in spawn's mount namespace only).
    const std::string& root() const { return root_; }
    // The image cannot be written (its file's mode, or a read-only file
    // system): the container runs as with --read-only.
    bool read_only() const { return read_only_; }
    // util/handoff.hpp (the mounts stay in spawn's mount namespace meanwhile)
    void hand_off(Handoff& h, const std::string& key) &&;
    static ImageMount take_over(Handoff& h, const std::string& key);

private:
    ImageMount() = default;
    UniqueFd file_;     // the image, locked
    std::string root_;  // /run/spawn/images/NAME, mounted while this lives
    bool read_only_ = false;
};

}  // namespace spawn
