#include "monitoring/sketch/hll.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace ferry::monitoring {
namespace {

constexpr uint8_t kVersion = 1;
constexpr uint8_t kFamily = 'H';
constexpr size_t kHeaderBytes = 3;  // version, family, precision

// 2^-r for every possible register value r in [0, 64].
constexpr std::array<double, 65> MakeInversePowers() {
  std::array<double, 65> powers{};
  double x = 1.0;
  for (double& p : powers) {
    p = x;
    x /= 2;
  }
  return powers;
}
constexpr std::array<double, 65> kInversePowers = MakeInversePowers();

// The bias constant alpha_m from Flajolet et al. 2007, Figure 3.
double Alpha(size_t m) {
  switch (m) {
    case 16:
      return 0.673;
    case 32:
      return 0.697;
    case 64:
      return 0.709;
    default:
      return 0.7213 / (1.0 + 1.079 / static_cast<double>(m));
  }
}

uint8_t MaxRank(uint8_t precision) { return static_cast<uint8_t>(65 - precision); }

Status Corrupt(const std::string& what) {
  return InvalidArgument("HyperLogLog encoding: " + what);
}

}  // namespace

HyperLogLog::HyperLogLog(uint8_t precision)
    : precision_(std::clamp(precision, kMinPrecision, kMaxPrecision)),
      registers_(size_t{1} << precision_, 0) {}

Status HyperLogLog::Merge(const HyperLogLog& other) {
  if (other.precision_ != precision_) {
    return InvalidArgument(
        "HyperLogLog precision mismatch: " + std::to_string(precision_) + " vs " +
        std::to_string(other.precision_));
  }
  for (size_t i = 0; i < registers_.size(); ++i) {
    registers_[i] = std::max(registers_[i], other.registers_[i]);
  }
  return Status::Ok();
}

double HyperLogLog::Estimate() const {
  double inverse_sum = 0.0;
  size_t zeros = 0;
  for (uint8_t rank : registers_) {
    inverse_sum += kInversePowers[rank];
    zeros += rank == 0;
  }
  const double m = static_cast<double>(registers_.size());
  const double raw = Alpha(registers_.size()) * m * m / inverse_sum;
  if (raw <= 2.5 * m && zeros > 0) {
    return m * std::log(m / static_cast<double>(zeros));  // linear counting
  }
  return raw;
}

double HyperLogLog::RelativeStandardError(uint8_t precision) {
  return 1.04 / std::sqrt(std::ldexp(1.0, precision));
}

// u8 version, u8 family 'H', u8 precision, then 2^precision one-byte
// registers.
void HyperLogLog::AppendTo(std::string* out) const {
  out->push_back(static_cast<char>(kVersion));
  out->push_back(static_cast<char>(kFamily));
  out->push_back(static_cast<char>(precision_));
  out->append(reinterpret_cast<const char*>(registers_.data()), registers_.size());
}

Result<HyperLogLog> HyperLogLog::Parse(std::string_view bytes) {
  if (bytes.size() < kHeaderBytes) return Corrupt("truncated header");
  const auto version = static_cast<uint8_t>(bytes[0]);
  const auto family = static_cast<uint8_t>(bytes[1]);
  const auto precision = static_cast<uint8_t>(bytes[2]);
  if (version != kVersion) {
    return Corrupt("unsupported version " + std::to_string(version));
  }
  if (family != kFamily) return Corrupt("not a HyperLogLog sketch");
  if (precision < kMinPrecision || precision > kMaxPrecision) {
    return Corrupt("precision out of range");
  }
  bytes.remove_prefix(kHeaderBytes);
  if (bytes.size() != size_t{1} << precision) {
    return Corrupt("register count does not match precision");
  }
  HyperLogLog sketch(precision);
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto rank = static_cast<uint8_t>(bytes[i]);
    if (rank > MaxRank(precision)) return Corrupt("register out of range");
    sketch.registers_[i] = rank;
  }
  return sketch;
}

}  // namespace ferry::monitoring
