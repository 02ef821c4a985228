#include "monitoring/stats/cramer_von_mises.h"

#include <algorithm>
#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/bessel.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <numeric>
#include <utility>
#include <vector>

#include "monitoring/stats/special_functions.h"
#include "monitoring/stats/tie_groups.h"

namespace ferry::monitoring {
namespace {

using Int128 = __int128;

// SciPy's 'auto' is exact up to this many observations in the larger sample.
constexpr int64_t kMaxExactN = 20;
// The asymptotic series stops after the first term below this (as SciPy).
constexpr double kSeriesTolerance = 1e-7;

// Boost reports errors by value, never by exception.
using NoThrowPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>,
    boost::math::policies::rounding_error<boost::math::policies::ignore_error>>;

// 4 * sum_i (r_i - i)^2 for each sample, r_i the midrank of its i-th value in
// the pooled sample. Midranks are halves, so 2(r_i - i) is an integer and
// the sums are exact.
struct RankDeviations {
  Int128 ref4 = 0;
  Int128 cur4 = 0;
};

RankDeviations MidrankDeviations(std::span<const double> a, std::span<const double> b) {
  RankDeviations out;
  ForEachTieGroup(a, b, [&](double, size_t i0, size_t i, size_t j0, size_t j) {
    // 2 * midrank = 2 * (#below) + (ties + 1)
    const auto twice_rank = static_cast<int64_t>(2 * (i0 + j0) + (i - i0) + (j - j0) + 1);
    for (size_t p = i0; p < i; ++p) {
      const Int128 dev = twice_rank - 2 * static_cast<int64_t>(p + 1);
      out.ref4 += dev * dev;
    }
    for (size_t p = j0; p < j; ++p) {
      const Int128 dev = twice_rank - 2 * static_cast<int64_t>(p + 1);
      out.cur4 += dev * dev;
    }
  });
  return out;
}

// Frequencies of the path statistic: (value, number of paths), sorted by
// value. Values at or above `cap` are pooled at `cap`: steps only add, so
// such paths stay above the threshold whatever follows.
using Frequencies = std::vector<std::pair<int64_t, uint64_t>>;

Frequencies MergeAndShift(const Frequencies& x, const Frequencies& y, int64_t shift,
                          int64_t cap) {
  Frequencies out;
  out.reserve(x.size() + y.size());
  auto push = [&](int64_t value, uint64_t count) {
    value = std::min(value + shift, cap);
    if (!out.empty() && out.back().first == value) {
      out.back().second += count;
    } else {
      out.emplace_back(value, count);
    }
  };
  size_t i = 0;
  size_t j = 0;
  while (i < x.size() || j < y.size()) {
    if (j == y.size() || (i < x.size() && x[i].first < y[j].first)) {
      push(x[i].first, x[i].second);
      ++i;
    } else if (i == x.size() || y[j].first < x[i].first) {
      push(y[j].first, y[j].second);
      ++j;
    } else {
      push(x[i].first, x[i].second + y[j].second);
      ++i;
      ++j;
    }
  }
  return out;
}

// Pr(U >= u) under the null, U = T-scaled statistic (Xiao, Gordon &
// Yakovlev 2006, Algorithm 1): g(u, v) = (g(u-1, v) U g(u, v-1)) + (a v - b u)^2
// over the (n+1) x (m+1) lattice, a = lcm/m, b = lcm/n. `u4` is 4u.
double ExactPValue(int64_t m, int64_t n, Int128 u4) {
  const int64_t lcm = std::lcm(m, n);
  const int64_t a = lcm / m;
  const int64_t b = lcm / n;
  const int64_t mn = m * n;
  // zeta = floor(lcm^2 (m+n) (6u - mn(4mn - 1)) / (6 m^2 n^2)), u = u4 / 4.
  const Int128 num =
      Int128{lcm} * lcm * (m + n) * (6 * u4 - Int128{4} * mn * (4 * mn - 1));
  const Int128 den = Int128{24} * mn * mn;
  Int128 zeta = num / den;
  if (num % den != 0 && num < 0) --zeta;
  if (zeta <= 0) return 1.0;  // every path qualifies
  const auto cap = static_cast<int64_t>(zeta);

  std::vector<Frequencies> column(m + 1);
  column[0] = {{0, 1}};
  for (int64_t u = 0; u <= n; ++u) {
    Frequencies running;
    for (int64_t v = 0; v <= m; ++v) {
      const int64_t step = a * v - b * u;
      running = MergeAndShift(running, column[v], step * step, cap);
      column[v] = running;
    }
  }
  uint64_t above = 0;
  uint64_t total = 0;
  for (const auto& [value, count] : column[m]) {
    total += count;
    if (value >= cap) above += count;
  }
  return static_cast<double>(above) / static_cast<double>(total);
}

// Limiting cdf of the one-sample CvM statistic (Csorgo & Faraway 1996,
// eq. 1.2): sum_k Gamma(k+1/2)/(Gamma(k+1) pi^1.5 sqrt(x)) sqrt(4k+1)
// exp(-q) K_{1/4}(q), q = (4k+1)^2 / (16x).
double CvmLimitCdf(double x) {
  const double pi15 = std::pow(std::numbers::pi, 1.5);
  double total = 0;
  for (int64_t k = 0;; ++k) {
    const double dk = static_cast<double>(k);
    const double ratio = boost::math::tgamma_delta_ratio(dk + 0.5, 0.5, NoThrowPolicy());
    const double u = ratio / (pi15 * std::sqrt(x));
    const double y = 4 * dk + 1;
    const double q = y * y / (16 * x);
    const double bessel = boost::math::cyl_bessel_k(0.25, q, NoThrowPolicy());
    const double term = u * std::sqrt(y) * std::exp(-q) * bessel;
    total += term;
    if (!(std::fabs(term) >= kSeriesTolerance)) break;
  }
  return total;
}

// Anderson (1962) eqs. 11, 14, 15: T standardized by its exact mean and
// variance is referred to the limiting distribution.
double AsymptoticPValue(double t, int64_t nx, int64_t ny) {
  const int64_t n = nx + ny;
  const Int128 k = Int128{nx} * ny;
  const double et = (1 + 1 / static_cast<double>(n)) / 6;
  const Int128 vt_num =
      Int128{n + 1} * (4 * k * n - 3 * (Int128{nx} * nx + Int128{ny} * ny) - 2 * k);
  const Int128 vt_den = Int128{45} * n * n * 4 * k;
  const double vt = static_cast<double>(vt_num) / static_cast<double>(vt_den);
  const double tn = 1. / 6 + (t - et) / std::sqrt(45 * vt);
  if (!(tn >= 0.003)) return 1.0;  // the cdf is below 1.3e-18 there
  return std::max(1. - CvmLimitCdf(tn), 0.);
}

}  // namespace

Result<TestStatistic> CramerVonMises(std::span<const double> ref_sorted,
                                     std::span<const double> cur_sorted) {
  if (ref_sorted.size() < 2 || cur_sorted.size() < 2) {
    return InvalidArgument(
        "cramervonmises_2samp: x and y must contain at least two observations");
  }
  const auto nx = static_cast<int64_t>(ref_sorted.size());
  const auto ny = static_cast<int64_t>(cur_sorted.size());
  const RankDeviations dev = MidrankDeviations(ref_sorted, cur_sorted);
  const Int128 u4 = Int128{nx} * dev.ref4 + Int128{ny} * dev.cur4;
  // T = u / (kN) - (4k - 1) / (6N) = (6 u4 - 4k(4k - 1)) / (24 k N), exactly.
  const Int128 k = Int128{nx} * ny;
  const Int128 t_num = 6 * u4 - 4 * k * (4 * k - 1);
  const Int128 t_den = 24 * k * (nx + ny);
  const double t = static_cast<double>(t_num) / static_cast<double>(t_den);
  const double p = std::max(nx, ny) <= kMaxExactN ? ExactPValue(nx, ny, u4)
                                                  : AsymptoticPValue(t, nx, ny);
  return TestStatistic{t, p};
}

}  // namespace ferry::monitoring
