// FrequentItems: exactness within capacity, the documented error bounds on
// skewed weighted streams and across merges, and the wire format.
#include "monitoring/sketch/frequent_items.h"

#include <gtest/gtest.h>

#include "unit/monitoring/test_data.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace ferry::monitoring {
namespace {

using Rng = test_data::SplitMix64;

struct WeightedItem {
  std::string value;
  uint64_t weight;
};

// Zipf(s = 1.1) over `distinct` values; weights are 1, or 1..max_weight.
std::vector<WeightedItem> ZipfStream(size_t n, size_t distinct, uint64_t max_weight,
                                     uint64_t seed) {
  std::vector<double> cdf(distinct);
  double sum = 0.0;
  for (size_t r = 0; r < distinct; ++r) cdf[r] = sum += 1.0 / std::pow(r + 1.0, 1.1);
  Rng rng(seed);
  std::vector<WeightedItem> stream(n);
  for (WeightedItem& item : stream) {
    const double u = rng.Uniform() * sum;
    const size_t rank = std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin();
    item.value = "value-" + std::to_string(std::min(rank, distinct - 1));
    item.weight = 1 + rng.Next() % max_weight;
  }
  return stream;
}

using Truth = std::map<std::string, uint64_t>;

Truth Count(const std::vector<WeightedItem>& stream) {
  Truth truth;
  for (const WeightedItem& item : stream) truth[item.value] += item.weight;
  return truth;
}

FrequentItems SummaryOf(const std::vector<WeightedItem>& stream, size_t begin, size_t end,
                        uint32_t capacity = FrequentItems::kDefaultCapacity) {
  FrequentItems summary(capacity);
  for (size_t i = begin; i < end; ++i) summary.Add(stream[i].value, stream[i].weight);
  return summary;
}

// Every guarantee in the header, checked against the exact counts.
void ExpectBoundsHold(const FrequentItems& summary, const Truth& truth) {
  uint64_t total = 0;
  for (const auto& [value, count] : truth) total += count;
  ASSERT_EQ(summary.total(), total);
  const std::vector<FrequentItems::Item> tracked = summary.Top(summary.num_tracked());
  const uint64_t error = summary.MaximumError();
  uint64_t counted = 0;
  std::map<std::string, uint64_t> lower;
  for (const FrequentItems::Item& item : tracked) {
    const uint64_t f = truth.at(item.value);
    EXPECT_LE(item.lower_bound, f) << item.value;
    EXPECT_GE(item.upper_bound, f) << item.value;
    EXPECT_EQ(item.upper_bound - item.lower_bound, error);
    EXPECT_LE(item.estimate > f ? item.estimate - f : f - item.estimate, (error + 1) / 2);
    counted += item.lower_bound;
    lower[item.value] = item.lower_bound;
  }
  const uint64_t capacity = summary.capacity();
  EXPECT_LE(error, (total - counted) / (capacity + 1));
  EXPECT_LE(error, total / (capacity + 1));
  for (const auto& [value, f] : truth) {
    if (lower.count(value) > 0) continue;
    EXPECT_LE(f, error) << value << " is untracked";
    EXPECT_LE(f, total / (capacity + 1)) << value << " is a heavy hitter";
  }
}

TEST(FrequentItemsTest, EmptySummary) {
  const FrequentItems summary;
  EXPECT_EQ(summary.total(), 0u);
  EXPECT_EQ(summary.MaximumError(), 0u);
  EXPECT_EQ(summary.capacity(), FrequentItems::kDefaultCapacity);
  EXPECT_TRUE(summary.Top(10).empty());
}

TEST(FrequentItemsTest, CapacityIsClamped) {
  EXPECT_EQ(FrequentItems(0).capacity(), 1u);
  EXPECT_EQ(FrequentItems(UINT32_MAX).capacity(), FrequentItems::kMaxCapacity);
}

TEST(FrequentItemsTest, ExactWhenDistinctItemsFitCapacity) {
  FrequentItems summary(64);
  Truth truth;
  for (int round = 0; round < 5; ++round) {
    for (uint64_t i = 0; i < 64; ++i) {
      const std::string value = "item-" + std::to_string(i);
      summary.Add(value, i + 1);
      truth[value] += i + 1;
    }
  }
  EXPECT_EQ(summary.MaximumError(), 0u);
  EXPECT_EQ(summary.num_tracked(), 64u);
  for (const FrequentItems::Item& item : summary.Top(64)) {
    EXPECT_EQ(item.estimate, truth.at(item.value));
    EXPECT_EQ(item.lower_bound, item.estimate);
    EXPECT_EQ(item.upper_bound, item.estimate);
  }
  EXPECT_EQ(summary.Top(1)[0].value, "item-63");
  ExpectBoundsHold(summary, truth);
}

TEST(FrequentItemsTest, TopOrdersByEstimateThenValue) {
  FrequentItems summary;
  summary.Add("b", 5);
  summary.Add("c", 7);
  summary.Add("a", 5);
  summary.Add("d");
  summary.Add("d", 0);  // no-op
  const std::vector<FrequentItems::Item> top = summary.Top(3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].value, "c");
  EXPECT_EQ(top[1].value, "a");
  EXPECT_EQ(top[2].value, "b");
  EXPECT_EQ(summary.Top(100).size(), 4u);
  EXPECT_EQ(summary.total(), 18u);
}

