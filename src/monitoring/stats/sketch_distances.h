// Drift measures between two quantile sketches, for profiles that no longer
// hold rows: the Wasserstein-1 distance as the integral of |Q_ref - Q_cur|
// over probability, and the two-sample KS statistic as the largest CDF gap
// at 4,000 quantile points, with SciPy's asymptotic p-value (kstwo.sf at
// round(n1 n2 / (n1 + n2))) of D less both sketches' rank error — a
// conservative p-value, since at large n the sketch error alone exceeds the
// critical D. Both inherit the sketches' rank error
// (KllSketch::NormalizedRankError); tests bound the difference from the
// exact values. Thread-safe (pure).
#pragma once

#include "monitoring/sketch/kll.h"
#include "monitoring/stats/test_statistic.h"

namespace ferry::monitoring {

double WassersteinFromSketches(const KllSketch& ref, const KllSketch& cur);
TestStatistic KolmogorovSmirnovFromSketches(const KllSketch& ref, const KllSketch& cur);

}  // namespace ferry::monitoring
