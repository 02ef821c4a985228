#include "monitoring/stats/anderson.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "monitoring/stats/special_functions.h"
#include "monitoring/stats/tie_groups.h"

namespace ferry::monitoring {
namespace {

constexpr int kSamples = 2;  // k in Scholz & Stephens
constexpr size_t kLevels = 7;
using LevelArray = std::array<double, kLevels>;

// Significance levels and the interpolation coefficients of Table 2 of
// Scholz & Stephens (1987): critical value = b0 + b1/sqrt(m) + b2/m.
constexpr LevelArray kSignificance = {0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001};
constexpr LevelArray kB0 = {0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085};
constexpr LevelArray kB1 = {-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615};
constexpr LevelArray kB2 = {-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154};

// A2akN of Scholz & Stephens eq. 7 (midrank ECDFs), by one merge walk over
// the distinct pooled values z_j with multiplicity l_j:
//   (N-1)/N * sum_i 1/n_i sum_j l_j/N (N M_ij - B_j n_i)^2 / (B_j (N - B_j) - N l_j / 4)
// where B_j and M_ij are midrank counts. N*M_ij and B_j*n_i are exact in
// double (halves times integers below 2^53), so only the sum rounds.
double MidrankA2(std::span<const double> a, std::span<const double> b) {
  const double na = static_cast<double>(a.size());
  const double nb = static_cast<double>(b.size());
  const double n = na + nb;
  CompensatedSum sum_a;
  CompensatedSum sum_b;
  ForEachTieGroup(a, b, [&](double, size_t i0, size_t i, size_t j0, size_t j) {
    const double fa = static_cast<double>(i - i0);
    const double fb = static_cast<double>(j - j0);
    const double l = fa + fb;
    const double bj = static_cast<double>(i0 + j0) + l / 2.;
    const double denom = bj * (n - bj) - n * l / 4.;
    const double ma = static_cast<double>(i) - fa / 2.;
    const double mb = static_cast<double>(j) - fb / 2.;
    const double da = n * ma - bj * na;
    const double db = n * mb - bj * nb;
    sum_a.Add(l / n * (da * da) / denom);
    sum_b.Add(l / n * (db * db) / denom);
  });
  return (sum_a.Total() / na + sum_b.Total() / nb) * ((n - 1.) / n);
}

// Variance of A2akN under the null (Scholz & Stephens eq. 4), O(N).
double NullVariance(int64_t n1, int64_t n2) {
  const int64_t n = n1 + n2;
  const double k = kSamples;
  const double big_h = 1. / static_cast<double>(n1) + 1. / static_cast<double>(n2);
  // h = sum_{i<N} 1/i; g = sum_{i<=N-2} sum_{j>i} 1/((N-i) j), as SciPy
  // accumulates them: a running sum of 1/(N-1), 1/(N-2), ..., 1/2.
  double tail = 0;
  CompensatedSum g_sum;
  for (int64_t s = 0; s < n - 2; ++s) {
    tail += 1. / static_cast<double>(n - 1 - s);
    g_sum.Add(tail / static_cast<double>(s + 2));
  }
  const double h = tail + 1;
  const double g = g_sum.Total();
  const double a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * big_h;
  const double b =
      (2 * g - 4) * k * k + 8 * h * k + (2 * g - 14 * h - 4) * big_h - 8 * h + 4 * g - 6;
  const double c =
      (6 * h + 2 * g - 2) * k * k + (4 * h - 4 * g + 6) * k + (2 * h - 6) * big_h + 4 * h;
  const double d = (2 * h + 6) * k * k - 4 * h * k;
  // N^3 exactly, then rounded once, as Python's integer power is.
  const auto n128 = static_cast<unsigned __int128>(n);
  const double n3 = static_cast<double>(n128 * n128 * n128);
  const double n2sq = static_cast<double>(n128 * n128);
  const double dn = static_cast<double>(n);
  return (a * n3 + b * n2sq + c * dn + d) / ((dn - 1.) * (dn - 2.) * (dn - 3.));
}

// Least-squares quadratic through (x_i, y_i), highest power first (as
// numpy.polyfit(x, y, 2)): columns scaled to unit norm, then modified
// Gram-Schmidt QR, which is accurate for this well-conditioned 7x3 system.
std::array<double, 3> FitQuadratic(const LevelArray& x, const LevelArray& y) {
  std::array<LevelArray, 3> q;
  std::array<double, 3> scale;
  for (size_t c = 0; c < 3; ++c) {
    double norm2 = 0;
    for (size_t r = 0; r < kLevels; ++r) {
      q[c][r] = std::pow(x[r], static_cast<double>(2 - c));
      norm2 += q[c][r] * q[c][r];
    }
    scale[c] = std::sqrt(norm2);
    for (double& e : q[c]) e /= scale[c];
  }
  std::array<std::array<double, 3>, 3> rm{};
  for (size_t c = 0; c < 3; ++c) {
    for (size_t p = 0; p < c; ++p) {
      double dot = 0;
      for (size_t r = 0; r < kLevels; ++r) dot += q[p][r] * q[c][r];
      rm[p][c] = dot;
      for (size_t r = 0; r < kLevels; ++r) q[c][r] -= dot * q[p][r];
    }
    double norm2 = 0;
    for (double e : q[c]) norm2 += e * e;
    rm[c][c] = std::sqrt(norm2);
    for (double& e : q[c]) e /= rm[c][c];
  }
  std::array<double, 3> coef{};
  for (size_t c = 0; c < 3; ++c) {
    for (size_t r = 0; r < kLevels; ++r) coef[c] += q[c][r] * y[r];
  }
  for (size_t c = 3; c-- > 0;) {
    for (size_t p = c + 1; p < 3; ++p) coef[c] -= rm[c][p] * coef[p];
    coef[c] /= rm[c][c];
  }
  for (size_t c = 0; c < 3; ++c) coef[c] /= scale[c];
  return coef;
}

// SciPy's significance level for the standardized statistic with m = k - 1.
double SignificanceLevel(double a2) {
  const double m = kSamples - 1;
  LevelArray critical;
  LevelArray log_sig;
  for (size_t i = 0; i < kLevels; ++i) {
    critical[i] = kB0[i] + kB1[i] / std::sqrt(m) + kB2[i] / m;
    log_sig[i] = std::log(kSignificance[i]);
  }
  if (a2 < *std::min_element(critical.begin(), critical.end())) return 0.25;
  if (a2 > *std::max_element(critical.begin(), critical.end())) return 0.001;
  const std::array<double, 3> fit = FitQuadratic(critical, log_sig);
  return std::exp((fit[0] * a2 + fit[1]) * a2 + fit[2]);
}

}  // namespace

Result<TestStatistic> AndersonDarling(std::span<const double> ref_sorted,
                                      std::span<const double> cur_sorted) {
  if (ref_sorted.empty() || cur_sorted.empty()) {
    return InvalidArgument("anderson_ksamp encountered sample without observations");
  }
  const double lo = std::min(ref_sorted.front(), cur_sorted.front());
  const double hi = std::max(ref_sorted.back(), cur_sorted.back());
  if (lo == hi) {
    return InvalidArgument("anderson_ksamp needs more than one distinct observation");
  }
  const auto n1 = static_cast<int64_t>(ref_sorted.size());
  const auto n2 = static_cast<int64_t>(cur_sorted.size());
  if (n1 + n2 < 4) {
    return InvalidArgument("anderson_ksamp needs at least 4 observations in total");
  }
  const double a2kn = MidrankA2(ref_sorted, cur_sorted);
  const double statistic = (a2kn - (kSamples - 1)) / std::sqrt(NullVariance(n1, n2));
  return TestStatistic{statistic, SignificanceLevel(statistic)};
}

}  // namespace ferry::monitoring
