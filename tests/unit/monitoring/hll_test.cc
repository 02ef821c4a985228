// HyperLogLog and the sketch hashes: accuracy across cardinalities, merge,
// and the wire format against hostile input.
#include "monitoring/sketch/hll.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cmath>
#include <limits>
#include <string>

#include "monitoring/sketch/hash.h"

namespace ferry::monitoring {
namespace {

// Hash of the integer i, through the same path production code uses.
uint64_t KeyHash(uint64_t i) {
  return HashBytes(std::string_view(reinterpret_cast<const char*>(&i), sizeof(i)));
}

HyperLogLog SketchOfRange(uint64_t begin, uint64_t end,
                          uint8_t precision = HyperLogLog::kDefaultPrecision) {
  HyperLogLog sketch(precision);
  for (uint64_t i = begin; i < end; ++i) sketch.AddHash(KeyHash(i));
  return sketch;
}

std::string Encode(const HyperLogLog& sketch) {
  std::string bytes;
  sketch.AppendTo(&bytes);
  return bytes;
}

TEST(SketchHashTest, HashDoubleFoldsSignedZero) {
  EXPECT_EQ(HashDouble(0.0), HashDouble(-0.0));
}

TEST(SketchHashTest, HashDoubleFoldsAllNaNs) {
  const double quiet = std::numeric_limits<double>::quiet_NaN();
  const double signaling = std::numeric_limits<double>::signaling_NaN();
  const double payload = std::bit_cast<double>(uint64_t{0x7ff0'0000'dead'beefULL});
  const uint64_t expected = HashDouble(quiet);
  EXPECT_EQ(HashDouble(-quiet), expected);
  EXPECT_EQ(HashDouble(signaling), expected);
  EXPECT_EQ(HashDouble(payload), expected);
  EXPECT_EQ(HashDouble(std::nan("7")), expected);
}

TEST(SketchHashTest, HashDoubleDistinguishesValues) {
  EXPECT_NE(HashDouble(1.0), HashDouble(2.0));
  EXPECT_NE(HashDouble(1.0), HashDouble(std::nextafter(1.0, 2.0)));
  EXPECT_NE(HashDouble(INFINITY), HashDouble(-INFINITY));
  EXPECT_NE(HashDouble(0.0), HashDouble(NAN));
}

TEST(SketchHashTest, HashBytesIsXxh3) {
  EXPECT_EQ(HashBytes("ferry"), XXH3_64bits("ferry", 5));
  EXPECT_EQ(HashBytes(""), XXH3_64bits("", 0));
  EXPECT_NE(HashBytes("a"), HashBytes("b"));
}

TEST(HyperLogLogTest, EmptyEstimatesZero) { EXPECT_EQ(HyperLogLog().Estimate(), 0.0); }

TEST(HyperLogLogTest, PrecisionIsClamped) {
  EXPECT_EQ(HyperLogLog().precision(), 12);
  EXPECT_EQ(HyperLogLog(2).precision(), HyperLogLog::kMinPrecision);
  EXPECT_EQ(HyperLogLog(30).precision(), HyperLogLog::kMaxPrecision);
}

TEST(HyperLogLogTest, RelativeStandardErrorFormula) {
  EXPECT_DOUBLE_EQ(HyperLogLog::RelativeStandardError(12), 1.04 / 64);
  EXPECT_DOUBLE_EQ(HyperLogLog::RelativeStandardError(4), 1.04 / 4);
}

// Linear counting: one item is estimated within 0.1%; each hash collision
// among a handful of items costs about one, so allow one at n = 10.
TEST(HyperLogLogTest, SmallCardinalitiesAreNearExact) {
  EXPECT_NEAR(SketchOfRange(0, 1).Estimate(), 1.0, 0.001);
  EXPECT_NEAR(SketchOfRange(0, 10).Estimate(), 10.0, 1.0);
  EXPECT_NEAR(SketchOfRange(0, 100).Estimate(), 100.0, 3.0);
  EXPECT_NEAR(SketchOfRange(0, 1000).Estimate(), 1000.0, 1000 * 0.03);
}

TEST(HyperLogLogTest, LargeCardinalitiesWithinThreeStandardErrors) {
  for (uint64_t n : {100'000u, 1'000'000u}) {
    for (uint8_t p : {10, 12, 14}) {
      const double rse = HyperLogLog::RelativeStandardError(p);
      const double estimate = SketchOfRange(n, 2 * n, p).Estimate();
      EXPECT_NEAR(estimate / static_cast<double>(n), 1.0, 3 * rse)
          << "n=" << n << " p=" << +p;
    }
  }
}

TEST(HyperLogLogTest, DuplicatesDoNotChangeEstimate) {
  HyperLogLog sketch = SketchOfRange(0, 20'000);
  const double once = sketch.Estimate();
  for (int repeat = 0; repeat < 3; ++repeat) {
    for (uint64_t i = 0; i < 20'000; ++i) sketch.AddHash(KeyHash(i));
  }
  EXPECT_EQ(sketch.Estimate(), once);
}

TEST(HyperLogLogTest, MergeOfDisjointSetsIsTheUnionSketch) {
  HyperLogLog left = SketchOfRange(0, 50'000);
  ASSERT_TRUE(left.Merge(SketchOfRange(50'000, 100'000)).ok());
  EXPECT_EQ(Encode(left), Encode(SketchOfRange(0, 100'000)));
  EXPECT_NEAR(left.Estimate() / 100'000, 1.0, 3 * HyperLogLog::RelativeStandardError(12));
}

TEST(HyperLogLogTest, MergeOfOverlappingSetsCountsTheUnionOnce) {
  HyperLogLog left = SketchOfRange(0, 60'000);
  ASSERT_TRUE(left.Merge(SketchOfRange(40'000, 100'000)).ok());
  EXPECT_EQ(Encode(left), Encode(SketchOfRange(0, 100'000)));
  HyperLogLog self = SketchOfRange(0, 1'000);
  ASSERT_TRUE(self.Merge(self).ok());
  EXPECT_EQ(Encode(self), Encode(SketchOfRange(0, 1'000)));
}

TEST(HyperLogLogTest, MergePrecisionMismatchIsAnError) {
  HyperLogLog sketch = SketchOfRange(0, 100);
  const std::string before = Encode(sketch);
  const Status status = sketch.Merge(SketchOfRange(0, 100, 14));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Encode(sketch), before);
}

TEST(HyperLogLogSerializationTest, RoundTripIsIdentical) {
  for (uint8_t p : {4, 12, 18}) {
    const HyperLogLog sketch = SketchOfRange(0, 30'000, p);
    const std::string bytes = Encode(sketch);
    EXPECT_EQ(bytes.size(), 3 + (size_t{1} << p));
    const Result<HyperLogLog> parsed = HyperLogLog::Parse(bytes);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->precision(), p);
    EXPECT_EQ(parsed->Estimate(), sketch.Estimate());
    EXPECT_EQ(Encode(*parsed), bytes);
  }
}

void ExpectRejected(std::string_view bytes) {
  const Result<HyperLogLog> parsed = HyperLogLog::Parse(bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
}

TEST(HyperLogLogSerializationTest, RejectsTruncationAndTrailingBytes) {
  const std::string bytes = Encode(SketchOfRange(0, 100, 6));
  for (size_t len = 0; len < bytes.size(); ++len) ExpectRejected(bytes.substr(0, len));
  ExpectRejected(bytes + 'x');
  ExpectRejected(Encode(SketchOfRange(0, 100)).substr(0, 1000));
}

TEST(HyperLogLogSerializationTest, RejectsBadFields) {
  const std::string good = Encode(SketchOfRange(0, 100, 6));
  const auto with_byte = [&good](size_t at, char value) {
    std::string bad = good;
    bad[at] = value;
    return bad;
  };
  ExpectRejected(with_byte(0, 2));    // version
  ExpectRejected(with_byte(1, 'K'));  // family
  ExpectRejected(with_byte(2, 3));    // precision below range
  ExpectRejected(with_byte(2, 19));   // precision above range
  ExpectRejected(with_byte(2, 7));    // precision disagrees with length
  ExpectRejected(with_byte(10, 60));  // rank above 65 - 6
  EXPECT_TRUE(HyperLogLog::Parse(with_byte(10, 59)).ok());
}

TEST(HyperLogLogSerializationTest, SurvivesRandomGarbage) {
  uint64_t state = 1;
  for (int trial = 0; trial < 20'000; ++trial) {
    std::string bytes(KeyHash(state++) % 80, '\0');
    for (char& c : bytes) c = static_cast<char>(KeyHash(state++));
    if (trial % 2 == 0 && bytes.size() >= 3) {  // valid header, random body
      bytes[0] = 1;
      bytes[1] = 'H';
      bytes[2] = 4;
      bytes.resize(3 + 16);
    }
    const Result<HyperLogLog> parsed = HyperLogLog::Parse(bytes);
    if (parsed.ok()) {
      EXPECT_GE(parsed->Estimate(), 0.0);
    }
  }
}

}  // namespace
}  // namespace ferry::monitoring
