#include "monitoring/sketch/frequent_items.h"

#include <algorithm>
#include <utility>

#include "monitoring/sketch/hash.h"
#include "monitoring/sketch/wire.h"

namespace ferry::monitoring {
namespace {

constexpr uint8_t kVersion = 1;
constexpr uint8_t kFamily = 'F';
constexpr uint64_t kMinItemBytes = 4 + 8;  // length prefix and count


Status Corrupt(const std::string& what) {
  return InvalidArgument("FrequentItems encoding: " + what);
}

}  // namespace

size_t FrequentItems::StringHash::operator()(std::string_view s) const {
  return static_cast<size_t>(HashBytes(s));
}

FrequentItems::FrequentItems(uint32_t capacity)
    : capacity_(std::clamp(capacity, uint32_t{1}, kMaxCapacity)) {}

void FrequentItems::Add(std::string_view item, uint64_t weight) {
  if (weight == 0) return;
  total_ += weight;
  const auto it = counters_.find(item);
  if (it != counters_.end()) {
    it->second += weight;
    return;
  }
  counters_.emplace(std::string(item), weight);
  ReduceIfFull();
}

void FrequentItems::ReduceIfFull() {
  if (counters_.size() > 2 * size_t{capacity_}) Reduce();
}

// Subtracts d, the (capacity + 1)-th largest count, from every counter and
// drops those that reach zero. At least capacity + 1 counters each lose d, so
// the total weight removed is >= (capacity + 1) * d: that is what bounds
// max_error_ (the sum of the d's) by the removed weight / (capacity + 1).
void FrequentItems::Reduce() {
  std::vector<uint64_t> counts;
  counts.reserve(counters_.size());
  for (const auto& [value, count] : counters_) counts.push_back(count);
  std::nth_element(counts.begin(), counts.begin() + capacity_, counts.end(),
                   std::greater<>());
  const uint64_t d = counts[capacity_];
  for (auto it = counters_.begin(); it != counters_.end();) {
    if (it->second <= d) {
      it = counters_.erase(it);
    } else {
      it->second -= d;
      ++it;
    }
  }
  max_error_ += d;
}

void FrequentItems::Merge(const FrequentItems& other) {
  if (&other == this) {
    const FrequentItems copy = other;
    Merge(copy);
    return;
  }
  total_ += other.total_;
  max_error_ += other.max_error_;
  capacity_ = std::min(capacity_, other.capacity_);
  for (const auto& [value, count] : other.counters_) {
    const auto it = counters_.find(value);
    if (it != counters_.end()) {
      it->second += count;
    } else {
      counters_.emplace(value, count);
    }
  }
  ReduceIfFull();
}

std::vector<FrequentItems::Item> FrequentItems::Top(size_t n) const {
  std::vector<std::pair<std::string_view, uint64_t>> ranked(counters_.begin(),
                                                            counters_.end());
  const auto before = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  n = std::min(n, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + n, ranked.end(), before);
  std::vector<Item> top;
  top.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const auto& [value, count] = ranked[i];
    top.push_back(
        {std::string(value), count + max_error_ / 2, count, count + max_error_});
  }
  return top;
}

// u8 version, u8 family 'F', u32 capacity, u64 total, u64 max_error,
// u32 item count, then per item in value order: u32 length, bytes, u64 count.
void FrequentItems::AppendTo(std::string* out) const {
  std::vector<std::pair<std::string_view, uint64_t>> items(counters_.begin(),
                                                           counters_.end());
  std::sort(items.begin(), items.end());
  PutLe(out, kVersion, 1);
  PutLe(out, kFamily, 1);
  PutLe(out, capacity_, 4);
  PutLe(out, total_, 8);
  PutLe(out, max_error_, 8);
  PutLe(out, items.size(), 4);
  for (const auto& [value, count] : items) {
    PutLe(out, value.size(), 4);
    out->append(value);
    PutLe(out, count, 8);
  }
}

Result<FrequentItems> FrequentItems::Parse(std::string_view bytes) {
  uint64_t version, family, capacity, total, max_error, num_items;
  if (!TakeLe(&bytes, 1, &version) || !TakeLe(&bytes, 1, &family) ||
      !TakeLe(&bytes, 4, &capacity) || !TakeLe(&bytes, 8, &total) ||
      !TakeLe(&bytes, 8, &max_error) || !TakeLe(&bytes, 4, &num_items)) {
    return Corrupt("truncated header");
  }
  if (version != kVersion) {
    return Corrupt("unsupported version " + std::to_string(version));
  }
  if (family != kFamily) return Corrupt("not a FrequentItems summary");
  if (capacity < 1 || capacity > kMaxCapacity) return Corrupt("capacity out of range");
  if (num_items > 2 * capacity || num_items > bytes.size() / kMinItemBytes) {
    return Corrupt("item count out of range");
  }
  FrequentItems summary(static_cast<uint32_t>(capacity));
  summary.total_ = total;
  summary.max_error_ = max_error;
  RETURN_IF_ERROR(summary.ReadItems(&bytes, num_items));
  if (!bytes.empty()) return Corrupt("trailing bytes");
  return summary;
}

// Reads the items and checks what the error bounds rely on: counts are
// positive and add up to at most total, and max_error is within
// (total - counted) / (capacity + 1).
Status FrequentItems::ReadItems(std::string_view* bytes, uint64_t num_items) {
  counters_.reserve(num_items);
  uint64_t counted = 0;
  std::string_view previous;
  for (uint64_t i = 0; i < num_items; ++i) {
    uint64_t length, count;
    if (!TakeLe(bytes, 4, &length) || bytes->size() < length) {
      return Corrupt("truncated item");
    }
    const std::string_view value = bytes->substr(0, length);
    bytes->remove_prefix(length);
    if (!TakeLe(bytes, 8, &count)) return Corrupt("truncated item");
    if (i > 0 && value <= previous) return Corrupt("items not in strict value order");
    if (count == 0 || count > total_ - counted) return Corrupt("counts exceed total");
    counted += count;
    previous = value;
    counters_.emplace(value, count);
  }
  if (max_error_ > (total_ - counted) / (uint64_t{capacity_} + 1)) {
    return Corrupt("maximum error inconsistent with total");
  }
  return Status::Ok();
}

}  // namespace ferry::monitoring
