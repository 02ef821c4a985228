#include "monitoring/stats/sketch_distances.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "monitoring/stats/ks_distribution.h"

namespace ferry::monitoring {

namespace {

constexpr int kGrid = 2000;

std::vector<double> Midpoints() {
  std::vector<double> p(kGrid);
  for (int i = 0; i < kGrid; ++i) p[i] = (i + 0.5) / kGrid;
  return p;
}

}  // namespace

double WassersteinFromSketches(const KllSketch& ref, const KllSketch& cur) {
  std::vector<double> p = Midpoints();
  std::vector<double> qr = ref.Quantiles(p), qc = cur.Quantiles(p);
  double sum = 0;
  for (int i = 0; i < kGrid; ++i) sum += std::abs(qr[i] - qc[i]);
  return sum / kGrid;
}

TestStatistic KolmogorovSmirnovFromSketches(const KllSketch& ref, const KllSketch& cur) {
  std::vector<double> p = Midpoints();
  std::vector<double> points = ref.Quantiles(p);
  std::vector<double> more = cur.Quantiles(p);
  points.insert(points.end(), more.begin(), more.end());
  std::vector<double> fr = ref.Cdf(points), fc = cur.Cdf(points);
  double d = 0;
  for (size_t i = 0; i < points.size(); ++i) d = std::max(d, std::abs(fr[i] - fc[i]));
  double n1 = static_cast<double>(ref.count()), n2 = static_cast<double>(cur.count());
  auto en = static_cast<int64_t>(std::round(n1 * n2 / (n1 + n2)));
  // The sketches' rank error could make up this much of D: the p-value is
  // taken for what remains, so sketch noise alone never reads as drift.
  double slack = KllSketch::NormalizedRankError(ref.k()) + KllSketch::NormalizedRankError(cur.k());
  double sure = std::max(0.0, d - slack);
  return {d, std::clamp(KolmogorovTwoSidedSf(std::max<int64_t>(en, 1), sure), 0.0, 1.0)};
}

}  // namespace ferry::monitoring
