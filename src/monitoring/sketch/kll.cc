#include "monitoring/sketch/kll.h"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>
#include <utility>

#include "monitoring/sketch/wire.h"

namespace ferry::monitoring {
namespace {

constexpr uint8_t kVersion = 1;
constexpr uint8_t kFamily = 'K';
constexpr uint32_t kMinLevelCapacity = 8;
constexpr size_t kMaxLevels = 64;  // weights 2^h must fit a uint64_t count
constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

// The splitmix64 output function (Steele, Lea, Flood 2014).
uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// max(8, round(k * (2/3)^depth)), exact in integers. For depth > 30 the
// product is below 1 for every uint16_t k, so the floor of 8 applies.
uint32_t LevelCapacity(uint16_t k, size_t depth) {
  if (depth > 30) return kMinLevelCapacity;
  uint64_t power_of_three = 1;
  for (size_t i = 0; i < depth; ++i) power_of_three *= 3;
  const uint64_t twice = (uint64_t{k} << (depth + 1)) / power_of_three;
  return std::max(kMinLevelCapacity, static_cast<uint32_t>((twice + 1) / 2));
}

// Batcher's odd-even merge sort network for 16 inputs, as (i, j) comparator
// pairs in execution order (the iterative form of the construction in Knuth,
// TAOCP vol. 3, 5.3.4).
struct Comparator {
  uint8_t lo, hi;
};
constexpr size_t kNetworkSize = 16;
constexpr size_t kNetworkComparators = 63;

constexpr std::array<Comparator, kNetworkComparators> MakeSortingNetwork() {
  std::array<Comparator, kNetworkComparators> net{};
  size_t c = 0;
  for (size_t p = 1; p < kNetworkSize; p <<= 1) {
    for (size_t k = p; k >= 1; k >>= 1) {
      for (size_t j = k % p; j + k < kNetworkSize; j += 2 * k) {
        for (size_t i = 0; i < k && i + j + k < kNetworkSize; ++i) {
          if ((i + j) / (2 * p) != (i + j + k) / (2 * p)) continue;
          net[c++] = {static_cast<uint8_t>(i + j), static_cast<uint8_t>(i + j + k)};
        }
      }
    }
  }
  return net;
}
constexpr std::array<Comparator, kNetworkComparators> kSortingNetwork =
    MakeSortingNetwork();

// Sorts up to 16 items with min/max only: no data-dependent branches, so none
// of the mispredictions that make std::sort slow on short random runs.
template <size_t I>
void CompareExchange(double* v) {
  constexpr Comparator c = kSortingNetwork[I];
  const double x = v[c.lo];
  const double y = v[c.hi];
  v[c.lo] = std::min(x, y);
  v[c.hi] = std::max(x, y);
}

void NetworkSort(double* a, size_t n) {
  double v[kNetworkSize];
  std::copy(a, a + n, v);
  std::fill(v + n, v + kNetworkSize, INFINITY);  // pads sort after every item
  // Expanded at compile time: constant indices let v live in registers.
  [&v]<size_t... I>(std::index_sequence<I...>) {
    (CompareExchange<I>(v), ...);
  }(std::make_index_sequence<kNetworkComparators>{});
  std::copy(v, v + n, a);
}

// Level 0 is compacted at about a dozen items most of the time; longer runs
// (right after a higher level frees space) are rare enough for std::sort.
void SortDoubles(double* a, size_t n) {
  if (n <= kNetworkSize) {
    NetworkSort(a, n);
  } else {
    std::sort(a, a + n);
  }
}


bool TakeDouble(std::string_view* bytes, double* x) {
  uint64_t bits;
  if (!TakeLe(bytes, 8, &bits)) return false;
  *x = std::bit_cast<double>(bits);
  return true;
}

Status Corrupt(const std::string& what) {
  return InvalidArgument("KLL sketch encoding: " + what);
}

}  // namespace

KllSketch::KllSketch(uint16_t k, uint64_t seed) : k_(k), rng_state_(seed) {
  levels_.resize(1);
  SetK(std::max(k, kMinK));
  levels_[0].reserve(capacity_);
}

void KllSketch::SetK(uint16_t k) {
  k_ = k;
  const size_t num_levels = levels_.size();
  capacities_.resize(num_levels);
  capacity_ = 0;
  for (size_t h = 0; h < num_levels; ++h) {
    capacities_[h] = LevelCapacity(k_, num_levels - 1 - h);
    capacity_ += capacities_[h];
  }
}

void KllSketch::AddTopLevel() {
  levels_.emplace_back();
  SetK(k_);
}

bool KllSketch::NextCoin(double stir) {
  rng_state_ += kGolden;
  return (Mix64(rng_state_ ^ std::bit_cast<uint64_t>(stir)) >> 63) != 0;
}

void KllSketch::CompactOnce() {
  size_t level = 0;
  while (level + 1 < levels_.size() && levels_[level].size() < capacities_[level]) {
    ++level;
  }
  CompactLevel(level);
}

// Sorts the level (level 0 only; the others stay sorted), keeps one item back
// if the count is odd, and promotes the items at offset, offset+2, ...
// A 64th level is reachable only once merges overflowed the 2^64 count (a
// hostile input); the top level then halves in place so shifts stay defined.
void KllSketch::CompactLevel(size_t level) {
  const bool promote = level + 1 < kMaxLevels;
  if (promote && level + 1 == levels_.size()) AddTopLevel();
  std::vector<double>& src = levels_[level];
  const bool odd = src.size() % 2 == 1;
  const double leftover = odd ? src.back() : 0.0;
  if (odd) src.pop_back();
  if (level == 0) SortDoubles(src.data(), src.size());
  const size_t half = src.size() / 2;
  const size_t offset = half > 0 && NextCoin(src[half]) ? 1 : 0;
  for (size_t i = 0; i < half; ++i) src[i] = src[2 * i + offset];
  src.resize(half);
  if (promote) {
    std::vector<double>& dst = levels_[level + 1];
    scratch_.resize(dst.size() + half);
    std::merge(src.begin(), src.end(), dst.begin(), dst.end(), scratch_.begin());
    dst.swap(scratch_);
    scratch_.clear();  // keeps capacity; copies of the sketch stay small
    src.clear();
  }
  if (odd) src.push_back(leftover);
  retained_ -= static_cast<uint32_t>(half);
}

void KllSketch::CompressToCapacity() {
  while (retained_ > capacity_) CompactOnce();
}

void KllSketch::Merge(const KllSketch& other) {
  if (&other == this) {
    const KllSketch copy = other;
    Merge(copy);
    return;
  }
  n_ += other.n_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  if (levels_.size() < other.levels_.size()) levels_.resize(other.levels_.size());
  const std::vector<double>& in0 = other.levels_[0];
  levels_[0].insert(levels_[0].end(), in0.begin(), in0.end());
  for (size_t h = 1; h < other.levels_.size(); ++h) {
    const std::vector<double>& in = other.levels_[h];
    scratch_.resize(levels_[h].size() + in.size());
    std::merge(in.begin(), in.end(), levels_[h].begin(), levels_[h].end(),
               scratch_.begin());
    levels_[h].swap(scratch_);
  }
  scratch_.clear();
  retained_ += other.retained_;
  rng_state_ = Mix64(rng_state_ ^ Mix64(other.rng_state_));
  SetK(std::min(k_, other.k_));
  CompressToCapacity();
}

// ---- Queries ---------------------------------------------------------------

KllSketch::SortedView KllSketch::MakeSortedView() const {
  std::vector<std::pair<double, uint64_t>> items;
  items.reserve(retained_);
  for (size_t h = 0; h < levels_.size(); ++h) {
    for (double x : levels_[h]) items.emplace_back(x, uint64_t{1} << h);
  }
  std::sort(items.begin(), items.end());
  SortedView view;
  view.values.reserve(items.size());
  view.cum_weights.reserve(items.size());
  uint64_t cum = 0;
  for (const auto& [value, weight] : items) {
    cum += weight;
    view.values.push_back(value);
    view.cum_weights.push_back(cum);
  }
  return view;
}

double KllSketch::QuantileIn(const SortedView& view, double q) const {
  if (empty() || !(q >= 0.0 && q <= 1.0)) return NAN;
  if (q == 0.0) return min_;
  if (q == 1.0) return max_;
  const double target = q * static_cast<double>(n_);
  const auto it = std::partition_point(
      view.cum_weights.begin(), view.cum_weights.end(),
      [target](uint64_t cum) { return static_cast<double>(cum) < target; });
  if (it == view.cum_weights.end()) return max_;
  return view.values[it - view.cum_weights.begin()];
}

double KllSketch::RankIn(const SortedView& view, double x) const {
  if (empty() || std::isnan(x)) return NAN;
  const auto it = std::upper_bound(view.values.begin(), view.values.end(), x);
  if (it == view.values.begin()) return 0.0;
  const uint64_t weight = view.cum_weights[it - view.values.begin() - 1];
  return static_cast<double>(weight) / static_cast<double>(n_);
}

double KllSketch::Quantile(double q) const {
  // Only interior q needs the sorted items; the rest are NaN, min or max.
  const bool interior = !empty() && q > 0.0 && q < 1.0;
  return QuantileIn(interior ? MakeSortedView() : SortedView{}, q);
}

std::vector<double> KllSketch::Quantiles(std::span<const double> qs) const {
  const SortedView view = MakeSortedView();
  std::vector<double> out;
  out.reserve(qs.size());
  for (double q : qs) out.push_back(QuantileIn(view, q));
  return out;
}

double KllSketch::Rank(double x) const { return RankIn(MakeSortedView(), x); }

std::vector<double> KllSketch::Cdf(std::span<const double> split_points) const {
  const SortedView view = MakeSortedView();
  std::vector<double> out;
  out.reserve(split_points.size());
  for (double x : split_points) out.push_back(RankIn(view, x));
  return out;
}

double KllSketch::NormalizedRankError(uint16_t k) {
  return 2.296 / std::pow(static_cast<double>(std::max(k, kMinK)), 0.9723);
}

// ---- Serialization -----------------------------------------------------------
//
// u8 version, u8 family 'K', u16 k, u8 num_levels, u64 n, u64 rng_state,
// f64 min, f64 max, u32 size per level, then every level's f64 items.

void KllSketch::AppendTo(std::string* out) const {
  PutLe(out, kVersion, 1);
  PutLe(out, kFamily, 1);
  PutLe(out, k_, 2);
  PutLe(out, levels_.size(), 1);
  PutLe(out, n_, 8);
  PutLe(out, rng_state_, 8);
  PutLe(out, std::bit_cast<uint64_t>(min_), 8);
  PutLe(out, std::bit_cast<uint64_t>(max_), 8);
  for (const auto& level : levels_) PutLe(out, level.size(), 4);
  for (const auto& level : levels_) {
    for (double x : level) PutLe(out, std::bit_cast<uint64_t>(x), 8);
  }
}

Result<KllSketch> KllSketch::Parse(std::string_view bytes) {
  uint64_t version, family, k, num_levels, n, rng;
  double min_value, max_value;
  if (!TakeLe(&bytes, 1, &version) || !TakeLe(&bytes, 1, &family) ||
      !TakeLe(&bytes, 2, &k) || !TakeLe(&bytes, 1, &num_levels) ||
      !TakeLe(&bytes, 8, &n) || !TakeLe(&bytes, 8, &rng) ||
      !TakeDouble(&bytes, &min_value) || !TakeDouble(&bytes, &max_value)) {
    return Corrupt("truncated header");
  }
  if (version != kVersion) {
    return Corrupt("unsupported version " + std::to_string(version));
  }
  if (family != kFamily) return Corrupt("not a KLL sketch");
  if (k < kMinK) return Corrupt("k below " + std::to_string(kMinK));
  if (num_levels == 0 || num_levels > kMaxLevels) return Corrupt("bad level count");
  KllSketch sketch(static_cast<uint16_t>(k), rng);
  sketch.n_ = n;
  sketch.min_ = n == 0 ? INFINITY : min_value;
  sketch.max_ = n == 0 ? -INFINITY : max_value;
  RETURN_IF_ERROR(sketch.ReadLevels(&bytes, static_cast<uint8_t>(num_levels)));
  RETURN_IF_ERROR(sketch.Validate());
  return sketch;
}

Status KllSketch::ReadLevels(std::string_view* bytes, uint8_t num_levels) {
  levels_.resize(num_levels);
  SetK(k_);
  std::vector<uint64_t> sizes(num_levels);
  uint64_t total = 0;
  for (uint64_t& size : sizes) {
    if (!TakeLe(bytes, 4, &size)) return Corrupt("truncated level sizes");
    total += size;  // at most 64 * 2^32: cannot overflow
  }
  if (total > capacity_) return Corrupt("more items than the capacity for k");
  if (bytes->size() != total * 8) return Corrupt("item bytes do not match level sizes");
  for (size_t h = 0; h < num_levels; ++h) {
    levels_[h].resize(sizes[h]);
    for (double& x : levels_[h]) TakeDouble(bytes, &x);
  }
  retained_ = static_cast<uint32_t>(total);
  return Status::Ok();
}

// Checks the invariants a hostile encoding could break: retained weights add
// up to n, items are ordered and within [min, max], no NaN anywhere.
Status KllSketch::Validate() const {
  if (n_ > 0 && !(min_ <= max_)) return Corrupt("min/max inconsistent");
  uint64_t weight = 0;
  for (size_t h = 0; h < levels_.size(); ++h) {
    const std::vector<double>& level = levels_[h];
    if (level.empty()) continue;
    if (h >= 64 || level.size() > (std::numeric_limits<uint64_t>::max() - weight) >> h) {
      return Corrupt("weights overflow");
    }
    weight += uint64_t{level.size()} << h;
    for (double x : level) {
      if (!(x >= min_ && x <= max_)) return Corrupt("item outside [min, max] or NaN");
    }
    if (h > 0 && !std::is_sorted(level.begin(), level.end())) {
      return Corrupt("level not sorted");
    }
  }
  if (weight != n_) return Corrupt("weights do not add up to the count");
  return Status::Ok();
}

}  // namespace ferry::monitoring
