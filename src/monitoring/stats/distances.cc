#include "monitoring/stats/distances.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>

#include "monitoring/stats/tie_groups.h"

namespace ferry::monitoring {

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// x log(x / y), with SciPy's rel_entr conventions at zero.
double RelEntr(double x, double y) {
  if (x > 0 && y > 0) return x * std::log(x / y);
  if (x == 0 && y >= 0) return 0;
  return std::numeric_limits<double>::infinity();
}

double Sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

void FillZeroes(std::vector<double>* shares) {
  double min_nonzero = std::numeric_limits<double>::infinity();
  for (double s : *shares) {
    if (s != 0) min_nonzero = std::min(min_nonzero, s);
  }
  if (std::isinf(min_nonzero)) return;  // all zero: numpy's min() would raise
  double fill = min_nonzero <= 0.0001 ? min_nonzero / 1e6 : 0.0001;
  for (double& s : *shares) {
    if (s == 0) s = fill;
  }
}

}  // namespace

TestStatistic ChiSquare(const AlignedCounts& counts) {
  if (counts.ref.size() < 2) return {0, 1};
  double scale = counts.cur_total / counts.ref_total;
  double stat = 0;
  for (size_t i = 0; i < counts.ref.size(); ++i) {
    double expected = counts.ref[i] * scale;
    double diff = counts.cur[i] - expected;
    stat += expected == 0 ? (diff == 0 ? kNan : std::numeric_limits<double>::infinity()) : diff * diff / expected;
  }
  if (std::isinf(stat)) return {stat, 0};
  if (std::isnan(stat)) return {stat, kNan};
  if (stat == 0) return {0, 1};  // Boost throws for it at large degrees of freedom
  try {
    boost::math::chi_squared dist(static_cast<double>(counts.ref.size() - 1));
    return {stat, boost::math::cdf(boost::math::complement(dist, stat))};
  } catch (const std::exception&) {
    return {stat, kNan};
  }
}

TestStatistic ZTest(const AlignedCounts& counts) {
  if (counts.ref.size() == 1) return {0, 1};
  double n1 = counts.ref_total, n2 = counts.cur_total;
  // Evidently codes the first (smallest) key as 0 and every other as 1.
  double p1 = (n1 - counts.ref[0]) / n1, p2 = (n2 - counts.cur[0]) / n2;
  double pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  double z = (p1 - p2) / std::sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
  if (std::isnan(z)) return {z, kNan};
  if (std::isinf(z)) return {z, 0};
  boost::math::normal normal;
  return {z, 2 * (1 - boost::math::cdf(normal, std::abs(z)))};
}

Shares SharesOf(const AlignedCounts& counts, bool fill_zeroes) {
  Shares shares{counts.ref, counts.cur};
  for (double& s : shares.ref) s /= counts.ref_total;
  for (double& s : shares.cur) s /= counts.cur_total;
  if (fill_zeroes) {
    FillZeroes(&shares.ref);
    FillZeroes(&shares.cur);
  }
  return shares;
}

double Psi(const Shares& shares) {
  double psi = 0;
  for (size_t i = 0; i < shares.ref.size(); ++i) {
    psi += (shares.ref[i] - shares.cur[i]) * std::log(shares.ref[i] / shares.cur[i]);
  }
  return psi;
}

double KlDivergence(const Shares& shares) {
  double ref_sum = Sum(shares.ref), cur_sum = Sum(shares.cur);
  double kl = 0;
  for (size_t i = 0; i < shares.ref.size(); ++i) {
    kl += RelEntr(shares.ref[i] / ref_sum, shares.cur[i] / cur_sum);
  }
  return kl;
}

double JensenShannon(const Shares& shares) {
  double ref_sum = Sum(shares.ref), cur_sum = Sum(shares.cur);
  double left = 0, right = 0;
  for (size_t i = 0; i < shares.ref.size(); ++i) {
    double p = shares.ref[i] / ref_sum, q = shares.cur[i] / cur_sum;
    double m = (p + q) / 2.0;
    left += RelEntr(p, m);
    right += RelEntr(q, m);
  }
  return std::sqrt((left + right) / 2.0);
}

double PopulationStd(std::span<const double> values) {
  if (values.empty()) return kNan;
  double mean = 0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  double ss = 0;
  for (double v : values) ss += (v - mean) * (v - mean);
  return std::sqrt(ss / static_cast<double>(values.size()));
}

double WassersteinNormed(std::span<const double> ref_sorted, std::span<const double> cur_sorted) {
  const double nu = static_cast<double>(ref_sorted.size()), nv = static_cast<double>(cur_sorted.size());
  double distance = 0;
  double prev = std::min(ref_sorted.front(), cur_sorted.front());
  // Between two successive pooled values the empirical CDFs are constant.
  ForEachTieGroup(ref_sorted, cur_sorted, [&](double x, size_t i0, size_t, size_t j0, size_t) {
    distance += std::abs(static_cast<double>(i0) / nu - static_cast<double>(j0) / nv) * (x - prev);
    prev = x;
  });
  return distance / std::max(PopulationStd(ref_sorted), 0.001);
}

double HellingerCategorical(const AlignedCounts& counts) {
  double bc = 0;
  for (size_t i = 0; i < counts.ref.size(); ++i) {
    bc += std::sqrt((counts.ref[i] / counts.ref_total) * (counts.cur[i] / counts.cur_total));
  }
  return std::sqrt(1 - std::clamp(bc, 0.0, 1.0));
}

double HellingerNumerical(std::span<const double> ref_sorted, std::span<const double> cur_sorted) {
  double lo = std::min(ref_sorted.front(), cur_sorted.front());
  double hi = std::max(ref_sorted.back(), cur_sorted.back());
  std::vector<double> edges = SturgesEdges(lo, hi, DistinctUnion(ref_sorted, cur_sorted));
  std::vector<double> h1 = HistogramCounts(ref_sorted, edges), h2 = HistogramCounts(cur_sorted, edges);
  double n1 = Sum(h1), n2 = Sum(h2);
  double bin_width = (edges.back() - edges.front()) / static_cast<double>(edges.size() - 1);
  double bc = 0;
  for (size_t i = 0; i < h1.size(); ++i) {
    double width = edges[i + 1] - edges[i];
    double d1 = h1[i] / width / n1, d2 = h2[i] / width / n2;
    bc += std::sqrt(d1 * d2) * bin_width;
  }
  return std::sqrt(1 - std::clamp(bc, 0.0, 1.0));
}

}  // namespace ferry::monitoring
