// FrequentItems: a mergeable, serializable heavy-hitters summary of weighted
// string items.
//
// Algorithm: Misra-Gries ("Finding repeated elements", 1982) in the weighted,
// mergeable form of Agarwal, Cormode, Huang, Phillips, Wei and Yi ("Mergeable
// Summaries", PODS 2012). At most 2 * capacity counters are held; when a new
// item would exceed that, every counter is reduced by the (capacity + 1)-th
// largest count and the non-positive ones are dropped, leaving at most
// capacity. Merge adds the counters and reduces the same way. Add is amortized
// O(1) (one reduction, O(capacity), per at least capacity new items).
//
// Error: with c(x) the counter of item x (0 when untracked) and f(x) its true
// total weight, for every x (tracked or not):
//     c(x) <= f(x) <= c(x) + MaximumError(),
//     MaximumError() <= (total() - sum of counters) / (capacity + 1)
//                    <= total() / (capacity + 1).
// Hence every item with f(x) > total() / (capacity + 1) is tracked, and the
// summary is exact (MaximumError() == 0) until more than 2 * capacity distinct
// items have been seen. Both bounds survive Merge.
//
// Items are stored whole; total() must stay below 2^64.
//
// Thread safety: thread-compatible (const methods may run concurrently; any
// mutation needs external synchronization).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace ferry::monitoring {

class FrequentItems {
 public:
  static constexpr uint32_t kDefaultCapacity = 64;
  static constexpr uint32_t kMaxCapacity = uint32_t{1} << 20;

  struct Item {
    std::string value;
    uint64_t estimate;     // lower_bound + MaximumError() / 2: off by at most
                           // ceil(MaximumError() / 2)
    uint64_t lower_bound;  // the counter: never above the true weight
    uint64_t upper_bound;  // counter + MaximumError(): never below it
  };

  // capacity is clamped into [1, kMaxCapacity].
  explicit FrequentItems(uint32_t capacity = kDefaultCapacity);

  // Adds `weight` occurrences of `item`. A zero weight is a no-op.
  void Add(std::string_view item, uint64_t weight = 1);

  // Folds `other` in. Summaries of different capacity merge: the result keeps
  // the smaller capacity, and the error bounds above hold with it.
  void Merge(const FrequentItems& other);

  // The n tracked items with the largest estimates, ties by value ascending.
  std::vector<Item> Top(size_t n) const;

  uint64_t total() const { return total_; }  // sum of all weights added
  uint32_t capacity() const { return capacity_; }
  size_t num_tracked() const { return counters_.size(); }

  // The sum of the reductions applied so far; see the bounds above.
  uint64_t MaximumError() const { return max_error_; }

  // Appends a little-endian encoding (version byte first) to *out. Items are
  // written in value order, so equal summaries encode identically.
  void AppendTo(std::string* out) const;

  // Decodes AppendTo's output. InvalidArgument on truncated, corrupt or
  // inconsistent input; never allocates more than the input size implies.
  static Result<FrequentItems> Parse(std::string_view bytes);

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  using CounterMap =
      std::unordered_map<std::string, uint64_t, StringHash, std::equal_to<>>;

  void Reduce();
  void ReduceIfFull();
  Status ReadItems(std::string_view* bytes, uint64_t num_items);

  uint32_t capacity_;
  uint64_t total_ = 0;
  uint64_t max_error_ = 0;
  CounterMap counters_;
};

}  // namespace ferry::monitoring
