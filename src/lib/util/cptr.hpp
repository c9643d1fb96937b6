// CPtr<T, Free>: a unique_ptr for C library handles (sd_bus, sd_bus_message,
// sd_journal, sd_event, libmnt_table, ...) released by a free function.
#pragma once

#include <memory>

namespace spawn {

template <auto FreeFn>
struct CFree {
    template <typename T>
    void operator()(T* p) const {
        if (p) FreeFn(p);
    }
};

template <typename T, auto FreeFn>
using CPtr = std::unique_ptr<T, CFree<FreeFn>>;

}  // namespace spawn
