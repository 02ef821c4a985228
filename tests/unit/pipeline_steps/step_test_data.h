// Shared by the pipeline-step tests: a temporary folder, and small
// deterministic CSVs (a fixed LCG, not std:: distributions, whose output may
// differ between standard libraries).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace ferry::pipelines::steps::testing {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("ferry_steps_test_" + std::to_string(rd()) +
                                         "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Uniform values in [0, 1) from a fixed linear congruential generator.
class Lcg {
 public:
  explicit Lcg(uint32_t seed) : state_(seed) {}
  double Next() {
    state_ = state_ * 1664525u + 1013904223u;
    return static_cast<double>(state_ >> 8) / static_cast<double>(1u << 24);
  }

 private:
  uint32_t state_;
};

// x0..x3 in [0, 1) and y ~ Bernoulli(sigmoid(6 (x0 + x1 - 1) + x2 - 0.5)):
// learnable, with label noise. Every 13th row leaves x3 empty (missing).
inline std::string BinaryCsv(int rows, uint32_t seed) {
  Lcg lcg(seed);
  std::string csv = "x0,x1,x2,x3,y\n";
  for (int r = 0; r < rows; ++r) {
    double x[4];
    for (double& v : x) v = lcg.Next();
    double p = 1.0 / (1.0 + std::exp(-(6 * (x[0] + x[1] - 1) + x[2] - 0.5)));
    int y = lcg.Next() < p ? 1 : 0;
    std::ostringstream row;
    row.precision(6);
    row << x[0] << ',' << x[1] << ',' << x[2] << ',';
    if (r % 13 != 0) row << x[3];
    row << ',' << y << '\n';
    csv += row.str();
  }
  return csv;
}

// y = 3 x0 - 2 x1 + x2 x3 + noise.
inline std::string RegressionCsv(int rows, uint32_t seed) {
  Lcg lcg(seed);
  std::string csv = "x0,x1,x2,x3,y\n";
  for (int r = 0; r < rows; ++r) {
    double x[4];
    for (double& v : x) v = lcg.Next();
    double y = 3 * x[0] - 2 * x[1] + x[2] * x[3] + 0.2 * (lcg.Next() - 0.5);
    std::ostringstream row;
    row.precision(6);
    row << x[0] << ',' << x[1] << ',' << x[2] << ',' << x[3] << ',' << y << '\n';
    csv += row.str();
  }
  return csv;
}

// Three classes by x0's third, with x1 as noise.
inline std::string MulticlassCsv(int rows, uint32_t seed) {
  Lcg lcg(seed);
  std::string csv = "x0,x1,y\n";
  for (int r = 0; r < rows; ++r) {
    double x0 = lcg.Next(), x1 = lcg.Next();
    int y = x0 < 1.0 / 3 ? 0 : x0 < 2.0 / 3 ? 1 : 2;
    std::ostringstream row;
    row.precision(6);
    row << x0 << ',' << x1 << ',' << y << '\n';
    csv += row.str();
  }
  return csv;
}

}  // namespace ferry::pipelines::steps::testing
