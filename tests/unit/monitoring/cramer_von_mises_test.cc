// Golden values for the two-sample Cramer-von Mises test, computed with
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
#include "monitoring/stats/cramer_von_mises.h"

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

// Statistic to 1e-9 relative, p-value to 1e-9 absolute. Seen: exact
// p-values bit-identical, asymptotic ones within ~1e-13 up to n = 2e4. T is
// formed exactly here; SciPy's T rounds a difference of two terms of size
// ~n/3, so at n = 1e6 per sample it is itself only good to ~1e-10.
void ExpectGolden(std::vector<double> ref, std::vector<double> cur, double statistic,
                  double p_value) {
  test_data::ExpectGolden(CramerVonMises, std::move(ref), std::move(cur), statistic, p_value);
}

// All cases: r = st.cramervonmises_2samp(ref, cur); r.statistic, r.pvalue

TEST(CramerVonMisesTest, SmallestSamplesExact) {
  ExpectGolden({1.0, 2.0}, {3.0, 4.0}, 0.375, 0.3333333333333333);
  ExpectGolden({1.0, 2.0}, {1.5, 2.5, 3.5}, 0.19999999999999996, 0.4);
}

TEST(CramerVonMisesTest, ExactEqualSizes) {
  // normal(1, 20), normal(2, 20, 0.5)
  ExpectGolden(SortedNormal(1, 20), SortedNormal(2, 20, 0.5), 0.5, 0.04072985023316309);
}

TEST(CramerVonMisesTest, ExactUnequalSizes) {
  // normal(3, 13), normal(4, 20, 0.8)
  ExpectGolden(SortedNormal(3, 13), SortedNormal(4, 20, 0.8), 0.5277000777000778,
               0.034182432244288415);
  // normal(5, 19), normal(6, 20, 0.3): the finest lattice, lcm = 380
  ExpectGolden(SortedNormal(5, 19), SortedNormal(6, 20, 0.3), 0.10524066576698132, 0.58216130892051);
}

TEST(CramerVonMisesTest, ExactWithTies) {
  // quantized(7, 15, 0.0, 0.5), quantized(8, 18, 0.5, 0.5)
  ExpectGolden(SortedQuantized(7, 15, 0.0, 0.5), SortedQuantized(8, 18, 0.5, 0.5),
               0.15109427609427595, 0.4053397344390006);
}

TEST(CramerVonMisesTest, IdenticalSamples) {
  // normal(9, 17), normal(9, 17) (exact); normal(26, 300), normal(26, 300)
  ExpectGolden(SortedNormal(9, 17), SortedNormal(9, 17), 0.0, 1.0);
  ExpectGolden(SortedNormal(26, 300), SortedNormal(26, 300), 0.0, 1.0);
}

TEST(CramerVonMisesTest, DisjointSupports) {
  // normal(10, 10), normal(11, 12, 100.0): exact, 2 / C(22, 10)
  ExpectGolden(SortedNormal(10, 10), SortedNormal(11, 12, 100.0), 1.8257575757575752,
               3.092882349848294e-06);
  // normal(27, 100), normal(28, 80, 100.0): asymptotic. The truncated series
  // leaves SciPy's 1 - cdf at this noise floor rather than ~0.
  ExpectGolden(SortedNormal(27, 100), SortedNormal(28, 80, 100.0), 14.81574074074074,
               1.6435330874031706e-09);
}

TEST(CramerVonMisesTest, AsymptoticJustAboveExactLimit) {
  // normal(12, 21), normal(13, 20, 0.6)
  ExpectGolden(SortedNormal(12, 21), SortedNormal(13, 20, 0.6), 0.6967479674796744,
               0.012769347999663339);
}

TEST(CramerVonMisesTest, ShiftedNormalsAsymptotic) {
  // normal(14, 50), normal(15, 50, 0.5)
  ExpectGolden(SortedNormal(14, 50), SortedNormal(15, 50, 0.5), 0.1902000000000008,
               0.2905893854106538);
  // normal(16, 500), normal(17, 500, 0.1)
  ExpectGolden(SortedNormal(16, 500), SortedNormal(17, 500, 0.1), 0.049559999999985394,
               0.8803106315227527);
  // normal(18, 5000), normal(19, 5000, 0.05)
  ExpectGolden(SortedNormal(18, 5000), SortedNormal(19, 5000, 0.05), 0.288292120000051,
               0.1459024860327226);
  // normal(20, 20000), normal(21, 20000, 0.02)
  ExpectGolden(SortedNormal(20, 20000), SortedNormal(21, 20000, 0.02), 0.3329658125003334,
               0.10944832335274646);
  // normal(22, 500), normal(23, 400, 0.2)
  ExpectGolden(SortedNormal(22, 500), SortedNormal(23, 400, 0.2), 0.8104742592592515,
               0.006898739983636659);
}

TEST(CramerVonMisesTest, AsymptoticWithTies) {
  // quantized(24, 300, 0.0, 0.25), quantized(25, 200, 0.3, 0.25)
  ExpectGolden(SortedQuantized(24, 300, 0.0, 0.25), SortedQuantized(25, 200, 0.3, 0.25),
               0.35798833333332425, 0.0936148883807949);
}

TEST(CramerVonMisesTest, FewerThanTwoObservationsIsInvalid) {
  const std::vector<double> one = {1.0};
  const std::vector<double> three = {1.0, 2.0, 3.0};
  const std::vector<double> empty;
  EXPECT_EQ(CramerVonMises(one, three).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CramerVonMises(three, one).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CramerVonMises(empty, three).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::monitoring
