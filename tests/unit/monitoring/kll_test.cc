// KllSketch: exactness below k, rank error on ordinary and adversarial
// streams, merging, and the wire format against hostile input.
#include "monitoring/sketch/kll.h"

#include <gtest/gtest.h>

#include "unit/monitoring/test_data.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numbers>
#include <string>
#include <vector>

namespace ferry::monitoring {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// Large enough for many levels of compaction; smaller under sanitizers to keep
// the suite fast. The normalized error bound does not depend on n.
constexpr size_t kStreamSize = kSanitized ? 200'000 : 1'000'000;

using Rng = test_data::SplitMix64;

std::vector<double> Probabilities() {
  std::vector<double> qs;
  for (int i = 1; i <= 99; ++i) qs.push_back(i / 100.0);
  return qs;
}

// Distance from q to the true rank interval [fraction < x, fraction <= x] of
// the answer x: zero when x is a correct q-quantile, duplicates included.
double QuantileRankError(double q, double x, const std::vector<double>& sorted) {
  const double n = static_cast<double>(sorted.size());
  const double lo =
      (std::lower_bound(sorted.begin(), sorted.end(), x) - sorted.begin()) / n;
  const double hi =
      (std::upper_bound(sorted.begin(), sorted.end(), x) - sorted.begin()) / n;
  return q < lo ? lo - q : (q > hi ? q - hi : 0.0);
}

double MaxQuantileRankError(const KllSketch& sketch, const std::vector<double>& sorted) {
  const std::vector<double> qs = Probabilities();
  const std::vector<double> answers = sketch.Quantiles(qs);
  double worst = 0.0;
  for (size_t i = 0; i < qs.size(); ++i) {
    worst = std::max(worst, QuantileRankError(qs[i], answers[i], sorted));
  }
  return worst;
}

// |Rank(x) - true fraction <= x| at the data's own percentiles.
double MaxRankError(const KllSketch& sketch, const std::vector<double>& sorted) {
  const double n = static_cast<double>(sorted.size());
  std::vector<double> points;
  for (double q : Probabilities()) points.push_back(sorted[static_cast<size_t>(q * n)]);
  const std::vector<double> ranks = sketch.Cdf(points);
  double worst = 0.0;
  for (size_t i = 0; i < points.size(); ++i) {
    const double truth =
        (std::upper_bound(sorted.begin(), sorted.end(), points[i]) - sorted.begin()) / n;
    worst = std::max(worst, std::fabs(ranks[i] - truth));
  }
  return worst;
}

// Checks count, min and max are exact and both error measures within bound.
void ExpectAccurate(const KllSketch& sketch, std::vector<double> data) {
  std::sort(data.begin(), data.end());
  const double bound = KllSketch::NormalizedRankError(sketch.k());
  ASSERT_EQ(sketch.count(), data.size());
  EXPECT_EQ(sketch.min(), data.front());
  EXPECT_EQ(sketch.max(), data.back());
  EXPECT_LE(MaxQuantileRankError(sketch, data), bound);
  EXPECT_LE(MaxRankError(sketch, data), bound);
}

KllSketch SketchOf(const std::vector<double>& data, uint16_t k = KllSketch::kDefaultK) {
  KllSketch sketch(k);
  for (double x : data) sketch.Update(x);
  return sketch;
}

std::vector<double> UniformData(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> data(n);
  for (double& x : data) x = rng.Uniform();
  return data;
}

std::string Encode(const KllSketch& sketch) {
  std::string bytes;
  sketch.AppendTo(&bytes);
  return bytes;
}

TEST(KllSketchTest, EmptySketchAnswersNaN) {
  const KllSketch sketch;
  EXPECT_TRUE(sketch.empty());
  EXPECT_EQ(sketch.count(), 0u);
  EXPECT_TRUE(std::isnan(sketch.min()));
  EXPECT_TRUE(std::isnan(sketch.max()));
  EXPECT_TRUE(std::isnan(sketch.Quantile(0.5)));
  EXPECT_TRUE(std::isnan(sketch.Quantile(0.0)));
  EXPECT_TRUE(std::isnan(sketch.Rank(1.0)));
  const std::vector<double> points = {0.0, 1.0};
  for (double r : sketch.Cdf(points)) EXPECT_TRUE(std::isnan(r));
  for (double q : sketch.Quantiles(points)) EXPECT_TRUE(std::isnan(q));
}

TEST(KllSketchTest, IgnoresNaNAndAnswersBadArgumentsWithNaN) {
  KllSketch sketch;
  sketch.Update(NAN);
  sketch.Update(2.0);
  sketch.Update(-NAN);
  EXPECT_EQ(sketch.count(), 1u);
  EXPECT_EQ(sketch.Quantile(0.5), 2.0);
  EXPECT_TRUE(std::isnan(sketch.Quantile(-0.01)));
  EXPECT_TRUE(std::isnan(sketch.Quantile(1.01)));
  EXPECT_TRUE(std::isnan(sketch.Quantile(NAN)));
  EXPECT_TRUE(std::isnan(sketch.Rank(NAN)));
}

TEST(KllSketchTest, KAndErrorBound) {
  EXPECT_EQ(KllSketch().k(), 200);
  EXPECT_EQ(KllSketch(1).k(), KllSketch::kMinK);  // raised to the minimum
  EXPECT_NEAR(KllSketch::NormalizedRankError(200), 0.0133, 0.0001);
  EXPECT_NEAR(KllSketch::NormalizedRankError(200), 2.296 / std::pow(200.0, 0.9723),
              1e-12);
  EXPECT_GT(KllSketch::NormalizedRankError(100), KllSketch::NormalizedRankError(200));
}

// Inverted-CDF convention: Quantile(q) is x_(i) for the smallest i >= q*n.
TEST(KllSketchTest, ExactUpToKItems) {
  for (size_t n : {1u, 2u, 7u, 100u, 200u}) {
    std::vector<double> data = UniformData(n, n);
    const KllSketch sketch = SketchOf(data);
    std::sort(data.begin(), data.end());
    ASSERT_EQ(sketch.num_retained(), n);
    for (int step = 0; step <= 1000; ++step) {
      const double q = step / 1000.0;
      size_t i = 1;
      while (static_cast<double>(i) < q * static_cast<double>(n)) ++i;
      EXPECT_EQ(sketch.Quantile(q), data[i - 1]) << "n=" << n << " q=" << q;
    }
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(sketch.Rank(data[i]), static_cast<double>(i + 1) / n);
    }
    EXPECT_EQ(sketch.Rank(data.front() - 1.0), 0.0);
  }
}

