// Prometheus text exposition helpers: label escaping and a fixed-bucket
// histogram. Not thread-safe: owners guard them with their own lock.
#pragma once

#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

// Escapes a label value (backslash, double quote, newline).
std::string EscapeLabel(std::string_view value);

class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds)
      : bounds_(bounds), counts_(bounds.size(), 0) {}
  void Observe(double value);
  // Writes the _bucket, _sum and _count lines; `labels` is "a=\"x\",b=\"y\""
  // (possibly empty).
  void Render(std::ostream& out, std::string_view name, const std::string& labels) const;
  std::span<const double> bounds() const { return bounds_; }
  // Cumulative: cumulative_counts()[i] = observations <= bounds()[i].
  const std::vector<uint64_t>& cumulative_counts() const { return counts_; }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::span<const double> bounds_;
  std::vector<uint64_t> counts_;  // cumulative: counts_[i] = observations <= bounds_[i]
  uint64_t count_ = 0;
  double sum_ = 0;
};

// Latency buckets in seconds, 50 µs to 10 s.
inline constexpr double kLatencyBuckets[] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                             0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                             0.5,     1,      2.5,     5,      10};

}  // namespace ferry
