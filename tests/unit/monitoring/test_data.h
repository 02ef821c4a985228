// Deterministic test data for the monitoring tests: splitmix64, portable so
// the C++ tests and the Python scripts that made their SciPy goldens draw
// identical numbers.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <numbers>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "core/status.h"
#include "monitoring/stats/test_statistic.h"
#include "monitoring/table.h"

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
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }

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

// Runs a two-sample test on the samples, sorted, and checks it against
// SciPy's golden answer: the statistic to 1e-9 relative, the p-value to 1e-9
// absolute. Returns the answer for further checks (empty on failure).
using TwoSampleTest = std::function<Result<TestStatistic>(std::span<const double>, std::span<const double>)>;

inline std::optional<TestStatistic> ExpectGolden(const TwoSampleTest& test, std::vector<double> ref,
                                                 std::vector<double> cur, double statistic, double p_value) {
  std::sort(ref.begin(), ref.end());
  std::sort(cur.begin(), cur.end());
  const Result<TestStatistic> r = test(ref, cur);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return std::nullopt;
  EXPECT_NEAR(r->statistic, statistic, 1e-9 * std::max(1.0, std::fabs(statistic)));
  EXPECT_NEAR(r->p_value, p_value, 1e-9);
  return *r;
}

// Typed columns and tables built directly, as the CSV reader would.
inline Column Numerical(const std::string& name, std::vector<double> values, uint64_t missing = 0) {
  Column c;
  c.name = name;
  c.kind = ColumnKind::kNumerical;
  c.rows = values.size() + missing;
  c.missing = missing;
  c.numbers = std::move(values);
  return c;
}

// Values in first-seen order as the dictionary, like the CSV reader.
inline Column Categorical(const std::string& name, const std::vector<std::string>& values,
                          uint64_t missing = 0) {
  Column c;
  c.name = name;
  c.kind = ColumnKind::kCategorical;
  c.rows = values.size() + missing;
  c.missing = missing;
  std::map<std::string, uint32_t> code;
  for (const std::string& v : values) {
    auto [it, added] = code.try_emplace(v, static_cast<uint32_t>(c.dictionary.size()));
    if (added) c.dictionary.push_back(v);
    c.codes.push_back(it->second);
  }
  return c;
}

inline Table TableOf(std::vector<Column> columns) {
  Table t;
  t.rows = columns.empty() ? 0 : columns[0].rows;
  t.columns = std::move(columns);
  return t;
}

}  // namespace ferry::monitoring::test_data
