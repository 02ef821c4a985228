#include "serving/traffic.h"

namespace ferry::serving {

uint64_t StableHash(std::string_view key) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  // SplitMix64's finalizer.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

bool InCanaryBucket(uint64_t hash, double percent) {
  if (percent <= 0) return false;
  return static_cast<double>(hash % 10000) < percent * 100;
}

bool RoutesToCanary(std::string_view key, double percent) {
  return InCanaryBucket(StableHash(key), percent);
}

}  // namespace ferry::serving
