// The drift measures Evidently computes with SciPy and numpy, written to the
// same formulas so the numbers agree (tests compare against SciPy):
// chi-square and two-proportion z tests on counts, PSI / KL divergence /
// Jensen-Shannon distance on binned shares, the normed Wasserstein distance
// and the Hellinger distance. Sorted inputs; O(n). Thread-safe (pure).
#pragma once

#include <span>
#include <vector>

#include "monitoring/stats/binning.h"
#include "monitoring/stats/test_statistic.h"

namespace ferry::monitoring {

// scipy.stats.chisquare(cur counts, ref counts scaled to the current total):
// p = chi2.sf(stat, keys - 1). A key the reference never saw makes the
// statistic infinite (p = 0), as in SciPy; a single key gives p = NaN there,
// and 1 here (nothing can have moved).
TestStatistic ChiSquare(const AlignedCounts& counts);

// Evidently's two-proportion z-test on the share of the first key:
// p = 2 (1 - Phi(|z|)); 1 when both samples hold the same single value.
TestStatistic ZTest(const AlignedCounts& counts);

// Shares per bin or key, with Evidently's zero filling (a zero share becomes
// min(nonzero)/1e6 when that minimum is <= 1e-4, else 1e-4).
struct Shares {
  std::vector<double> ref;
  std::vector<double> cur;
};
Shares SharesOf(const AlignedCounts& counts, bool fill_zeroes);

double Psi(const Shares& shares);
// scipy.stats.entropy(ref, cur): both normalised to sum 1 first.
double KlDivergence(const Shares& shares);
// scipy.spatial.distance.jensenshannon(ref, cur), natural log.
double JensenShannon(const Shares& shares);

// scipy.stats.wasserstein_distance(ref, cur) / max(std(ref), 0.001).
double WassersteinNormed(std::span<const double> ref_sorted, std::span<const double> cur_sorted);

// Evidently's Hellinger distance: on category shares, or on density
// histograms with Sturges edges over the distinct values of both samples.
double HellingerCategorical(const AlignedCounts& counts);
double HellingerNumerical(std::span<const double> ref_sorted, std::span<const double> cur_sorted);

// numpy.std (population) of a sample.
double PopulationStd(std::span<const double> values);

}  // namespace ferry::monitoring
