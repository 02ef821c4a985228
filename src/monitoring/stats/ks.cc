#include "monitoring/stats/ks.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

#include "monitoring/stats/ks_distribution.h"
#include "monitoring/stats/special_functions.h"

namespace ferry::monitoring {
namespace {

// SciPy's 'auto' is exact up to this many observations in the larger sample.
constexpr int64_t kMaxExactN = 10000;

// max_x |F_a(x) - F_b(x)| by a merge walk over the distinct pooled values.
// Each difference is formed as i/na - j/nb, as SciPy does, so the rounding of
// D agrees bit for bit. Once one sample is used up the difference only
// shrinks towards 0, so the walk can stop there.
double TwoSampleD(std::span<const double> a, std::span<const double> b) {
  const double na = static_cast<double>(a.size());
  const double nb = static_cast<double>(b.size());
  size_t i = 0;
  size_t j = 0;
  double max_diff = 0;  // F_a - F_b is 0 at the largest value
  double min_diff = 0;
  while (i < a.size() && j < b.size()) {
    const double v = std::min(a[i], b[j]);
    while (i < a.size() && a[i] == v) ++i;
    while (j < b.size() && b[j] == v) ++j;
    const double diff = static_cast<double>(i) / na - static_cast<double>(j) / nb;
    max_diff = std::max(max_diff, diff);
    min_diff = std::min(min_diff, diff);
  }
  return std::max(max_diff, std::min(-min_diff, 1.0));
}

// Pr(D_{n,n} >= h/n) = 2 (A0 - A0 A1 + A0 A1 A2 - ...), A_k ratios of
// binomials, in Horner form to avoid subtractive cancellation. O(n + h).
double EqualSizesPValue(int64_t n, int64_t h) {
  double p = 0.0;
  for (int64_t k = n / h; k >= 0; --k) {
    double p1 = 1.0;
    for (int64_t j = 0; j < h; ++j) {
      p1 = static_cast<double>(n - k * h - j) * p1 /
           static_cast<double>(n + k * h + j + 1);
    }
    p = p1 * (1.0 - p);
  }
  return 2 * p;
}

// Proportion of lattice paths (0,0) -> (m,n) that leave the band
// |x/m - y/n| < h/lcm (Hodges' inside method, carried as 1 - p following
// Viehmann 2021 so no large binomials appear). One column of the band is
// kept; each entry is a weighted mean, so values stay within [0, 1].
// Returns NaN if the band bookkeeping would step outside its buffer.
double UnequalSizesPValue(int64_t m, int64_t n, int64_t g, int64_t h) {
  if (m < n) std::swap(m, n);
  const int64_t mg = m / g;
  const int64_t ng = n / g;
  int64_t minj = 0;
  int64_t maxj = std::min(CeilDiv(h, mg), n + 1);
  int64_t curlen = maxj - minj;
  const int64_t len = std::min(2 * maxj + 2, n + 1);
  std::vector<double> col(static_cast<size_t>(len), 1.0);
  std::fill(col.begin(), col.begin() + std::min(maxj, len), 0.0);
  for (int64_t i = 1; i <= m; ++i) {
    const int64_t lastminj = minj;
    const int64_t lastlen = curlen;
    minj = std::min(std::max<int64_t>(FloorDiv(ng * i - h, mg) + 1, 0), n);
    maxj = std::min(CeilDiv(ng * i + h, mg), n + 1);
    if (maxj <= minj) return 1.0;
    if (maxj - lastminj > len) return std::nan("");
    double val = minj == 0 ? 0.0 : 1.0;
    for (int64_t jj = 0; jj < maxj - minj; ++jj) {
      const int64_t j = jj + minj;
      val = (col[jj + minj - lastminj] * static_cast<double>(i) +
             val * static_cast<double>(j)) /
            static_cast<double>(i + j);
      col[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      const int64_t lo = std::min(curlen, len);
      const int64_t hi = std::min(curlen + (lastlen - curlen), len);
      std::fill(col.begin() + lo, col.begin() + hi, 1.0);
    }
  }
  return col[maxj - minj - 1];
}

struct ExactResult {
  double d;                 // D moved onto the lattice h / lcm(n1, n2)
  std::optional<double> p;  // unset when the recursion failed
};

ExactResult ExactTwoSided(int64_t n1, int64_t n2, double d) {
  const int64_t g = std::gcd(n1, n2);
  const int64_t lcm = (n1 / g) * n2;
  const int64_t h = static_cast<int64_t>(std::nearbyint(d * static_cast<double>(lcm)));
  d = static_cast<double>(h) / static_cast<double>(lcm);
  if (h == 0) return {d, 1.0};
  const double p = n1 == n2 ? EqualSizesPValue(n1, h) : UnequalSizesPValue(n1, n2, g, h);
  if (!(p >= 0 && p <= 1)) return {d, std::nullopt};  // SciPy then goes asymptotic
  return {d, p};
}

double AsymptoticPValue(int64_t n1, int64_t n2, double d) {
  const double m = static_cast<double>(std::max(n1, n2));
  const double n = static_cast<double>(std::min(n1, n2));
  const double en = m * n / (m + n);
  const auto effective_n = static_cast<int64_t>(std::nearbyint(en));  // ties to even
  return std::clamp(KolmogorovTwoSidedSf(effective_n, d), 0.0, 1.0);
}

}  // namespace

Result<TestStatistic> KolmogorovSmirnov(std::span<const double> ref_sorted,
                                        std::span<const double> cur_sorted) {
  if (ref_sorted.empty() || cur_sorted.empty()) {
    return InvalidArgument("ks_2samp: both samples must be non-empty");
  }
  const auto n1 = static_cast<int64_t>(ref_sorted.size());
  const auto n2 = static_cast<int64_t>(cur_sorted.size());
  double d = TwoSampleD(ref_sorted, cur_sorted);
  if (std::max(n1, n2) <= kMaxExactN) {
    const ExactResult exact = ExactTwoSided(n1, n2, d);
    if (exact.p.has_value()) return TestStatistic{exact.d, *exact.p};
    d = exact.d;
  }
  return TestStatistic{d, AsymptoticPValue(n1, n2, d)};
}

}  // namespace ferry::monitoring
