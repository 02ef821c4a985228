// k-sample Anderson-Darling test (Scholz & Stephens 1987) for two samples:
// reference column vs current column.
//
// Matches scipy.stats.anderson_ksamp([ref, cur]) with its defaults in SciPy
// 1.17 (midrank variant, no permutation method):
//  * statistic: the standardized A2akN, (A2akN - 1) / sigma_N;
//  * p_value: SciPy's significance_level, the exponential of a quadratic
//    least-squares fit of log(significance) on the tabulated critical values,
//    capped at 0.25 below the smallest and floored at 0.001 above the largest
//    critical value (SciPy warns in those cases; here they are plain values).
//
// Inputs must be finite and sorted ascending (the caller sorts each column
// once and reuses it). InvalidArgument when a sample is empty, when all pooled
// values are equal (SciPy raises "anderson_ksamp needs more than one distinct
// observation"), or when fewer than 4 values are pooled (SciPy raises for 2
// and returns NaN for 3: its variance formula divides by (N-2)(N-3)).
// Cost: O(n1 + n2). Pure function: thread-safe.
#pragma once

#include <span>

#include "core/status.h"
#include "monitoring/stats/test_statistic.h"

namespace ferry::monitoring {

Result<TestStatistic> AndersonDarling(std::span<const double> ref_sorted,
                                      std::span<const double> cur_sorted);

}  // namespace ferry::monitoring
