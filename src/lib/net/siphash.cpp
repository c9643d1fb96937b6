#include "net/siphash.hpp"

#include <cstring>

namespace spawn::net {
namespace {

uint64_t load_le64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct State {
    uint64_t v0, v1, v2, v3;
    void round() {
        v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
        v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
        v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
        v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
    }
    void compress(uint64_t m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

}  // namespace

uint64_t siphash24(const void* data, size_t len, const SipKey& key) {
    const auto* in = static_cast<const uint8_t*>(data);
    uint64_t k0 = load_le64(key.data()), k1 = load_le64(key.data() + 8);
    State s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
            k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
    size_t full = len - len % 8;
    for (size_t i = 0; i < full; i += 8) s.compress(load_le64(in + i));
    uint8_t last[8] = {};
    std::memcpy(last, in + full, len - full);
    uint64_t b = (static_cast<uint64_t>(len) << 56) | load_le64(last);
    s.compress(b);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace spawn::net
