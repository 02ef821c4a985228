#include "monitoring/stats/ks_distribution.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <utility>
#include <vector>

#include "monitoring/stats/special_functions.h"

namespace ferry::monitoring {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Intermediate results are rescaled by 2^+-128 to stay inside double's range.
constexpr int kScaleExponent = 128;
constexpr double kBig = 0x1p128;
constexpr double kSmall = 0x1p-128;
// Below this Simard & L'Ecuyer's small-n algorithms are used.
constexpr int64_t kSmallN = 140;

double Clip01(double p) { return std::clamp(p, 0.0, 1.0); }

// log(n! / n^n) by Stirling's series with n*log(n) removed up front.
double LogFactorialOverPower(double n) {
  // B_{2j} / (2j (2j-1)) for j = 8 .. 1, highest power first.
  static constexpr std::array<double, 8> kCoeffs = {
      -2.955065359477124183e-2,  6.4102564102564102564e-3, -1.9175269175269175269e-3,
      8.4175084175084175084e-4,  -5.952380952380952381e-4, 7.9365079365079365079e-4,
      -2.7777777777777777778e-3, 8.3333333333333333333e-2};
  const double rn = 1.0 / n;
  double poly = 0;
  for (double c : kCoeffs) poly = poly * (rn / n) + c;
  return std::log(n) / 2 - n + std::log(2 * kPi) / 2 + rn * poly;
}

// Ruben-Gambino: Pr(D_n <= x) = n!/n^n (2nx - 1)^n for 1/(2n) <= x <= 1/n.
double RubenGambinoLowerCdf(int64_t n, double t) {
  if (n <= kSmallN) {
    double prob = 1.0;
    for (int64_t i = 1; i <= n; ++i) {
      prob *= (static_cast<double>(i) * (1.0 / static_cast<double>(n))) * (2 * t - 1);
    }
    return prob;
  }
  const double dn = static_cast<double>(n);
  return std::exp(LogFactorialOverPower(dn) + dn * std::log(2 * t - 1));
}

// Dense square matrix, row-major; only what the Durbin recursion needs.
class SquareMatrix {
 public:
  explicit SquareMatrix(int size)
      : size_(size), a_(static_cast<size_t>(size) * size, 0.0) {}
  double& at(int r, int c) { return a_[static_cast<size_t>(r) * size_ + c]; }
  double at(int r, int c) const { return a_[static_cast<size_t>(r) * size_ + c]; }
  void Scale(double f) {
    for (double& v : a_) v *= f;
  }
  SquareMatrix Times(const SquareMatrix& b) const {
    SquareMatrix out(size_);
    for (int i = 0; i < size_; ++i) {
      for (int k = 0; k < size_; ++k) {
        const double aik = at(i, k);
        for (int j = 0; j < size_; ++j) out.at(i, j) += aik * b.at(k, j);
      }
    }
    return out;
  }

