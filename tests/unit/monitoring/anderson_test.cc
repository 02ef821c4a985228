// Golden values for the two-sample Anderson-Darling test, computed with
// SciPy 1.17.1 (NumPy 2.4.6, Python 3.11) by the script below; each case's
// expression is in the comment above it, its results printed with
// repr(float(...)).
//
//   import math, scipy.stats as st
//   M = 2**64 - 1
//   def stream(seed):                      # splitmix64 -> uniform [0, 1)
//       s = seed
//       while True:
//           s = (s + 0x9E3779B97F4A7C15) & M
//           z = s
//           z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
//           z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
//           yield ((z ^ (z >> 31)) >> 11) * 2.0**-53
//   def normal(seed, n, shift=0.0):        # Irwin-Hall(12) - 6 + shift
//       u = stream(seed)
//       out = []
//       for _ in range(n):
//           s = 0.0
//           for _ in range(12): s += next(u)
//           out.append(s - 6.0 + shift)
//       return out
//   def quantized(seed, n, shift, step):   # ties: rounded to a grid
//       return [math.floor(v / step + 0.5) * step for v in normal(seed, n, shift)]
//
// The generators use only IEEE additions and multiplications, so the C++
// copies below reproduce the inputs bit for bit.
#include "monitoring/stats/anderson.h"

#include <gtest/gtest.h>

#include "unit/monitoring/test_data.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace ferry::monitoring {
namespace {

using test_data::SortedNormal;
using test_data::SortedQuantized;

// Statistic to 1e-9 relative, significance level to 1e-9 absolute (seen:
// ~1e-13 and ~1e-15 from SciPy; SciPy's own statistic for N = 4 carries
// ~5e-14 of cancellation error).
void ExpectGolden(std::vector<double> ref, std::vector<double> cur, double statistic,
                  double p_value) {
  test_data::ExpectGolden(AndersonDarling, std::move(ref), std::move(cur), statistic, p_value);
}

void ExpectInvalid(const std::vector<double>& ref, const std::vector<double>& cur) {
  EXPECT_EQ(AndersonDarling(ref, cur).status().code(), StatusCode::kInvalidArgument);
}

// All cases: r = st.anderson_ksamp([ref, cur]); r.statistic, r.pvalue
// (pvalue == significance_level; SciPy warns when it caps or floors it).

TEST(AndersonDarlingTest, SmallestPooledSamples) {
  ExpectGolden({1.0}, {2.0, 3.0, 4.0}, 1.3636363636363114, 0.08902970028514424);
  ExpectGolden({1.0, 2.0}, {3.0, 4.0}, 1.5427784316797186, 0.07502559142197461);
  ExpectGolden({1.0, 1.0}, {1.0, 2.0}, 0.0, 0.25);
}

TEST(AndersonDarlingTest, TwoVsThree) {
  ExpectGolden({1.0, 2.0}, {1.5, 2.5, 3.5}, 0.06348850890335338, 0.25);
}

TEST(AndersonDarlingTest, ShiftedNormals) {
  // [normal(1, 50), normal(2, 50, 0.5)]
  ExpectGolden(SortedNormal(1, 50), SortedNormal(2, 50, 0.5), 7.213024859485323, 0.001);
  // [normal(3, 500), normal(4, 500, 0.1)]
  ExpectGolden(SortedNormal(3, 500), SortedNormal(4, 500, 0.1), 1.6044762315601542,
               0.07075035793206573);
  // [normal(5, 5000), normal(6, 5000, 0.05)]
  ExpectGolden(SortedNormal(5, 5000), SortedNormal(6, 5000, 0.05), 3.1818701487634744,
               0.016546621078107376);
  // [normal(7, 20000), normal(8, 20000, 0.02)]
  ExpectGolden(SortedNormal(7, 20000), SortedNormal(8, 20000, 0.02), 2.728477593112738,
               0.024891808207408175);
}

TEST(AndersonDarlingTest, UnequalSizes) {
  // [normal(9, 500), normal(10, 400, 0.2)]
  ExpectGolden(SortedNormal(9, 500), SortedNormal(10, 400, 0.2), 5.441212361108011,
               0.002417653287778062);
}

TEST(AndersonDarlingTest, ManyTies) {
  // [quantized(17, 300, 0.0, 0.25), quantized(18, 200, 0.3, 0.25)]
  ExpectGolden(SortedQuantized(17, 300, 0.0, 0.25), SortedQuantized(18, 200, 0.3, 0.25),
               12.9163270284301, 0.001);
  // [quantized(32, 40, 0.0, 1.0), quantized(33, 30, 0.4, 1.0)]
  ExpectGolden(SortedQuantized(32, 40, 0.0, 1.0), SortedQuantized(33, 30, 0.4, 1.0),
               1.0363217281000723, 0.12208066060661454);
  ExpectGolden({0.0, 0.0, 0.0}, {0.0, 0.0, 1.0}, 0.0, 0.25);
}

TEST(AndersonDarlingTest, InterpolatesBetweenCriticalValues) {
  // [normal(34, 400), normal(35, 300)]
  ExpectGolden(SortedNormal(34, 400), SortedNormal(35, 300), 0.8006641449131696, 0.15360744129557619);
  // [normal(36, 200), normal(37, 200, 0.25)]
  ExpectGolden(SortedNormal(36, 200), SortedNormal(37, 200, 0.25), 0.7643132271189116,
               0.15917670966169742);
}

TEST(AndersonDarlingTest, CapsAtQuarterBelowSmallestCriticalValue) {
  // [normal(21, 300), normal(21, 300)]: identical samples
  ExpectGolden(SortedNormal(21, 300), SortedNormal(21, 300), -1.3175908024478655, 0.25);
  ExpectGolden({1.0, 2.0, 3.0}, {1.0, 2.0, 3.0}, -1.7739371879672585, 0.25);
}

TEST(AndersonDarlingTest, FloorsAtOneThousandthAboveLargestCriticalValue) {
  // [normal(22, 12), normal(23, 20, 100.0)]: disjoint supports
  ExpectGolden(SortedNormal(22, 12), SortedNormal(23, 20, 100.0), 15.350219787603233, 0.001);
}

TEST(AndersonDarlingTest, RejectsWhatScipyRejects) {
  ExpectInvalid({}, {1.0, 2.0, 3.0, 4.0});  // "encountered sample without observations"
  ExpectInvalid({2.0, 2.0},
                {2.0, 2.0, 2.0});    // "needs more than one distinct observation"
  ExpectInvalid({1.0}, {2.0});       // SciPy: IndexError
  ExpectInvalid({1.0}, {2.0, 3.0});  // SciPy: NaN (its variance divides by 0)
}

}  // namespace
}  // namespace ferry::monitoring