TEST(FrequentItemsTest, ZipfStreamKeepsHeavyHittersWithinBounds) {
  const std::vector<WeightedItem> stream = ZipfStream(200'000, 20'000, 1, 1);
  const FrequentItems summary = SummaryOf(stream, 0, stream.size());
  EXPECT_GT(summary.MaximumError(), 0u);  // the summary did overflow
  ExpectBoundsHold(summary, Count(stream));
}

TEST(FrequentItemsTest, WeightedZipfStreamWithinBounds) {
  const std::vector<WeightedItem> stream = ZipfStream(100'000, 5'000, 1'000, 2);
  for (uint32_t capacity : {1u, 8u, 64u, 300u}) {
    const FrequentItems summary = SummaryOf(stream, 0, stream.size(), capacity);
    EXPECT_GT(summary.MaximumError(), 0u);
    ExpectBoundsHold(summary, Count(stream));
  }
}

TEST(FrequentItemsTest, MergeOfShardsWithinBounds) {
  const std::vector<WeightedItem> stream = ZipfStream(200'000, 20'000, 10, 3);
  const size_t shard = stream.size() / 10;
  FrequentItems sequential;
  std::vector<FrequentItems> parts;
  for (size_t s = 0; s < 10; ++s) {
    parts.push_back(SummaryOf(stream, s * shard, (s + 1) * shard));
    sequential.Merge(parts.back());
  }
  ExpectBoundsHold(sequential, Count(stream));
  while (parts.size() > 1) {  // pairwise, as a tree
    std::vector<FrequentItems> next;
    for (size_t i = 0; i + 1 < parts.size(); i += 2) {
      next.push_back(parts[i]);
      next.back().Merge(parts[i + 1]);
    }
    if (parts.size() % 2 == 1) next.push_back(parts.back());
    parts = std::move(next);
  }
  ExpectBoundsHold(parts[0], Count(stream));
}

TEST(FrequentItemsTest, MergeWithSmallerCapacityKeepsSmaller) {
  const std::vector<WeightedItem> stream = ZipfStream(50'000, 5'000, 3, 4);
  FrequentItems merged = SummaryOf(stream, 0, 25'000, 64);
  merged.Merge(SummaryOf(stream, 25'000, 50'000, 16));
  EXPECT_EQ(merged.capacity(), 16u);
  EXPECT_LE(merged.num_tracked(), 32u);
  ExpectBoundsHold(merged, Count(stream));
}

TEST(FrequentItemsTest, SelfMergeDoublesCounts) {
  const std::vector<WeightedItem> stream = ZipfStream(20'000, 1'000, 1, 5);
  FrequentItems summary = SummaryOf(stream, 0, stream.size());
  summary.Merge(summary);
  std::vector<WeightedItem> twice = stream;
  twice.insert(twice.end(), stream.begin(), stream.end());
  ExpectBoundsHold(summary, Count(twice));
}

std::string Encode(const FrequentItems& summary) {
  std::string bytes;
  summary.AppendTo(&bytes);
  return bytes;
}

TEST(FrequentItemsSerializationTest, RoundTripIsIdentical) {
  const std::vector<WeightedItem> stream = ZipfStream(50'000, 5'000, 7, 6);
  for (const FrequentItems& summary : {FrequentItems(), SummaryOf(stream, 0, 100),
                                       SummaryOf(stream, 0, stream.size(), 32)}) {
    const std::string bytes = Encode(summary);
    const Result<FrequentItems> parsed = FrequentItems::Parse(bytes);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(Encode(*parsed), bytes);
    EXPECT_EQ(parsed->total(), summary.total());
    EXPECT_EQ(parsed->capacity(), summary.capacity());
    EXPECT_EQ(parsed->MaximumError(), summary.MaximumError());
    const auto top = parsed->Top(1000), expected = summary.Top(1000);
    ASSERT_EQ(top.size(), expected.size());
    for (size_t i = 0; i < top.size(); ++i) {
      EXPECT_EQ(top[i].value, expected[i].value);
      EXPECT_EQ(top[i].estimate, expected[i].estimate);
    }
  }
}

void ExpectRejected(std::string_view bytes) {
  const Result<FrequentItems> parsed = FrequentItems::Parse(bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
}

TEST(FrequentItemsSerializationTest, RejectsEveryTruncation) {
  const std::vector<WeightedItem> stream = ZipfStream(5'000, 500, 3, 7);
  const std::string bytes = Encode(SummaryOf(stream, 0, stream.size(), 16));
  for (size_t len = 0; len < bytes.size(); ++len) ExpectRejected(bytes.substr(0, len));
  ExpectRejected(bytes + 'x');
}

// Layout: version @0, family @1, capacity @2, total @6, max_error @14,
// item count @22, first item's length @26, its bytes @30.
TEST(FrequentItemsSerializationTest, RejectsBadFields) {
  FrequentItems summary(4);
  summary.Add("apple", 10);
  summary.Add("apply", 3);
  const std::string good = Encode(summary);
  ASSERT_TRUE(FrequentItems::Parse(good).ok());
  const auto patched = [&good](size_t at, uint64_t value, size_t width) {
    std::string bad = good;
    for (size_t i = 0; i < width; ++i) bad[at + i] = static_cast<char>(value >> (8 * i));
    return bad;
  };
  ExpectRejected(patched(0, 9, 1));            // version
  ExpectRejected(patched(1, 'K', 1));          // family
  ExpectRejected(patched(2, 0, 4));            // capacity 0
  ExpectRejected(patched(2, 1u << 30, 4));     // capacity above the maximum
  ExpectRejected(patched(6, 12, 8));           // total below the counts
  ExpectRejected(patched(14, 1, 8));           // error with no uncounted weight
  ExpectRejected(patched(22, 9, 4));           // more items than 2 * capacity
  ExpectRejected(patched(22, 0xffffffff, 4));  // absurd item count
  ExpectRejected(patched(26, 0xfffffff0, 4));  // item longer than the input
  ExpectRejected(patched(30, 'z', 1));         // "zpple" > "apply": order
  ExpectRejected(patched(30 + 5, 0, 8));       // zero count
  ExpectRejected(patched(51, 'e', 1));         // "apply" renamed "apple"
  std::string allowed = patched(14, 1, 8);     // error 1 ...
  allowed[6] = 18;  // ... fits once total is 18: (18 - 13) / (4 + 1) = 1
  EXPECT_TRUE(FrequentItems::Parse(allowed).ok());
}

TEST(FrequentItemsSerializationTest, SurvivesRandomGarbageAndMutations) {
  Rng rng(8);
  const std::vector<WeightedItem> stream = ZipfStream(2'000, 100, 3, 8);
  const std::string good = Encode(SummaryOf(stream, 0, stream.size(), 8));
  for (int trial = 0; trial < 20'000; ++trial) {
    std::string bytes;
    if (trial % 2 == 0) {
      bytes.resize(rng.Next() % 100);
      for (char& c : bytes) c = static_cast<char>(rng.Next());
      if (trial % 4 == 0 && bytes.size() >= 2) {
        bytes[0] = 1;
        bytes[1] = 'F';
      }
    } else {
      bytes = good;
      bytes[rng.Next() % bytes.size()] = static_cast<char>(rng.Next());
    }
    Result<FrequentItems> parsed = FrequentItems::Parse(bytes);
    if (!parsed.ok()) continue;
    parsed->Add("extra", 5);
    EXPECT_LE(parsed->Top(3).size(), 3u);
  }
}

}  // namespace
}  // namespace ferry::monitoring