 private:
  int size_;
  std::vector<double> a_;
};

// Durbin's (1968) matrix H for d = (k - h)/n, as set up by Marsaglia, Tsang
// and Wang (2003).
SquareMatrix DurbinMatrix(int k, double h) {
  const int m = 2 * k - 1;
  std::vector<double> v(m), w(m);
  double fac = 1.0;
  for (int j = 1; j <= m; ++j) {
    w[j - 1] = fac;
    fac /= j;  // may underflow to 0 for large m; harmless
    v[j - 1] = (1.0 - std::pow(h, j)) * fac;
  }
  const double tt = std::pow(std::max(2 * h - 1.0, 0.0), m) - 2 * std::pow(h, m);
  v[m - 1] = (1.0 + tt) * fac;
  SquareMatrix H(m);
  for (int i = 1; i < m; ++i) {
    for (int r = i - 1; r < m; ++r) H.at(r, i) = w[r - i + 1];
  }
  for (int r = 0; r < m; ++r) H.at(r, 0) = v[r];
  for (int c = 0; c < m; ++c) H.at(m - 1, c) = v[m - 1 - c];
  return H;
}

// Pr(D_n <= d): the (k,k) entry of n!/n^n H^n, by repeated squaring with a
// separately tracked binary exponent. O(m^3 log n) for m = 2*ceil(nd) - 1.
double DurbinMatrixCdf(int64_t n, double d) {
  if (d >= 1.0) return 1.0;
  const double nd = static_cast<double>(n) * d;
  if (nd <= 0.5) return 0.0;
  const int k = static_cast<int>(std::ceil(nd));
  SquareMatrix H = DurbinMatrix(k, k - nd);
  const int m = 2 * k - 1;
  SquareMatrix power(m);
  for (int i = 0; i < m; ++i) power.at(i, i) = 1.0;
  int64_t power_exponent = 0;
  int64_t h_exponent = 0;
  for (int64_t nn = n;;) {
    if (nn % 2 != 0) {
      power = power.Times(H);
      power_exponent += h_exponent;
    }
    nn /= 2;
    if (nn == 0) break;
    H = H.Times(H);
    h_exponent *= 2;
    if (std::fabs(H.at(k - 1, k - 1)) > kBig) {
      H.Scale(kSmall);
      h_exponent += kScaleExponent;
    }
  }
  double p = power.at(k - 1, k - 1);
  for (int64_t i = 1; i <= n; ++i) {
    p = static_cast<double>(i) * p / static_cast<double>(n);
    if (std::fabs(p) < kSmall) {
      p *= kBig;
      power_exponent -= kScaleExponent;
    }
  }
  return Clip01(std::ldexp(p, static_cast<int>(power_exponent)));
}

struct Band {
  int64_t lo;
  int64_t hi;
};

// Columns of row i of the Pomeranz table that can be non-zero.
Band PomeranzBand(int64_t i, int64_t n, int64_t ll, int ceilf, int roundf) {
  int64_t j1;
  int64_t j2;
  if (i == 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const int64_t half = (i + 1) / 2;
    if ((i + 1) % 2 == 0) {  // i odd
      if (half == n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return {std::max<int64_t>(j1 + 2, 0), std::min(j2, n)};
}

// x^m / m! * scale^m for m < count (un-normalised Poisson weights).
std::vector<double> ScaledPowers(double x, int64_t count) {
  std::vector<double> out(count);
  out[0] = 1.0;
  for (int64_t m = 1; m < count; ++m) out[m] = out[m - 1] * x / static_cast<double>(m);
  return out;
}

// row[c] = (src * pwrs)[start + c] for c <= last, where src * pwrs is the
// full convolution of src[0, len) with pwrs[0, len).
void ConvolveBand(const double* src, const std::vector<double>& pwrs, int64_t len,
                  int64_t start, int64_t last, std::vector<double>& row) {
  for (int64_t c = 0; c <= last; ++c) {
    const int64_t idx = start + c;
    double acc = 0;
    for (int64_t a = std::max<int64_t>(0, idx - len + 1); a <= std::min(idx, len - 1);
         ++a) {
      acc += src[a] * pwrs[idx - a];
    }
    row[c] = acc;
  }
}

// ans * n! * 2^exponent, rescaling on the way so nothing overflows early.
double TimesFactorial(double ans, int64_t n, int64_t exponent) {
  for (int64_t m = 1; m <= n; ++m) {
    if (std::fabs(ans) > kBig) {
      ans *= kSmall;
      exponent += kScaleExponent;
    }
    ans *= static_cast<double>(m);
  }
  return std::ldexp(ans, static_cast<int>(exponent));
}

// Pr(D_n <= x) by the Pomeranz (1974) recursion: 2n+1 convolutions of a
// narrow band (two rows kept, each with its start column) with Poisson
// weights, rescaled against underflow.
double PomeranzCdf(int64_t n, double x) {
  const double dn = static_cast<double>(n);
  const double t = dn * x;
  const int64_t ll = static_cast<int64_t>(std::floor(t));
  const double f = t - static_cast<double>(ll);
  const double g = std::min(f, 1.0 - f);
  const int ceilf = f > 0 ? 1 : 0;
  const int roundf = f > 0.5 ? 1 : 0;
  const int64_t npwrs = 2 * (ll + 1);
  const std::vector<double> gpower = ScaledPowers(g / dn, npwrs);
  const std::vector<double> twogpower = ScaledPowers(2 * g / dn, npwrs);
  const std::vector<double> onem2gpower = ScaledPowers((1 - 2 * g) / dn, npwrs);

  std::vector<double> v0(npwrs, 0.0);
  std::vector<double> v1(npwrs, 0.0);
  v1[0] = 1.0;
  int64_t v0s = 0;
  int64_t v1s = 0;
  int64_t exponent = 0;
  Band band = PomeranzBand(0, n, ll, ceilf, roundf);
  for (int64_t i = 1; i < 2 * n + 2; ++i) {
    const int64_t k1 = band.lo;
    std::swap(v0, v1);
    std::swap(v0s, v1s);
    std::fill(v1.begin(), v1.end(), 0.0);
    band = PomeranzBand(i, n, ll, ceilf, roundf);
    const std::vector<double>& pwrs =
        (i == 1 || i == 2 * n + 1) ? gpower : (i % 2 != 0 ? twogpower : onem2gpower);
    const int64_t len = band.hi - k1 + 1;
    if (len <= 0) continue;
    ConvolveBand(v0.data() + (k1 - v0s), pwrs, len, band.lo - k1, band.hi - band.lo, v1);
    const double vmax = *std::max_element(v1.begin(), v1.end());
    if (vmax > 0 && vmax < kSmall) {
      for (double& e : v1) e *= kBig;
      exponent -= kScaleExponent;
    }
    v1s = v0s + band.lo - k1;
  }
  return Clip01(TimesFactorial(v1[n - v1s], n, exponent));
}

// Pelz & Good (1976): the Li-Chien/Korolyuk expansion
// K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^1.5, z = x sqrt(n), rewritten
// with Jacobi theta identities so it converges fast for small z. This part:
// the sums over odd m = 2k - 1 of c_i(m) q^(m^2), by Horner in q^8.
std::array<double, 4> PelzGoodOddSums(double z, int64_t maxk) {
  const double pi2 = std::pow(kPi, 2);
  const double pi4 = std::pow(kPi, 4);
  const double pi6 = std::pow(kPi, 6);
  const double z2 = z * z;
  const double z4 = std::pow(z, 4);
  const double z6 = std::pow(z, 6);
  const double k1a = -z2;
  const double k1b = pi2 / 4;
  const double k2a = 6 * z6 + 2 * z4;
  const double k2b = (2 * z4 - 5 * z2) * pi2 / 4;
  const double k2c = pi4 * (1 - 2 * z2) / 16;
  const double k3d = pi6 * (5 - 30 * z2) / 64;
  const double k3c = pi4 * (-60 * z2 + 212 * z4) / 16;
  const double k3b = pi2 * (135 * z4 - 96 * z6) / 4;
  const double k3a = -30 * z6 - 90 * std::pow(z, 8);
  const double q = std::exp(-pi2 / 8 / z2);
  std::array<double, 4> terms = {0, 0, 0, 0};
  for (int64_t k = maxk; k > 0; --k) {
    const double m = static_cast<double>(2 * k - 1);
    const double m2 = m * m;
    const double m4 = std::pow(m, 4);
    const double m6 = std::pow(m, 6);
    const double qpower = std::pow(q, static_cast<double>(8 * k));
    const std::array<double, 4> coeffs = {1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4,
                                          k3a + k3b * m2 + k3c * m4 + k3d * m6};
    for (int i = 0; i < 4; ++i) terms[i] = terms[i] * qpower + coeffs[i];
  }
  const std::array<double, 4> divisors = {z, 6 * z4, 72 * std::pow(z, 7),
                                          6480 * std::pow(z, 10)};
  for (int i = 0; i < 4; ++i) terms[i] = terms[i] * q * std::sqrt(2 * kPi) / divisors[i];
  return terms;
}

// The remaining sums over all integers k that K2 and K3 carry.
void AddPelzGoodIntegerSums(double z, int64_t maxk, std::array<double, 4>& terms) {
  const double pi2 = std::pow(kPi, 2);
  const double q = std::exp(-pi2 / 2 / (z * z));
  const double sqrt3z = std::sqrt(3.0) * z;
  double k2extra = 0;
  double k3extra = 0;
  for (int64_t k = maxk; k > 0; --k) {
    const double dk = static_cast<double>(k);
    const double k2 = dk * dk;
    const double qk = std::pow(q, k2);
    const double kpi = kPi * dk;
    k2extra += k2 * qk;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk;
  }
  terms[2] += k2extra * (pi2 * std::sqrt(2 * kPi) / (-36 * std::pow(z, 3)));
  terms[3] += k3extra * (pi2 * std::sqrt(2 * kPi) / (216 * std::pow(z, 6)));
}

// Returns the (unclipped) Pelz-Good approximation of Pr(D_n <= x).
double PelzGoodCdf(int64_t n, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double z = std::sqrt(static_cast<double>(n)) * x;
  if (-std::pow(kPi, 2) / 8 / (z * z) < -708) return 0.0;  // z < ~0.0417
  const auto maxk = static_cast<int64_t>(std::ceil(16 * z / kPi));
  std::array<double, 4> terms = PelzGoodOddSums(z, maxk);
  AddPelzGoodIntegerSums(z, maxk, terms);
  double total = 0;
  for (int i = 0; i < 4; ++i) {
    total += terms[i] / std::pow(static_cast<double>(n), i / 2.0);
  }
  return total;
}

// Pr(D_n >= x) for 1/(2n) < x < 1 (Simard & L'Ecuyer 2011's choice of
// method, as scipy's _kolmogn(n, x, cdf=False)).
double KolmogornSf(int64_t n, double x) {
  const double dn = static_cast<double>(n);
  const double t = dn * x;
  if (t <= 1.0) {
    if (t <= 0.5) return 1.0;
    return Clip01(1.0 - RubenGambinoLowerCdf(n, t));
  }
  if (t >= dn - 1) return Clip01(2 * std::pow(1.0 - x, dn));  // Ruben-Gambino
  if (x >= 0.5) return Clip01(2 * SmirnovSf(n, x));           // exact
  const double nxsquared = t * x;
  if (n <= kSmallN) {
    if (nxsquared <= 0.754693) return Clip01(1.0 - DurbinMatrixCdf(n, x));
    if (nxsquared <= 4) return Clip01(1.0 - PomeranzCdf(n, x));
    return Clip01(2 * SmirnovSf(n, x));  // Miller's approximation
  }
  if (nxsquared >= 370.0) return 0.0;
  if (nxsquared >= 2.2) return Clip01(2 * SmirnovSf(n, x));
  const bool durbin = n <= 100000 && dn * std::pow(x, 1.5) <= 1.4;
  const double cdf = durbin ? DurbinMatrixCdf(n, x) : PelzGoodCdf(n, x);
  return Clip01(1.0 - cdf);
}

// Pr(D_n^+ >= x) needs an O(n)-term sum below this size, an approximation above.
constexpr int64_t kSmirnovMaxComputeN = 1000000;
// exp() of anything below this underflows (cephes MINLOG).
constexpr double kMinLog = -7.08396418532264106224e2;

// log A_v for the Birnbaum-Tingey term
//   A_v = C(n, v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v),  1 <= v < n - nx,
// with log C(n, v) split into Stirling parts so that no large, nearly equal
// logarithms are subtracted: the error is ~nx*eps rather than ~n*log(n)*eps.
double LogBirnbaumTingeyTerm(int64_t n, double nx, int64_t v) {
  const double dn = static_cast<double>(n);
  const double dv = static_cast<double>(v);
  const double dw = static_cast<double>(n - v);
  const double ratio = nx / dw;
  if (ratio >= 1) return -std::numeric_limits<double>::infinity();
  return dv * std::log1p(nx / dv) + dw * std::log1p(-ratio) - std::log((nx + dv) / dn) -
         0.5 * std::log(2 * kPi * dv * (dw / dn)) + StirlingError(n) - StirlingError(v) -
         StirlingError(n - v);
}

// sum_{v < terms} A_v, stopping (as cephes does) once the remaining terms
// cannot move the sum by an ulp.
double BirnbaumTingeySum(int64_t n, double x, double nx, int64_t terms) {
  CompensatedSum sum;
  sum.Add(std::exp(static_cast<double>(n) * std::log1p(-x)) / x);  // v = 0
  const int64_t vmid = n / 2;
  for (int64_t v = 1; v < terms; ++v) {
    const double a = std::exp(LogBirnbaumTingeyTerm(n, nx, v));
    if (std::isfinite(a) && a != 0) sum.Add(a);
    if (a != 0) {
      const double bound = 4.0 * static_cast<double>(terms - v) * std::fabs(a);
      if (bound < std::numeric_limits<double>::epsilon() * sum.Total() && v != terms - 1)
        break;
    } else if (v > vmid) {
      break;
    }
  }
  return sum.Total();
}

}  // namespace

double SmirnovSf(int64_t n, double x) {
  if (!(n > 0 && x >= 0.0 && x <= 1.0)) return kNaN;
  if (n == 1) return 1.0 - x;
  if (x == 0.0) return 1.0;
  if (x == 1.0) return 0.0;
  const double dn = static_cast<double>(n);
  const double nx = dn * x;
  const double nx_error = std::fma(dn, x, -nx);  // n*x == nx + nx_error exactly
  double nx_floor = std::floor(nx);
  if (nx_floor == nx && nx_error < 0) nx_floor -= 1;
  if (nx < 1 || (nx == 1 && nx_error <= 0)) {  // x <= 1/n: closed form
    return Clip01(1.0 - x * std::pow(1.0 + x, dn - 1));
  }
  if (-2 * dn * x * x < kMinLog) return 0.0;
  if (nx_floor >= dn - 1) return Clip01(std::pow(1.0 - x, dn));  // x >= 1 - 1/n
  if (n > kSmirnovMaxComputeN) {
    // p ~ exp(-(6nx + 1)^2 / 18n)
    const double logp = -std::pow(6.0 * dn * x + 1, 2) / 18.0 / dn;
    if (logp < -std::numbers::ln2) return std::exp(logp);
    return Clip01(1.0 - (-std::expm1(logp)));
  }
  const int64_t terms = n - static_cast<int64_t>(nx_floor);
  return Clip01(x * BirnbaumTingeySum(n, x, nx, terms));
}

double KolmogorovTwoSidedSf(int64_t n, double x) {
  if (n < 1 || std::isnan(x)) return kNaN;
  if (x <= 0.5 / static_cast<double>(n)) return 1.0;  // below the support
  if (x >= 1.0) return 0.0;
  return KolmogornSf(n, x);
}

}  // namespace ferry::monitoring
