// Traffic split: which arm of a deployment answers a request. The canary
// share is decided by a stable hash of the request's routing key, so one
// user (key) always lands on the same arm, on every replica. Requests
// without a key get a fresh random key each.
#pragma once

#include <cstdint>
#include <string_view>

namespace ferry::serving {

// FNV-1a, then a 64-bit finalizer so nearby keys spread evenly.
uint64_t StableHash(std::string_view key);
// True when `key` falls in the first `percent` of 10,000 buckets.
bool RoutesToCanary(std::string_view key, double percent);
// The same rule for a hash value (a random one when a request has no key).
bool InCanaryBucket(uint64_t hash, double percent);

}  // namespace ferry::serving
