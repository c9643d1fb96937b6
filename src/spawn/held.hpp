// Held: the stage objects a start holds while its container runs, in the
// order the start takes them (start/plan.hpp; parent.cpp), so they are torn
// down in reverse when it is dropped. It can be handed over to the next
// program image of this process and taken over there (util/handoff.hpp):
// spawn becomes the lean monitor while the container runs (monitor_stage.hpp)
// and spawn again, which takes them over to tear them down, when PID 1 ends.
#pragma once

#include <optional>

#include "container/cgroup.hpp"
#include "container/lock.hpp"
#include "container/userns.hpp"
#include "machined/registration.hpp"
#include "net/setup.hpp"
#include "spawn/hooks_stage.hpp"
#include "spawn/image_stage.hpp"
#include "spawn/snapshot_stage.hpp"
#include "util/handoff.hpp"

namespace spawn {

struct Held {
    PoststopHooks poststop;                       // an OCI bundle's, run last
    std::optional<ImageMount> image;              // -i
    std::optional<EphemeralSnapshot> snapshot;    // -x on btrfs
    std::optional<container::NameLock> name;
    std::optional<container::TreeLock> tree_lock;
    std::optional<container::UidRangeLock> uid_range;  // -U
    std::optional<container::Cgroup> cgroup;
    std::optional<net::NetworkSetup> network;     // a private network's host side
    machined::Registration registration;

    // Empties this (its destructor then tears nothing down).
    void hand_off(Handoff& h) &&;
    // Fills this empty Held again. cfg: the start's configuration (the
    // poststop hooks are its bundle's; it must outlive this).
    void take_over(Handoff& h, const Config& cfg);

private:
    template <typename F>
    void each_stage(F&& f);
};

}  // namespace spawn
