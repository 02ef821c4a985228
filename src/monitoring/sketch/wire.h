// Little-endian fixed-width fields, the encoding of the sketches and of
// profiles. Thread-safe (pure).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::monitoring {

// Appends the low `width` bytes of v, least significant first.
inline void PutLe(std::string* out, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// Consumes a `width`-byte field from the front of *bytes; false if too short.
inline bool TakeLe(std::string_view* bytes, int width, uint64_t* v) {
  if (bytes->size() < static_cast<size_t>(width)) return false;
  *v = 0;
  for (int i = 0; i < width; ++i) *v |= uint64_t{static_cast<unsigned char>((*bytes)[i])} << (8 * i);
  bytes->remove_prefix(width);
  return true;
}

}  // namespace ferry::monitoring
