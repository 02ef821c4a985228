// Histograms and value counts the way numpy and pandas compute them, so the
// binned drift measures (PSI, KL, Jensen-Shannon, Hellinger) agree with
// Evidently to the last bits. Inputs are sorted; everything is O(bins log n)
// or O(n). Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ferry::monitoring {

// numpy.histogram_bin_edges(values, bins="sturges") for values spanning
// [min, max] with `count` values: ceil(ptp / (ptp / (log2(count) + 1)))
// equal bins by numpy.linspace; a zero range gets one bin [min-0.5, max+0.5].
std::vector<double> SturgesEdges(double min, double max, uint64_t count);

// numpy.histogram(values, edges)[0] of sorted values: bin i holds
// edges[i] <= x < edges[i+1], the last bin also x == edges.back(); values
// outside the edges are not counted.
std::vector<double> HistogramCounts(std::span<const double> sorted, const std::vector<double>& edges);

// Counts of the same keys in two samples: ref[i] and cur[i] count key i.
struct AlignedCounts {
  std::vector<double> ref;
  std::vector<double> cur;
  double ref_total = 0;
  double cur_total = 0;
};

// The distinct values of two sorted samples with their counts (a numerical
// column treated as categories, like pandas' value_counts).
AlignedCounts CountValues(std::span<const double> ref_sorted, std::span<const double> cur_sorted);

// Distinct values in a sorted sample, and in the union of two.
uint64_t DistinctSorted(std::span<const double> sorted);
uint64_t DistinctUnion(std::span<const double> a_sorted, std::span<const double> b_sorted);

}  // namespace ferry::monitoring