TEST(KllSketchTest, ExactRanksWithDuplicatesBelowK) {
  const KllSketch sketch = SketchOf({3, 1, 2, 2, 2, 5, 4, 2});
  EXPECT_EQ(sketch.Rank(2.0), 5.0 / 8);
  EXPECT_EQ(sketch.Rank(1.5), 1.0 / 8);
  EXPECT_EQ(sketch.Quantile(0.125), 1.0);
  EXPECT_EQ(sketch.Quantile(0.126), 2.0);
  EXPECT_EQ(sketch.Quantile(0.625), 2.0);
  EXPECT_EQ(sketch.Quantile(0.626), 3.0);
}

TEST(KllSketchTest, EndpointsAreExactMinAndMax) {
  const std::vector<double> data = UniformData(kStreamSize, 11);
  const KllSketch sketch = SketchOf(data);
  const auto [lo, hi] = std::minmax_element(data.begin(), data.end());
  EXPECT_EQ(sketch.Quantile(0.0), *lo);
  EXPECT_EQ(sketch.Quantile(1.0), *hi);
  EXPECT_EQ(sketch.Rank(*hi), 1.0);
  EXPECT_EQ(sketch.Rank(*lo - 1.0), 0.0);
  EXPECT_LT(sketch.num_retained(), 1000u);  // about 3k, not n
}

