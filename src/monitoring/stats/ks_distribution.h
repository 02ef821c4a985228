// Null distributions of one-sample Kolmogorov-Smirnov statistics, as used by
// the two-sample test's asymptotic path (ks.h).
//
// KolmogorovTwoSidedSf matches scipy.stats.kstwo.sf (SciPy 1.17,
// scipy/stats/_ksstats.py::_kolmogn) regime by regime, following Simard &
// L'Ecuyer (2011): Ruben-Gambino closed forms at both ends of the support,
// 2 * Smirnov for x >= 0.5, the Durbin matrix (Marsaglia-Tsang-Wang) and
// Pomeranz recursions for small n, Pelz-Good for large n, and the one-sided
// Smirnov sum (Miller's approximation) for the upper tail.
//
// SmirnovSf is scipy.special.smirnov: the exact Birnbaum-Tingey sum (lower
// form), and SciPy's closed forms/approximation at the edges.
//
// Pure functions: thread-safe, no allocation beyond O(n) scratch (O(m^2) for
// the Durbin matrix, m <= 2*sqrt(n) in the regime where it is used).
#pragma once

#include <cstdint>

namespace ferry::monitoring {

// Pr(D_n >= x) for the two-sided one-sample statistic D_n, n >= 1.
// Outside the support: 1 for x <= 0.5/n, 0 for x >= 1 (as scipy's
// rv_continuous.sf does). Returns NaN for n < 1 or NaN x.
double KolmogorovTwoSidedSf(int64_t n, double x);

// Pr(D_n^+ >= x) for the one-sided statistic, n >= 1, 0 <= x <= 1; NaN
// otherwise. Cost O(n) terms at most (early exit once terms are negligible).
double SmirnovSf(int64_t n, double x);

}  // namespace ferry::monitoring
