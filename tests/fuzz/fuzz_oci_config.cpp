// An OCI bundle's config.json: parsed (oci/spec.hpp), then turned into
// spawn's settings (oci/bundle.hpp), as spawn --oci-bundle does.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oci/bundle.hpp"
#include "oci/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto spec = spawn::oci::parse_spec(text);
    if (spec.ok()) (void)spawn::oci::bundle_settings(*spec, "/fuzz/bundle");
    return 0;
}
