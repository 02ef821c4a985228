// Small numerical helpers shared by the drift tests (monitoring/stats).
//
// Header-only and pure: thread-safe, no allocation.
#pragma once

#include <cmath>
#include <cstdint>

namespace ferry::monitoring {

// Neumaier's compensated summation: the error of a sum of n terms stays near
// one rounding of the result instead of growing with n. The tests sum up to
// 2e6 terms, where plain summation could lose ~1e-10 relative.
class CompensatedSum {
 public:
  void Add(double x) {
    const double t = sum_ + x;
    if (std::fabs(sum_) >= std::fabs(x)) {
      compensation_ += (sum_ - t) + x;
    } else {
      compensation_ += (x - t) + sum_;
    }
    sum_ = t;
  }
  double Total() const { return sum_ + compensation_; }

 private:
  double sum_ = 0;
  double compensation_ = 0;
};

// Stirling's error term log(k!) - [(k + 1/2) log k - k + log(2 pi) / 2],
// k >= 1, to ~1e-16 absolute. Lets log-binomials of large arguments be
// formed without subtracting huge, nearly equal lgamma values. (A table
// rather than std::lgamma, which writes the global signgam.)
inline double StirlingError(int64_t k) {
  static constexpr double kTable[16] = {0.0,  // unused
                                        8.10614667953272610701e-02,
                                        4.13406959554092970355e-02,
                                        2.76779256849983383570e-02,
                                        2.07906721037650933648e-02,
                                        1.66446911898211931391e-02,
                                        1.38761288230707484359e-02,
                                        1.18967099458917695276e-02,
                                        1.04112652619720962022e-02,
                                        9.25546218271273285483e-03,
                                        8.33056343336287079271e-03,
                                        7.57367548795184059029e-03,
                                        6.94284010720952991791e-03,
                                        6.40899418800420714315e-03,
                                        5.95137011275884749567e-03,
                                        5.55473355196280105250e-03};
  if (k <= 15) return kTable[k];
  const double r = 1.0 / static_cast<double>(k);
  const double r2 = r * r;
  return r * (1.0 / 12 -
              r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 - r2 / 1188))));
}

// Floor and ceiling of a / b for b > 0 and any sign of a (Python's //).
inline int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}
inline int64_t CeilDiv(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

}  // namespace ferry::monitoring
