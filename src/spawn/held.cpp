#include "spawn/held.hpp"

#include <type_traits>

namespace spawn {

// Every optional stage with its key in the record, in the order held.
template <typename F>
void Held::each_stage(F&& f) {
    f(image, "image");
    f(snapshot, "snapshot");
    f(name, "name");
    f(tree_lock, "tree-lock");
    f(uid_range, "uid-range");
    f(cgroup, "cgroup");
    f(network, "network");
}

void Held::hand_off(Handoff& h) && {
    h.put_int("poststop.held", poststop.armed());
    poststop.disarm();
    each_stage([&h](auto& stage, const std::string& key) {
        if (stage) {
            h.put_int(key + ".held", 1);
            std::move(*stage).hand_off(h, key);
        }
        stage.reset();
    });
    std::move(registration).hand_off(h, "registration");
}

void Held::take_over(Handoff& h, const Config& cfg) {
    if (h.get_int("poststop.held")) poststop.arm(cfg);
    each_stage([&h](auto& stage, const std::string& key) {
        using Stage = typename std::decay_t<decltype(stage)>::value_type;
        if (h.get_int(key + ".held")) stage.emplace(Stage::take_over(h, key));
    });
    registration = machined::Registration::take_over(h, "registration");
}

}  // namespace spawn
