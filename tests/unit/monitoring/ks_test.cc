// Golden values for the two-sample Kolmogorov-Smirnov test and the kstwo /
// smirnov distributions, computed with SciPy 1.17.1 (NumPy 2.4.6, Python
// 3.11) by the script below; each case's expression is in the comment above
// it, its results printed with repr(float(...)).
//
//   import math, scipy.stats as st, scipy.special as sp
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
#include "monitoring/stats/ks.h"

#include <gtest/gtest.h>

#include "unit/monitoring/test_data.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "monitoring/stats/ks_distribution.h"

namespace ferry::monitoring {
namespace {

using test_data::SortedNormal;
using test_data::SortedQuantized;

// Statistic to 1e-9 relative, p-value to 1e-9 absolute and, where it is not
// denormal, 1e-9 relative (both paths agree with SciPy to ~1e-12 relative).
void ExpectGolden(std::vector<double> ref, std::vector<double> cur, double statistic,
                  double p_value) {
  std::optional<TestStatistic> r =
      test_data::ExpectGolden(KolmogorovSmirnov, std::move(ref), std::move(cur), statistic, p_value);
  if (r && p_value > 1e-300) {
    EXPECT_NEAR(r->p_value / p_value, 1.0, 1e-9);
  }
}

TEST(KolmogorovSmirnovTest, OneVsOne) {
  // st.ks_2samp([1.0], [2.0]); st.ks_2samp([1.0], [1.0])
  ExpectGolden({1.0}, {2.0}, 1.0, 1.0);
  ExpectGolden({1.0}, {1.0}, 0.0, 1.0);
}

TEST(KolmogorovSmirnovTest, TwoVsThree) {
  // st.ks_2samp([1.0, 2.0], [1.5, 2.5, 3.5])
  ExpectGolden({1.0, 2.0}, {1.5, 2.5, 3.5}, 0.6666666666666666, 0.6);
}

TEST(KolmogorovSmirnovTest, EqualSizesExact) {
  // st.ks_2samp(normal(1, 50), normal(2, 50, 0.5))
  ExpectGolden(SortedNormal(1, 50), SortedNormal(2, 50, 0.5), 0.36, 0.002834980581320342);
  // st.ks_2samp(normal(3, 500), normal(4, 500, 0.1))
  ExpectGolden(SortedNormal(3, 500), SortedNormal(4, 500, 0.1), 0.076, 0.11136835555551457);
  // st.ks_2samp(normal(5, 5000), normal(6, 5000, 0.05))
  ExpectGolden(SortedNormal(5, 5000), SortedNormal(6, 5000, 0.05), 0.0256, 0.07549139379338214);
}

TEST(KolmogorovSmirnovTest, UnequalSizesExact) {
  // st.ks_2samp(normal(9, 500), normal(10, 400, 0.2))
  ExpectGolden(SortedNormal(9, 500), SortedNormal(10, 400, 0.2), 0.1155, 0.004901794814851799);
  // st.ks_2samp(normal(11, 5000), normal(12, 3000, 0.05))
  ExpectGolden(SortedNormal(11, 5000), SortedNormal(12, 3000, 0.05), 0.037733333333333334,
               0.009377058616984173);
  // The largest exact case, coprime sizes:
  // st.ks_2samp(normal(13, 10000), normal(14, 9999))
  ExpectGolden(SortedNormal(13, 10000), SortedNormal(14, 9999), 0.014657295729572957,
               0.22936398001581584);
}

TEST(KolmogorovSmirnovTest, ShiftedNormalsAsymptotic) {
  // st.ks_2samp(normal(7, 20000), normal(8, 20000, 0.02))  (kstwo: Pelz-Good)
  ExpectGolden(SortedNormal(7, 20000), SortedNormal(8, 20000, 0.02), 0.0121, 0.10610785316451377);
  // st.ks_2samp(normal(15, 20000), normal(16, 15000, 0.01))
  ExpectGolden(SortedNormal(15, 20000), SortedNormal(16, 15000, 0.01), 0.005933333333333346,
               0.9217151293240948);
}

TEST(KolmogorovSmirnovTest, AsymptoticWithSmallEffectiveSize) {
  // round(n1 n2 / (n1 + n2)) = 3, 60, 149: Durbin matrix, Pomeranz, Pelz-Good.
  // st.ks_2samp(normal(26, 20000), normal(27, 3, 0.5))
  ExpectGolden(SortedNormal(26, 20000), SortedNormal(27, 3, 0.5), 0.38985, 0.6228446608595002);
  // st.ks_2samp(normal(28, 20000), normal(29, 60, 0.3))
  ExpectGolden(SortedNormal(28, 20000), SortedNormal(29, 60, 0.3), 0.24956666666666666,
               0.0008862184064788448);
  // st.ks_2samp(normal(30, 20000), normal(31, 150, 0.1))
  ExpectGolden(SortedNormal(30, 20000), SortedNormal(31, 150, 0.1), 0.10385, 0.07478684797701529);
}

TEST(KolmogorovSmirnovTest, ManyTies) {
  // st.ks_2samp(quantized(17, 300, 0.0, 0.25), quantized(18, 200, 0.3, 0.25))
  ExpectGolden(SortedQuantized(17, 300, 0.0, 0.25), SortedQuantized(18, 200, 0.3, 0.25),
               0.17666666666666667, 0.001002471571768212);
  // Asymptotic, kstwo via the Smirnov sum:
  // st.ks_2samp(quantized(19, 30000, 0.0, 0.5), quantized(20, 20000, 0.05, 0.5))
  ExpectGolden(SortedQuantized(19, 30000, 0.0, 0.5), SortedQuantized(20, 20000, 0.05, 0.5),
               0.021133333333333337, 4.359204871707351e-05);
}

TEST(KolmogorovSmirnovTest, IdenticalSamplesHavePValueOne) {
  // st.ks_2samp(normal(21, 300), normal(21, 300))
  ExpectGolden(SortedNormal(21, 300), SortedNormal(21, 300), 0.0, 1.0);
  ExpectGolden(SortedNormal(21, 20000), SortedNormal(21, 20000), 0.0, 1.0);
}

TEST(KolmogorovSmirnovTest, DisjointSupports) {
  // st.ks_2samp(normal(22, 12), normal(23, 20, 100.0))
  ExpectGolden(SortedNormal(22, 12), SortedNormal(23, 20, 100.0), 1.0, 8.857676797900237e-09);
  // st.ks_2samp(normal(24, 20000), normal(25, 12000, 100.0))
  ExpectGolden(SortedNormal(24, 20000), SortedNormal(25, 12000, 100.0), 1.0, 0.0);
}

TEST(KolmogorovSmirnovTest, SymmetricInItsArguments) {
  const std::vector<double> a = SortedNormal(9, 500);
  const std::vector<double> b = SortedNormal(10, 400, 0.2);
  const Result<TestStatistic> ab = KolmogorovSmirnov(a, b);
  const Result<TestStatistic> ba = KolmogorovSmirnov(b, a);
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_EQ(ab->statistic, ba->statistic);
  EXPECT_EQ(ab->p_value, ba->p_value);
}

TEST(KolmogorovSmirnovTest, EmptySampleIsInvalid) {
  const std::vector<double> empty;
  const std::vector<double> one = {1.0};
  EXPECT_EQ(KolmogorovSmirnov(empty, one).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(KolmogorovSmirnov(one, empty).status().code(), StatusCode::kInvalidArgument);
}

struct SfGolden {
  int64_t n;
  double x;
  double sf;
};

TEST(KolmogorovDistributionTest, TwoSidedSfMatchesKstwoInEveryRegime) {
  // float(st.kstwo.sf(x, n)) for each (n, x).
  const SfGolden goldens[] = {
      {10, 0.05, 1.0},                        // below the support
      {10, 0.07, 0.9999999619492741},         // Ruben-Gambino, lower end
      {1, 0.7, 0.6000000000000001},           // Ruben-Gambino, n = 1
      {2, 0.26, 0.9992},                      // Ruben-Gambino
      {1000, 0.0008, 1.0},                    // Ruben-Gambino, n > 140
      {10, 0.95, 1.9531250000000172e-13},     // Ruben-Gambino, upper end
      {20, 0.6, 2.0483011649719853e-07},      // x >= 0.5: 2 * smirnov
      {3, 0.4, 0.5946666666666665},           // Durbin matrix, n <= 140
      {100, 0.05, 0.9532159710635725},        // Durbin matrix, n <= 140
      {100, 0.15, 0.019839242125643017},      // Pomeranz
      {100, 0.3, 1.7719869892662917e-08},     // Miller (2 * smirnov)
      {140, 0.2, 2.1981563302200222e-05},     // Miller (2 * smirnov)
      {10000, 0.0025, 0.9999999655622609},    // Durbin matrix, n > 140
      {10000, 0.01, 0.2682191277029192},      // Pelz-Good
      {10000, 0.02, 0.0006616848639387309},   // 2 * smirnov
      {10000, 0.1, 1.6633113315950355e-87},   // 2 * smirnov, far tail
      {10000, 0.2, 0.0},                      // n x^2 >= 370
      {200000, 0.002, 0.39995085369038097},   // Pelz-Good, n > 1e5
      {200000, 0.004, 0.003314212822560255},  // 2 * smirnov
  };
  for (const SfGolden& g : goldens) {
    const double sf = KolmogorovTwoSidedSf(g.n, g.x);
    EXPECT_NEAR(sf, g.sf, 1e-9) << "n=" << g.n << " x=" << g.x;
    if (g.sf > 0) {
      EXPECT_NEAR(sf / g.sf, 1.0, 1e-9) << "n=" << g.n << " x=" << g.x;
    }
  }
}

TEST(KolmogorovDistributionTest, TwoSidedSfOutsideSupport) {
  EXPECT_EQ(KolmogorovTwoSidedSf(100, 0.005), 1.0);  // x <= 1/(2n)
  EXPECT_EQ(KolmogorovTwoSidedSf(100, 0.0), 1.0);
  EXPECT_EQ(KolmogorovTwoSidedSf(100, 1.0), 0.0);
  EXPECT_TRUE(std::isnan(KolmogorovTwoSidedSf(0, 0.5)));
}

TEST(KolmogorovDistributionTest, SmirnovSfMatchesScipySpecial) {
  // float(sp.smirnov(n, x)) for each (n, x).
  const SfGolden goldens[] = {
      {1, 0.3, 0.7},
      {10, 0.3, 0.1354635556},
      {1000, 0.05, 0.006506037390545166},
      {500000, 0.002, 0.018291201767145205},
      {2000000, 0.001, 0.018303432023617325},  // n > 1e6: SciPy's approximation
  };
  for (const SfGolden& g : goldens) {
    const double sf = SmirnovSf(g.n, g.x);
    EXPECT_NEAR(sf / g.sf, 1.0, 1e-9) << "n=" << g.n << " x=" << g.x;
  }
}

}  // namespace
}  // namespace ferry::monitoring
