// Two-sample Kolmogorov-Smirnov test for drift between a reference column and
// the current one.
//
// Matches scipy.stats.ks_2samp(ref, cur) with its defaults
// (alternative='two-sided', method='auto') in SciPy 1.17:
//  * statistic D = max |F_ref - F_cur| over the pooled values, with
//    right-continuous ECDFs (ties as searchsorted(side='right'));
//  * p-value exact when max(n1, n2) <= 10000: Pr(D >= d) from the lattice-path
//    recursions (n1 == n2: the closed alternating sum; otherwise Hodges'
//    inside method in Viehmann's 1-p form), with D rounded to the lattice
//    h/lcm(n1, n2) exactly as SciPy reports it;
//  * otherwise, or if the exact value comes out outside [0, 1], the
//    asymptotic p-value kstwo.sf(D, round(n1*n2/(n1+n2))) (ks_distribution.h).
//
// Inputs must be finite and sorted ascending (the caller sorts each column
// once and reuses it). Empty inputs: InvalidArgument (SciPy raises).
// Cost: O(n1 + n2) for D; the exact path adds O(n) when n1 == n2 and
// O(max(n1,n2) * min(n1,n2) * D) (at most ~1e8 steps, n <= 1e4) otherwise;
// the asymptotic path adds at most O(n1 + n2).
// Pure function: thread-safe.
#pragma once

#include <span>

#include "core/status.h"
#include "monitoring/stats/test_statistic.h"

namespace ferry::monitoring {

Result<TestStatistic> KolmogorovSmirnov(std::span<const double> ref_sorted,
                                        std::span<const double> cur_sorted);

}  // namespace ferry::monitoring
