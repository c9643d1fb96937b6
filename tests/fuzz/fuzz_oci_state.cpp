// spawn-oci's state files and process files: state.json read back
// (oci/runtime_state.hpp) and printed as the specification's state, and
// `exec --process` files (an engine writes them; a bad one must be an error).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oci/runtime_state.hpp"
#include "oci/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto state = spawn::oci::parse_state_file(text);
    if (state.ok()) {
        auto again = spawn::oci::parse_state_file(spawn::oci::state_file_text(*state));
        if (!again.ok() || !(*again == *state)) __builtin_trap();  // what is written reads back the same
        (void)spawn::oci::spec_state_json(*state, spawn::oci::Status::Running);
    }
    (void)spawn::oci::parse_process_json(text);
    return 0;
}
