#include "monitoring/stats/binning.h"

#include <algorithm>
#include <cmath>

#include "monitoring/stats/tie_groups.h"

namespace ferry::monitoring {

std::vector<double> SturgesEdges(double min, double max, uint64_t count) {
  double first = min, last = max;
  if (first == last) {
    first -= 0.5;
    last += 0.5;
  }
  double width = (max - min) / (std::log2(static_cast<double>(count)) + 1.0);
  size_t bins = width > 0 ? static_cast<size_t>(std::ceil((last - first) / width)) : 1;
  std::vector<double> edges(bins + 1);
  double step = (last - first) / static_cast<double>(bins);
  for (size_t i = 0; i < bins; ++i) edges[i] = static_cast<double>(i) * step + first;
  edges[bins] = last;
  return edges;
}

std::vector<double> HistogramCounts(std::span<const double> sorted, const std::vector<double>& edges) {
  std::vector<double> counts(edges.size() - 1);
  auto below = [&](double e) { return std::lower_bound(sorted.begin(), sorted.end(), e) - sorted.begin(); };
  auto upto = [&](double e) { return std::upper_bound(sorted.begin(), sorted.end(), e) - sorted.begin(); };
  int64_t prev = below(edges[0]);
  for (size_t i = 0; i + 1 < edges.size(); ++i) {
    int64_t next = i + 2 == edges.size() ? upto(edges[i + 1]) : below(edges[i + 1]);
    counts[i] = static_cast<double>(next - prev);
    prev = next;
  }
  return counts;
}

AlignedCounts CountValues(std::span<const double> ref_sorted, std::span<const double> cur_sorted) {
  AlignedCounts out;
  out.ref_total = static_cast<double>(ref_sorted.size());
  out.cur_total = static_cast<double>(cur_sorted.size());
  ForEachTieGroup(ref_sorted, cur_sorted, [&](double, size_t i0, size_t i, size_t j0, size_t j) {
    out.ref.push_back(static_cast<double>(i - i0));
    out.cur.push_back(static_cast<double>(j - j0));
  });
  return out;
}

uint64_t DistinctSorted(std::span<const double> sorted) {
  uint64_t n = 0;
  for (size_t i = 0; i < sorted.size(); ++i) n += i == 0 || sorted[i] != sorted[i - 1];
  return n;
}

uint64_t DistinctUnion(std::span<const double> a_sorted, std::span<const double> b_sorted) {
  uint64_t n = 0;
  ForEachTieGroup(a_sorted, b_sorted, [&](double, size_t, size_t, size_t, size_t) { ++n; });
  return n;
}

}  // namespace ferry::monitoring
