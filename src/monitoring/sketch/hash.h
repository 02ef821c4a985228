// 64-bit hashes for feeding sketches (HyperLogLog, and anything that needs a
// well-mixed key). Both functions use xxHash's XXH3_64bits with its default
// seed, so values are stable across processes, runs and machines: sketches
// built on different hosts can be merged.
//
// HashDouble hashes the value, not the bit pattern: -0.0 and 0.0 hash alike,
// and every NaN hashes like every other NaN. Bytes are hashed in little-endian
// order regardless of the host. Stateless, safe to call from any thread.
#pragma once

// Inlined: most inputs are 8 bytes, where the call into the shared library
// costs as much as the hash.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace ferry::monitoring {

inline uint64_t HashBytes(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

inline uint64_t HashDouble(double x) {
  constexpr uint64_t kCanonicalNaN = 0x7ff8000000000000ULL;
  if (x == 0.0) x = 0.0;  // folds -0.0 into +0.0
  const uint64_t bits = std::isnan(x) ? kCanonicalNaN : std::bit_cast<uint64_t>(x);
  unsigned char le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(bits >> (8 * i));
  return XXH3_64bits(le, sizeof(le));
}

}  // namespace ferry::monitoring
