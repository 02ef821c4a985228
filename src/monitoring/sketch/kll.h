// KllSketch: a mergeable, serializable streaming quantile sketch of doubles.
//
// Algorithm: KLL (Karnin, Lang, Liberty, "Optimal Quantile Approximation in
// Streams", FOCS 2016) in the form popularised by Apache DataSketches: a stack
// of compactors; level h holds items of weight 2^h and has capacity
// max(8, round(k * (2/3)^depth)), depth counted down from the top level. When
// the retained items reach the total capacity, the lowest level at or over its
// capacity is sorted and every other item (random offset 0 or 1) moves up one
// level; the others are dropped. Level 0 is an unsorted append buffer, so
// Update is amortized O(1) plus a sort of the compacted block.
//
// Error: for a single query (Rank, or the rank of a Quantile answer) the
// normalized rank error is at most NormalizedRankError(k) with 99% confidence;
// with fewer than k+1 items the sketch is exact. Space is about 3k doubles
// plus a few per level. The sketch holds the exact count, min and max.
//
// Randomness is deterministic: coin flips come from a splitmix64 generator
// seeded in the constructor and stirred with an item of each compacted block,
// so the same input sequence always gives the same sketch, and shards built
// with the default seed on different data do not share coin sequences.
//
// Inputs: NaN is ignored by Update (callers count NaNs themselves). Callers in
// Ferry also filter +-inf; if given, they behave as ordinary extreme values.
// The total count, merges included, must stay below 2^64.
//
// Thread safety: thread-compatible (const methods may run concurrently; any
// mutation needs external synchronization).
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ferry::monitoring {

class KllSketch {
 public:
  static constexpr uint16_t kDefaultK = 200;
  static constexpr uint16_t kMinK = 8;  // smaller k is raised to kMinK
  static constexpr uint64_t kDefaultSeed = 0x5eed'f0e1'1a2b'3c4dULL;

  explicit KllSketch(uint16_t k = kDefaultK) : KllSketch(k, kDefaultSeed) {}
  KllSketch(uint16_t k, uint64_t seed);

  // Adds one value. NaN is ignored.
  inline void Update(double x);

  // Folds `other` in. Sketches with different k merge: the result uses the
  // smaller k (and so carries NormalizedRankError(min k)). Self-merge is
  // allowed and doubles every weight.
  void Merge(const KllSketch& other);

  uint16_t k() const { return k_; }
  uint64_t count() const { return n_; }
  bool empty() const { return n_ == 0; }
  double min() const { return empty() ? NAN : min_; }  // NaN when empty
  double max() const { return empty() ? NAN : max_; }
  size_t num_retained() const { return retained_; }

  // Inverted-CDF quantile: the smallest retained x whose estimated normalized
  // rank (weight of retained items <= x, divided by count()) is >= q.
  // q = 0 returns min() and q = 1 returns max() exactly. With count() <= k
  // this is the exact order statistic x_(i), i the smallest with i >= q*n.
  // NaN when empty or when q is NaN or outside [0, 1].
  double Quantile(double q) const;

  // Quantile for each q, sorting the retained items once.
  std::vector<double> Quantiles(std::span<const double> qs) const;

  // Estimated fraction of items <= x. NaN when empty or x is NaN.
  double Rank(double x) const;

  // Rank of each split point (any order), one result per point.
  std::vector<double> Cdf(std::span<const double> split_points) const;

  // 99%-confidence bound on the normalized rank error of one query:
  // 2.296 / k^0.9723. This is the empirical fit published by Apache
  // DataSketches for its KLL sketch ("single-sided" rank error, the one that
  // applies to rank and quantile queries); about 0.0133 at k = 200.
  static double NormalizedRankError(uint16_t k);

  // Appends a little-endian encoding (version byte first) to *out.
  void AppendTo(std::string* out) const;

  // Decodes AppendTo's output. InvalidArgument on truncated, corrupt or
  // inconsistent input; never allocates more than the input size implies.
  static Result<KllSketch> Parse(std::string_view bytes);

 private:
  struct SortedView {
    std::vector<double> values;         // ascending
    std::vector<uint64_t> cum_weights;  // weight of values[0..i]
  };

  SortedView MakeSortedView() const;
  double QuantileIn(const SortedView& view, double q) const;
  double RankIn(const SortedView& view, double x) const;
  Status ReadLevels(std::string_view* bytes, uint8_t num_levels);
  Status Validate() const;

  void CompactOnce();
  void CompactLevel(size_t level);
  void AddTopLevel();
  void SetK(uint16_t k);
  bool NextCoin(double stir);
  void CompressToCapacity();

  uint16_t k_;
  uint64_t n_ = 0;
  double min_ = INFINITY;
  double max_ = -INFINITY;
  uint64_t rng_state_;
  uint32_t retained_ = 0;
  uint32_t capacity_ = 0;             // sum of capacities_
  std::vector<uint32_t> capacities_;  // per level
  // levels_[h] holds items of weight 2^h; level 0 is unsorted, others sorted.
  std::vector<std::vector<double>> levels_;
  std::vector<double> scratch_;  // reused merge buffer
};

inline void KllSketch::Update(double x) {
  if (std::isnan(x)) return;
  if (retained_ >= capacity_) CompactOnce();
  levels_[0].push_back(x);
  ++retained_;
  ++n_;
  min_ = x < min_ ? x : min_;
  max_ = x > max_ ? x : max_;
}

}  // namespace ferry::monitoring
