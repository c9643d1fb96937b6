#include "oci/runtime_state.hpp"

#include <limits>

#include <nlohmann/json.hpp>

#include "config/names.hpp"

namespace spawn::oci {

namespace {

using json = nlohmann::ordered_json;

template <typename T>
Result<T> field(const json& j, const char* key, bool required) {
    if (!j.contains(key) || j.at(key).is_null()) {
        if (required) return Error::msg("state.json: {}: missing", key);
        return T{};
    }
    const json& v = j.at(key);
    if constexpr (std::is_same_v<T, std::string>) {
        if (!v.is_string()) return Error::msg("state.json: {}: expected a string", key);
        return v.get<std::string>();
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!v.is_boolean()) return Error::msg("state.json: {}: expected true or false", key);
        return v.get<bool>();
    } else {
        if (!v.is_number_unsigned() || v.get<uint64_t>() > std::numeric_limits<T>::max())
            return Error::msg("state.json: {}: expected a number from 0 to {}", key, std::numeric_limits<T>::max());
        return static_cast<T>(v.get<uint64_t>());
    }
}

json annotations_json(const RuntimeState& s) {
    json a = json::object();
    for (const auto& [k, v] : s.annotations) a[k] = v;
    return a;
}

}  // namespace

std::string_view status_name(Status s) {
    switch (s) {
        case Status::Creating: return "creating";
        case Status::Created: return "created";
        case Status::Running: return "running";
        case Status::Stopped: return "stopped";
    }
    return "stopped";
}

std::string state_file_text(const RuntimeState& s) {
    json j = {{"id", s.id},
              {"bundle", s.bundle},
              {"rootfs", s.rootfs},
              {"created", s.created},
              {"pid", s.pid},
              {"pid_start", s.pid_start},
              {"supervisor", s.supervisor},
              {"started", s.started},
              {"annotations", annotations_json(s)}};
    return j.dump(1) + "\n";
}

Result<RuntimeState> parse_state_file(std::string_view text) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Error::msg("state.json: not a JSON object");
    RuntimeState s;
    s.id = TRY(field<std::string>(j, "id", true));
    TRY_CTX(check_container_id(s.id), "state.json: id");
    s.bundle = TRY(field<std::string>(j, "bundle", true));
    s.rootfs = TRY(field<std::string>(j, "rootfs", true));
    s.created = TRY(field<std::string>(j, "created", false));
    s.pid = TRY(field<pid_t>(j, "pid", true));
    s.pid_start = TRY(field<uint64_t>(j, "pid_start", false));
    s.supervisor = TRY(field<pid_t>(j, "supervisor", true));
    s.started = TRY(field<bool>(j, "started", false));
    if (j.contains("annotations")) {
        const json& a = j.at("annotations");
        if (!a.is_object()) return Error::msg("state.json: annotations: expected an object");
        for (const auto& [k, v] : a.items()) {
            if (!v.is_string()) return Error::msg("state.json: annotations.{}: expected a string", k);
            s.annotations[k] = v.get<std::string>();
        }
    }
    return s;
}

std::string spec_state_json(const RuntimeState& s, Status status) {
    json j = {{"ociVersion", kRuntimeSpecVersion},
              {"id", s.id},
              {"pid", status == Status::Stopped ? 0 : s.pid},
              {"status", status_name(status)},
              {"bundle", s.bundle},
              {"rootfs", s.rootfs},
              {"created", s.created},
              {"owner", ""}};
    if (!s.annotations.empty()) j["annotations"] = annotations_json(s);
    return j.dump(2) + "\n";
}

Result<void> check_container_id(std::string_view id) {
    if (id.empty()) return Error::msg("container id is empty");
    if (!machine_name_is_valid(id))
        return Error::msg("container id '{}' is not valid: it names the machine, so it must be a host name (letters, "
                          "digits, '-' and '.', at most 64 characters)",
                          id);
    return ok();
}

}  // namespace spawn::oci
