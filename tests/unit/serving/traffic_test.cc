// Traffic split: the routing hash is stable (pinned values: changing it
// would move users between arms on upgrade), the canary share matches the
// percent, and a key always lands on the same arm.
#include "serving/traffic.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace ferry::serving {
namespace {

TEST(StableHashTest, IsDeterministicAndPinned) {
  EXPECT_EQ(StableHash("user-42"), StableHash(std::string("user-") + "42"));
  // FNV-1a 64 then SplitMix64's finalizer, computed independently.
  EXPECT_EQ(StableHash(""), 0xf52a15e9a9b5e89bull);
  EXPECT_EQ(StableHash("a"), 0x02c0bdbf481420f8ull);
  EXPECT_EQ(StableHash("user-42"), 0x7a1596f0e94b5793ull);
  EXPECT_EQ(StableHash("fraud"), 0xe6f7d9b81ef25d69ull);
}

TEST(StableHashTest, NearbyKeysSpread) {
  std::set<uint64_t> hashes;
  std::set<uint64_t> buckets;
  for (int i = 0; i < 1000; ++i) {
    uint64_t h = StableHash("user-" + std::to_string(i));
    hashes.insert(h);
    buckets.insert(h % 100);
  }
  EXPECT_EQ(hashes.size(), 1000u);
  EXPECT_EQ(buckets.size(), 100u);  // 1000 keys reach all 100 buckets
  // Bytes matter, including embedded NULs and high bytes.
  EXPECT_NE(StableHash(std::string("a\0b", 3)), StableHash(std::string("a\0c", 3)));
  EXPECT_NE(StableHash("\xff"), StableHash("\xfe"));
}

TEST(RoutesToCanaryTest, TenPercentOfManyKeys) {
  constexpr int kKeys = 100'000;
  int canary = 0;
  for (int i = 0; i < kKeys; ++i)
    canary += RoutesToCanary("user-" + std::to_string(i), 10);
  // 10% +- 0.6% (over 6 sigma; the hash is fixed, so this is deterministic).
  EXPECT_GE(canary, 9'400);
  EXPECT_LE(canary, 10'600);
}

TEST(RoutesToCanaryTest, FractionalPercent) {
  int canary = 0;
  for (int i = 0; i < 100'000; ++i)
    canary += RoutesToCanary("k" + std::to_string(i), 2.5);
  EXPECT_GE(canary, 2'200);
  EXPECT_LE(canary, 2'800);
}

TEST(RoutesToCanaryTest, SameKeySameAnswer) {
  for (int i = 0; i < 1000; ++i) {
    std::string key = "session-" + std::to_string(i);
    bool first = RoutesToCanary(key, 30);
    for (int repeat = 0; repeat < 3; ++repeat)
      EXPECT_EQ(RoutesToCanary(key, 30), first) << key;
  }
}

TEST(RoutesToCanaryTest, ZeroOrNegativeNeverAndHundredAlways) {
  for (int i = 0; i < 10'000; ++i) {
    std::string key = "u" + std::to_string(i);
    EXPECT_FALSE(RoutesToCanary(key, 0)) << key;
    EXPECT_FALSE(RoutesToCanary(key, -5)) << key;
    EXPECT_TRUE(RoutesToCanary(key, 100)) << key;
  }
  EXPECT_FALSE(RoutesToCanary("", 0));
}

// Ramping the canary up only adds users to it: nobody who saw the canary at
// 5% is moved back to the primary at 20%.
TEST(RoutesToCanaryTest, StickyWhenThePercentGrows) {
  int at5 = 0, at20 = 0;
  for (int i = 0; i < 20'000; ++i) {
    std::string key = "user-" + std::to_string(i);
    bool small = RoutesToCanary(key, 5);
    bool large = RoutesToCanary(key, 20);
    if (small) {
      EXPECT_TRUE(large) << key;
    }
    at5 += small;
    at20 += large;
  }
  EXPECT_GT(at20, at5);
  EXPECT_GT(at5, 0);
}

}  // namespace
}  // namespace ferry::serving