TEST(KllSketchTest, QuantilesAndCdfAgreeWithSingleQueries) {
  const KllSketch sketch = SketchOf(UniformData(50'000, 12));
  const std::vector<double> qs = {0.9, 0.1, 0.5, 0.0, 1.0, 0.25};
  const std::vector<double> many = sketch.Quantiles(qs);
  const std::vector<double> cdf = sketch.Cdf(many);
  ASSERT_EQ(many.size(), qs.size());
  ASSERT_EQ(cdf.size(), qs.size());
  for (size_t i = 0; i < qs.size(); ++i) {
    EXPECT_EQ(many[i], sketch.Quantile(qs[i]));
    EXPECT_EQ(cdf[i], sketch.Rank(many[i]));
  }
}

enum class Stream {
  kUniform,
  kNormal,
  kSortedAscending,
  kSortedDescending,
  kAllEqual,
  kTwoPoint,
  kManyDuplicates,
  kZoomIn,  // alternates between the two ends, closing in on the middle
};

double StreamValue(Stream stream, size_t i, size_t n, Rng* rng) {
  const auto x = static_cast<double>(i);
  switch (stream) {
    case Stream::kUniform:
      return rng->Uniform();
    case Stream::kNormal:
      return rng->Normal();
    case Stream::kSortedAscending:
      return x;
    case Stream::kSortedDescending:
      return static_cast<double>(n) - x;
    case Stream::kAllEqual:
      return 42.0;
    case Stream::kTwoPoint:
      return rng->Uniform() < 0.3 ? -1.0 : 1.0;
    case Stream::kManyDuplicates:
      return static_cast<double>(rng->Next() % 100);
    case Stream::kZoomIn:
      return i % 2 == 0 ? static_cast<double>(n) - x : x;
  }
  return 0.0;
}

std::vector<double> MakeStream(Stream stream, size_t n) {
  Rng rng(static_cast<uint64_t>(stream) + 100);
  std::vector<double> data(n);
  for (size_t i = 0; i < n; ++i) data[i] = StreamValue(stream, i, n, &rng);
  return data;
}

class KllStreamTest : public testing::TestWithParam<Stream> {};

TEST_P(KllStreamTest, RankErrorWithinBound) {
  const std::vector<double> data = MakeStream(GetParam(), kStreamSize);
  ExpectAccurate(SketchOf(data), data);
}

TEST_P(KllStreamTest, RankErrorWithinBoundAtSmallK) {
  const std::vector<double> data = MakeStream(GetParam(), kStreamSize / 4);
  ExpectAccurate(SketchOf(data, 50), data);
}

std::string StreamName(const testing::TestParamInfo<Stream>& info) {
  constexpr const char* kNames[] = {"Uniform",          "Normal",   "SortedAscending",
                                    "SortedDescending", "AllEqual", "TwoPoint",
                                    "ManyDuplicates",   "ZoomIn"};
  return kNames[static_cast<int>(info.param)];
}

INSTANTIATE_TEST_SUITE_P(Streams, KllStreamTest,
                         testing::Values(Stream::kUniform, Stream::kNormal,
                                         Stream::kSortedAscending,
                                         Stream::kSortedDescending, Stream::kAllEqual,
                                         Stream::kTwoPoint, Stream::kManyDuplicates,
                                         Stream::kZoomIn),
                         StreamName);

TEST(KllSketchTest, MergeOfManySmallSketchesWithinBound) {
  const std::vector<double> data = MakeStream(Stream::kNormal, kStreamSize);
  const size_t shard = data.size() / 100;
  KllSketch merged;
  for (size_t s = 0; s < 100; ++s) {
    KllSketch part;  // default seed on purpose: shards must not share coins
    for (size_t i = s * shard; i < (s + 1) * shard; ++i) part.Update(data[i]);
    merged.Merge(part);
  }
  ExpectAccurate(merged, data);
  EXPECT_LT(merged.num_retained(), 1000u);
}

TEST(KllSketchTest, MergeIsAssociativeWithinBound) {
  const std::vector<double> a = MakeStream(Stream::kUniform, kStreamSize / 3);
  const std::vector<double> b = MakeStream(Stream::kSortedDescending, kStreamSize / 3);
  const std::vector<double> c = MakeStream(Stream::kNormal, kStreamSize / 5);
  std::vector<double> all = a;
  all.insert(all.end(), b.begin(), b.end());
  all.insert(all.end(), c.begin(), c.end());

  KllSketch left = SketchOf(a);  // (a + b) + c
  left.Merge(SketchOf(b));
  left.Merge(SketchOf(c));
  KllSketch right_tail = SketchOf(b);  // a + (b + c)
  right_tail.Merge(SketchOf(c));
  KllSketch right = SketchOf(a);
  right.Merge(right_tail);

  ExpectAccurate(left, all);
  ExpectAccurate(right, all);
}

TEST(KllSketchTest, MergeWithSmallerKTakesSmallerK) {
  const std::vector<double> a = UniformData(kStreamSize / 2, 21);
  const std::vector<double> b = MakeStream(Stream::kNormal, kStreamSize / 2);
  KllSketch merged = SketchOf(a, 200);
  merged.Merge(SketchOf(b, 100));
  EXPECT_EQ(merged.k(), 100);
  std::vector<double> all = a;
  all.insert(all.end(), b.begin(), b.end());
  ExpectAccurate(merged, all);
}

TEST(KllSketchTest, MergeWithEmptyAndIntoEmpty) {
  const std::vector<double> data = UniformData(10'000, 22);
  KllSketch sketch = SketchOf(data);
  const std::vector<double> qs = Probabilities();
  const std::vector<double> before = sketch.Quantiles(qs);
  sketch.Merge(KllSketch());
  EXPECT_EQ(sketch.count(), data.size());
  EXPECT_EQ(sketch.Quantiles(qs), before);

  KllSketch empty;
  empty.Merge(sketch);
  ExpectAccurate(empty, data);
}

TEST(KllSketchTest, SelfMergeDoublesWeights) {
  const std::vector<double> data = UniformData(20'000, 23);
  KllSketch sketch = SketchOf(data);
  sketch.Merge(sketch);
  std::vector<double> twice = data;
  twice.insert(twice.end(), data.begin(), data.end());
  ExpectAccurate(sketch, twice);
}

TEST(KllSketchTest, SameInputGivesSameSketch) {
  const std::vector<double> data = MakeStream(Stream::kNormal, 100'000);
  EXPECT_EQ(Encode(SketchOf(data)), Encode(SketchOf(data)));
}

// ---- Serialization ------------------------------------------------------------

TEST(KllSerializationTest, RoundTripIsIdentical) {
  for (size_t n : {size_t{0}, size_t{5}, size_t{200}, kStreamSize}) {
    const KllSketch sketch = SketchOf(MakeStream(Stream::kNormal, n));
    const std::string bytes = Encode(sketch);
    const Result<KllSketch> parsed = KllSketch::Parse(bytes);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(Encode(*parsed), bytes);
    EXPECT_EQ(parsed->count(), sketch.count());
    EXPECT_EQ(parsed->k(), sketch.k());
    EXPECT_EQ(parsed->num_retained(), sketch.num_retained());
    if (n == 0) continue;
    EXPECT_EQ(parsed->min(), sketch.min());
    EXPECT_EQ(parsed->max(), sketch.max());
    EXPECT_EQ(parsed->Quantiles(Probabilities()), sketch.Quantiles(Probabilities()));
  }
}

// The generator state travels too: a decoded sketch continues exactly like
// the original.
TEST(KllSerializationTest, DecodedSketchContinuesIdentically) {
  const std::vector<double> data = UniformData(100'000, 31);
  KllSketch original;
  for (size_t i = 0; i < data.size() / 2; ++i) original.Update(data[i]);
  Result<KllSketch> copy = KllSketch::Parse(Encode(original));
  ASSERT_TRUE(copy.ok());
  for (size_t i = data.size() / 2; i < data.size(); ++i) {
    original.Update(data[i]);
    copy->Update(data[i]);
  }
  EXPECT_EQ(Encode(*copy), Encode(original));
}

void ExpectRejected(std::string_view bytes) {
  const Result<KllSketch> parsed = KllSketch::Parse(bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
}

TEST(KllSerializationTest, RejectsEveryTruncation) {
  const std::string bytes = Encode(SketchOf(UniformData(5'000, 32)));
  for (size_t len = 0; len < bytes.size(); ++len) ExpectRejected(bytes.substr(0, len));
  ExpectRejected(bytes + '\0');
}

// Header layout: version @0, family @1, k @2, levels @4, n @5, rng @13,
// min @21, max @29, level sizes @37.
TEST(KllSerializationTest, RejectsBadHeaderFields) {
  const std::string good = Encode(SketchOf(UniformData(5'000, 33)));
  const auto with_byte = [&good](size_t at, char value) {
    std::string bad = good;
    bad[at] = value;
    return bad;
  };
  ExpectRejected(with_byte(0, 2));          // unknown version
  ExpectRejected(with_byte(1, 'H'));        // another sketch family
  ExpectRejected(with_byte(2, 1));          // k = 1 + 256 * 0
  ExpectRejected(with_byte(4, char(200)));  // absurd level count
  ExpectRejected(with_byte(4, 0));          // no levels
  std::string huge_level = good;            // level 0 claims 2^32 - 1 items
  std::memset(&huge_level[37], 0xff, 4);
  ExpectRejected(huge_level);
  std::string wrong_count = good;  // n no longer matches weights
  wrong_count[5] ^= 1;
  ExpectRejected(wrong_count);
}

TEST(KllSerializationTest, RejectsInconsistentItems) {
  const KllSketch sketch = SketchOf(UniformData(5'000, 34));
  const std::string good = Encode(sketch);
  const size_t last = good.size() - 8;  // an item of the top (sorted) level
  const auto with_item = [&](double x) {
    std::string bad = good;
    const uint64_t bits = std::bit_cast<uint64_t>(x);
    for (int i = 0; i < 8; ++i) bad[last + i] = static_cast<char>(bits >> (8 * i));
    return bad;
  };
  ExpectRejected(with_item(NAN));
  ExpectRejected(with_item(sketch.max() + 1.0));  // above max
  ExpectRejected(with_item(sketch.min()));        // breaks the level's order
}

// A valid encoding of one item of weight 2^63 (k = 8, 64 levels).
std::string HeaviestItemEncoding() {
  std::string bytes = {1, 'K', 8, 0, 64};
  const auto put = [&bytes](uint64_t v, int width) {
    for (int i = 0; i < width; ++i) bytes.push_back(static_cast<char>(v >> (8 * i)));
  };
  put(uint64_t{1} << 63, 8);             // n
  put(0, 8);                             // generator state
  put(std::bit_cast<uint64_t>(1.0), 8);  // min
  put(std::bit_cast<uint64_t>(1.0), 8);  // max
  for (int h = 0; h < 64; ++h) put(h == 63 ? 1 : 0, 4);
  put(std::bit_cast<uint64_t>(1.0), 8);
  return bytes;
}

// Merging hostile sketches can overflow the count; the sketch must stay
// well-defined (UBSan-clean) even though its answers are then meaningless.
TEST(KllSerializationTest, CountOverflowFromHostileMergesStaysDefined) {
  Result<KllSketch> sketch = KllSketch::Parse(HeaviestItemEncoding());
  ASSERT_TRUE(sketch.ok()) << sketch.status().ToString();
  EXPECT_EQ(sketch->Quantile(0.5), 1.0);
  for (int i = 0; i < 12; ++i) sketch->Merge(*sketch);
  sketch->Update(2.0);
  (void)sketch->Quantiles(Probabilities());
  (void)sketch->Rank(1.0);
  EXPECT_LE(sketch->num_retained(), 8u * 64);
}

TEST(KllSerializationTest, SurvivesRandomGarbageAndMutations) {
  Rng rng(35);
  const std::string good = Encode(SketchOf(UniformData(3'000, 35)));
  const KllSketch other = SketchOf(UniformData(1'000, 36));
  for (int trial = 0; trial < 10'000; ++trial) {
    std::string bytes;
    if (trial % 2 == 0) {  // random bytes, half of them with a valid prefix
      bytes.resize(rng.Next() % 300);
      for (char& c : bytes) c = static_cast<char>(rng.Next());
      if (trial % 4 == 0 && bytes.size() >= 2) {
        bytes[0] = 1;
        bytes[1] = 'K';
      }
    } else {  // a valid encoding with a few bytes changed
      bytes = good;
      for (int flips = 1 + rng.Next() % 4; flips > 0; --flips) {
        bytes[rng.Next() % bytes.size()] = static_cast<char>(rng.Next());
      }
    }
    const Result<KllSketch> parsed = KllSketch::Parse(bytes);
    if (!parsed.ok()) continue;
    // Whatever was accepted must be usable.
    KllSketch sketch = *parsed;
    EXPECT_LE(sketch.Rank(0.5), 1.0);
    (void)sketch.Quantiles(Probabilities());
    sketch.Merge(other);
    sketch.Update(0.5);
  }
}

}  // namespace
}  // namespace ferry::monitoring
