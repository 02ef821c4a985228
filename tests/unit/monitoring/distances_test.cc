// Golden values from numpy 2.4 / SciPy 1.17 (the Python is beside each).
#include "monitoring/stats/distances.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ferry::monitoring {
namespace {

TEST(Binning, SturgesEdgesAndCountsMatchNumpy) {
  // a = [0, .1, .25, 1, 2, 2, 3.5, 7.25, 9, 10]
  // np.histogram_bin_edges(a, "sturges") -> [0, 2, 4, 6, 8, 10]; np.histogram -> [4, 3, 0, 1, 2]
  std::vector<double> a = {0, 0.1, 0.25, 1, 2, 2, 3.5, 7.25, 9, 10};
  std::vector<double> edges = SturgesEdges(0, 10, a.size());
  EXPECT_EQ(edges, (std::vector<double>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(HistogramCounts(a, edges), (std::vector<double>{4, 3, 0, 1, 2}));
  // A constant sample gets one bin [x - 0.5, x + 0.5].
  EXPECT_EQ(SturgesEdges(3, 3, 3), (std::vector<double>{2.5, 3.5}));
}

TEST(Binning, CountValuesAlignsKeys) {
  std::vector<double> r = {1, 1, 2, 5}, c = {2, 3, 3};
  AlignedCounts counts = CountValues(r, c);
  EXPECT_EQ(counts.ref, (std::vector<double>{2, 1, 0, 1}));
  EXPECT_EQ(counts.cur, (std::vector<double>{0, 1, 2, 0}));
  EXPECT_EQ(DistinctUnion(r, c), 4u);
  EXPECT_EQ(DistinctSorted(r), 3u);
}

TEST(Distances, ChiSquareMatchesScipy) {
  // stats.chisquare([10, 20, 30], [20, 20, 20]).pvalue
  AlignedCounts counts{{20, 20, 20}, {10, 20, 30}, 60, 60};
  TestStatistic t = ChiSquare(counts);
  EXPECT_DOUBLE_EQ(t.statistic, 10.0);
  EXPECT_NEAR(t.p_value, 0.006737946999085468, 1e-15);
  // A category the reference never saw: infinite statistic, p = 0.
  EXPECT_EQ(ChiSquare({{5, 0}, {4, 1}, 5, 5}).p_value, 0);
  EXPECT_EQ(ChiSquare({{5}, {4}, 5, 4}).p_value, 1);
}

TEST(Distances, WassersteinMatchesScipy) {
  // stats.wasserstein_distance([0, 1, 3], [5, 6, 8]) / np.std([0, 1, 3])
  std::vector<double> u = {0, 1, 3}, v = {5, 6, 8};
  EXPECT_NEAR(WassersteinNormed(u, v), 4.0089186286863665, 1e-12);
  EXPECT_EQ(WassersteinNormed(u, u), 0);
}

TEST(Distances, ZeroFillFollowsEvidently) {
  AlignedCounts counts{{0, 5, 5}, {10, 0, 0}, 10, 10};
  Shares s = SharesOf(counts, true);
  EXPECT_EQ(s.ref[0], 0.0001);  // min nonzero share 0.5 > 1e-4: zeros become 1e-4
  EXPECT_EQ(s.cur[1], 0.0001);
  Shares raw = SharesOf(counts, false);
  EXPECT_EQ(raw.ref[0], 0);
  EXPECT_NEAR(JensenShannon(raw), std::sqrt(std::log(2.0)), 1e-12);  // disjoint: the maximum
  EXPECT_GT(Psi(s), 0);
  EXPECT_GT(KlDivergence(s), 0);
}

TEST(Distances, HellingerIsZeroForEqualAndOneForDisjoint) {
  AlignedCounts same{{3, 7}, {30, 70}, 10, 100};
  EXPECT_NEAR(HellingerCategorical(same), 0, 1e-7);
  AlignedCounts apart{{3, 0}, {0, 7}, 3, 7};
  EXPECT_NEAR(HellingerCategorical(apart), 1, 1e-12);
  std::vector<double> a = {0, 1, 2, 3}, b = {10, 11, 12, 13};
  EXPECT_NEAR(HellingerNumerical(a, b), 1, 1e-12);
}

}  // namespace
}  // namespace ferry::monitoring
