#include "cli/quickstart/credit_data.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numbers>
#include <random>

// Fused multiply-adds would change the last bits of some values on some
// targets; GCC in ISO mode (-std=c++20) never fuses, clang must be told.
#ifdef __clang__
#pragma clang fp contract(off)
#endif

namespace ferry::quickstart {

const std::vector<std::string> kCreditFeatures = {
    "age",          "income",        "debt_ratio",      "utilization",
    "credit_lines", "late_payments", "months_employed", "loan_amount"};

namespace {

// std::mt19937_64 is specified bit for bit; the distributions of <random> are
// not, so the transforms below are our own.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // Uniform in [0, 1), 53 random bits.
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Standard normal by Box–Muller; the second value of each pair is kept.
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double radius =
        std::sqrt(-2.0 * std::log(1.0 - Uniform()));  // 1 - U is in (0, 1]
    const double angle = 2.0 * std::numbers::pi * Uniform();
    spare_ = radius * std::sin(angle);
    has_spare_ = true;
    return radius * std::cos(angle);
  }

  // Poisson by multiplying uniforms (Knuth); fine for the small means used here.
  double Poisson(double mean) {
    const double limit = std::exp(-mean);
    double product = Uniform();
    int count = 0;
    while (product > limit) {
      ++count;
      product *= Uniform();
    }
    return count;
  }

  bool Bernoulli(double p) { return Uniform() < p; }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0;
  bool has_spare_ = false;
};

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double RoundTo(double x, double step) { return std::round(x / step) * step; }

constexpr double kMedianIncome = 50000;

// Under 30 uniformly; from 30 a truncated exponential, so most applicants are
// 30-50 and a few reach 80.
double DrawAge(Rng& rng, double young_share) {
  if (rng.Bernoulli(young_share)) return 18 + std::floor(12 * rng.Uniform());
  const double scale = 15, span = 51;
  const double tail = 1 - std::exp(-span / scale);
  return 30 + std::floor(-scale * std::log(1 - rng.Uniform() * tail));
}

// Latent variables shared by several features, which make them correlate.
struct Applicant {
  double income_z;  // the applicant's income luck, standard normal
  bool young;
};

// Log-normal around the median, rising with age until about 50.
double DrawIncome(double age, double income_z, double shift) {
  const double log_income = std::log(kMedianIncome) + shift +
                            0.35 * std::tanh((age - 32) / 15) + 0.55 * income_z;
  return std::max(6000.0, RoundTo(std::exp(log_income), 1));
}

double DrawMonthsEmployed(Rng& rng, double age, double income_z) {
  const double share = Sigmoid(0.3 + 0.6 * income_z + rng.Normal());
  return std::floor(12 * (age - 17.5) * share);
}

double DrawCreditLines(Rng& rng, double age, double income_z) {
  const double mean = std::max(0.3, 1.2 + 0.06 * (age - 18) + 0.4 * income_z);
  return std::min(30.0, rng.Poisson(mean));
}

// Card balance over limit; poorer and younger applicants run fuller cards.
double DrawUtilization(Rng& rng, double age, double income_z, double shift) {
  const double latent = -0.8 + rng.Normal() - 0.5 * income_z + 0.02 * (35 - age);
  return RoundTo(std::clamp(1.2 * Sigmoid(latent) + shift, 0.0, 1.5), 1e-4);
}

double DrawLatePayments(Rng& rng, double utilization, const Applicant& a) {
  const double mean = 0.1 + 0.9 * utilization * utilization + (a.young ? 0.25 : 0.0) +
                      0.2 * std::max(0.0, -a.income_z);
  return std::min(12.0, rng.Poisson(mean));
}

double DrawDebtRatio(Rng& rng, double utilization, double income_z) {
  const double latent =
      -1.3 + 0.7 * rng.Normal() - 0.35 * income_z + 0.8 * (utilization - 0.35);
  return RoundTo(1.5 * Sigmoid(latent), 1e-4);
}

double DrawLoanAmount(Rng& rng, double income) {
  const double loan = std::exp(std::log(income) - 1.4 + 0.45 * rng.Normal());
  return std::max(500.0, RoundTo(loan, 100));
}

