// Two-sample Cramer-von Mises test for drift between a reference column and
// the current one.
//
// Matches scipy.stats.cramervonmises_2samp(ref, cur) with its defaults in
// SciPy 1.17 (method='auto'):
//  * statistic T (Anderson 1962, eq. 9) from midranks of the pooled sample;
//  * p-value exact when max(n1, n2) <= 20: the share of the C(n1+n2, n1)
//    lattice paths whose statistic is at least T (Xiao, Gordon & Yakovlev
//    2006), counted in 64-bit integers;
//  * otherwise asymptotic: T normalized by its exact mean and variance, then
//    the limiting one-sample CvM cdf (Csorgo & Faraway 1996, series in
//    K_{1/4}), truncated where SciPy truncates it (terms < 1e-7).
//
// T is formed from exact integer sums, so it is at least as accurate as
// SciPy's: at 1e6 vs 1e6 SciPy's own T carries ~1e-10 absolute rounding error
// (T is a difference of two ~3e5-sized terms), which bounds the agreement.
//
// Inputs must be finite and sorted ascending (the caller sorts each column
// once and reuses it). InvalidArgument when a sample has fewer than 2 values
// (SciPy raises, or returns NaN with a SmallSampleWarning for 1).
// Cost: O(n1 + n2) asymptotic; exact path at most 441 small merges.
// Pure function: thread-safe.
#pragma once

#include <span>

#include "core/status.h"
#include "monitoring/stats/test_statistic.h"

namespace ferry::monitoring {

Result<TestStatistic> CramerVonMises(std::span<const double> ref_sorted,
                                     std::span<const double> cur_sorted);

}  // namespace ferry::monitoring
