// CreateAsContainerRoot: while it lives, what this (host root) process
// creates belongs to a user namespace's root: the file system IDs are the
// range's base (which also keeps an idmapped tree writable: host root is no
// ID there), with the capabilities such a change clears from the effective
// set (chown, mknod, DAC) raised again. Used by spawn's outer child and by
// mctl copy-to.
#pragma once

#include <cstdint>
#include <utility>

#include "util/result.hpp"

namespace spawn::container {

class CreateAsContainerRoot {
public:
    static Result<CreateAsContainerRoot> enter(uint32_t base);
    CreateAsContainerRoot(CreateAsContainerRoot&& o) noexcept : active_(std::exchange(o.active_, false)) {}
    CreateAsContainerRoot& operator=(CreateAsContainerRoot&&) = delete;
    ~CreateAsContainerRoot();

private:
    CreateAsContainerRoot() = default;
    bool active_ = true;
};

}  // namespace spawn::container