// The default rule the first model learns: late payments, full cards and high
// debt drive defaults; income, age and tenure protect.
double CalmLogit(const CreditRow& r) {
  return -4.4 + 0.85 * r.late_payments + 2.4 * r.utilization + 1.6 * r.debt_ratio -
         0.6 * std::log(r.income / kMedianIncome) +
         0.5 * (std::log(r.loan_amount / r.income) + 1.4) - 0.025 * (r.age - 40) -
         0.06 * std::min(r.months_employed, 120.0) / 12;
}

// The changed rule: late payments no longer matter, utilization past 0.6 is
// what hurts, high debt is dangerous early in a job, and older applicants with
// many open lines are now the riskier ones.
double ShiftedLogit(const CreditRow& r) {
  const bool new_job = r.months_employed < 24;
  return -4.0 + 8.0 * std::max(0.0, r.utilization - 0.6) +
         (new_job ? 4.0 * r.debt_ratio : 0.0) + 0.04 * (r.age - 40) +
         0.6 * std::log(r.credit_lines + 1);
}

CreditRow DrawRow(Rng& rng, const CreditScenario& s) {
  CreditRow r{};
  r.age = DrawAge(rng, s.young_share);
  const Applicant a{rng.Normal(), r.age < 30};
  r.income = DrawIncome(r.age, a.income_z, s.income_shift);
  r.months_employed = DrawMonthsEmployed(rng, r.age, a.income_z);
  r.credit_lines = DrawCreditLines(rng, r.age, a.income_z);
  r.utilization = DrawUtilization(rng, r.age, a.income_z, s.utilization_shift);
  r.late_payments = DrawLatePayments(rng, r.utilization, a);
  r.debt_ratio = DrawDebtRatio(rng, r.utilization, a.income_z);
  r.loan_amount = DrawLoanAmount(rng, r.income);
  const double logit =
      (1 - s.concept_shift) * CalmLogit(r) + s.concept_shift * ShiftedLogit(r);
  r.default_label = rng.Bernoulli(Sigmoid(logit)) ? 1 : 0;
  return r;
}

// Appends `value` with `decimals` places; std::to_chars is exact and ignores
// the locale.
void AppendNumber(std::string& out, double value, int decimals) {
  char buf[64];
  auto [end, ec] =
      std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, decimals);
  out.append(buf, ec == std::errc() ? end : buf);
}

void AppendRow(std::string& out, const CreditRow& r, bool with_label) {
  const double values[] = {
      r.age,          r.income,        r.debt_ratio,      r.utilization,
      r.credit_lines, r.late_payments, r.months_employed, r.loan_amount};
  const int decimals[] = {0, 0, 4, 4, 0, 0, 0, 0};
  for (size_t i = 0; i < std::size(values); ++i) {
    if (i > 0) out += ',';
    AppendNumber(out, values[i], decimals[i]);
  }
  if (with_label) out += r.default_label ? ",1" : ",0";
  out += '\n';
}

std::string Header(bool with_label) {
  std::string header;
  for (const auto& name : kCreditFeatures) header += (header.empty() ? "" : ",") + name;
  return header + (with_label ? ",default\n" : "\n");
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

std::vector<CreditRow> GenerateCredit(size_t rows, uint64_t seed,
                                      const CreditScenario& s) {
  Rng rng(seed);
  std::vector<CreditRow> out;
  out.reserve(rows);
  for (size_t i = 0; i < rows; ++i) out.push_back(DrawRow(rng, s));
  return out;
}

Status WriteCreditCsv(const std::string& path, const std::vector<CreditRow>& rows,
                      bool with_label) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "wb"));
  if (!file) return InvalidArgument("cannot open '" + path + "' for writing");
  std::string text = Header(with_label);
  text.reserve(rows.size() * 64 + text.size());
  for (const auto& r : rows) AppendRow(text, r, with_label);
  const bool written =
      std::fwrite(text.data(), 1, text.size(), file.get()) == text.size();
  if (!written || std::fclose(file.release()) != 0) {
    return Internal("cannot write '" + path + "'");
  }
  return Status::Ok();
}

}  // namespace ferry::quickstart
