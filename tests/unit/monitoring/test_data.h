// Deterministic test data for the monitoring tests: splitmix64, portable so
// the C++ tests and the Python scripts that made their SciPy goldens draw
// identical numbers.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

namespace ferry::monitoring::test_data {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Normal() {  // Box-Muller
    const double u = 1.0 - Uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * Uniform());
  }

 private:
  uint64_t state_;
};

// n approximately normal values (Irwin-Hall: 12 uniforms - 6) plus shift,
// sorted, as drift tests take their columns. Only additions, so Python
// reproduces them exactly.
inline std::vector<double> SortedNormal(uint64_t seed, int n, double shift = 0.0) {
  SplitMix64 rng(seed);
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    double s = 0.0;
    for (int k = 0; k < 12; ++k) s += rng.Uniform();
    out.push_back(s - 6.0 + shift);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// SortedNormal rounded to multiples of `step`: many ties.
inline std::vector<double> SortedQuantized(uint64_t seed, int n, double shift, double step) {
  std::vector<double> out = SortedNormal(seed, n, shift);
  for (double& v : out) v = std::floor(v / step + 0.5) * step;
  return out;
}

}  // namespace ferry::monitoring::test_data
