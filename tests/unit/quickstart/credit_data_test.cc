#include "cli/quickstart/credit_data.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ferry::quickstart {
namespace {

std::vector<double> Column(const std::vector<CreditRow>& rows,
                           double CreditRow::* field) {
  std::vector<double> out;
  for (const auto& r : rows) out.push_back(r.*field);
  return out;
}

double Median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum / v.size();
}

double DefaultRate(const std::vector<CreditRow>& rows) {
  double defaults = 0;
  for (const auto& r : rows) defaults += r.default_label;
  return defaults / rows.size();
}

bool SameFeatures(const CreditRow& a, const CreditRow& b) {
  return a.age == b.age && a.income == b.income && a.debt_ratio == b.debt_ratio &&
         a.utilization == b.utilization && a.credit_lines == b.credit_lines &&
         a.late_payments == b.late_payments && a.months_employed == b.months_employed &&
         a.loan_amount == b.loan_amount;
}

bool SameRows(const std::vector<CreditRow>& a, const std::vector<CreditRow>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!SameFeatures(a[i], b[i]) || a[i].default_label != b[i].default_label)
      return false;
  }
  return true;
}

// A file in a fresh temporary folder, removed with the fixture.
class CreditCsvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ferry-credit-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string ReadAll(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::filesystem::path dir_;
};

TEST(CreditDataTest, SameSeedGivesSameRowsAndOtherSeedDifferent) {
  const auto a = GenerateCredit(2000, 7, {});
  EXPECT_TRUE(SameRows(a, GenerateCredit(2000, 7, {})));
  EXPECT_FALSE(SameRows(a, GenerateCredit(2000, 8, {})));
}

TEST(CreditDataTest, FeatureNamesMatchTheRow) {
  ASSERT_EQ(kCreditFeatures.size(), 8u);
  EXPECT_EQ(kCreditFeatures.front(), "age");
  EXPECT_EQ(kCreditFeatures.back(), "loan_amount");
}

TEST(CreditDataTest, MarginalsArePlausible) {
  const auto rows = GenerateCredit(20000, 1, {});
  for (const auto& r : rows) {
    ASSERT_GE(r.age, 18);
    ASSERT_LE(r.age, 80);
    ASSERT_EQ(r.age, std::floor(r.age));
    ASSERT_GE(r.income, 6000);
    ASSERT_GE(r.debt_ratio, 0);
    ASSERT_LE(r.debt_ratio, 1.5);
    ASSERT_GE(r.utilization, 0);
    ASSERT_LE(r.utilization, 1.2);
    ASSERT_GE(r.credit_lines, 0);
    ASSERT_LE(r.late_payments, 12);
    ASSERT_GE(r.months_employed, 0);
    ASSERT_LE(r.months_employed, 12 * (r.age - 17));
    ASSERT_GE(r.loan_amount, 500);
  }
  const double median_income = Median(Column(rows, &CreditRow::income));
  EXPECT_GT(median_income, 40000);
  EXPECT_LT(median_income, 65000);
  EXPECT_LT(Median(Column(rows, &CreditRow::age)), 40);  // skewed young
  EXPECT_LT(Mean(Column(rows, &CreditRow::late_payments)), 1.0);
  EXPECT_LT(Mean(Column(rows, &CreditRow::credit_lines)), 4.0);
}

TEST(CreditDataTest, YoungShareControlsTheShareUnderThirty) {
  CreditScenario s;
  s.young_share = 0.6;
  const auto rows = GenerateCredit(20000, 2, s);
  const double young =
      std::count_if(rows.begin(), rows.end(), [](auto& r) { return r.age < 30; });
  EXPECT_NEAR(young / rows.size(), 0.6, 0.02);
}

TEST(CreditDataTest, DefaultRateIsInBand) {
  const double rate = DefaultRate(GenerateCredit(20000, 3, {}));
  EXPECT_GT(rate, 0.08);
  EXPECT_LT(rate, 0.15);
}

TEST(CreditDataTest, ShiftMovesIncomeAndUtilization) {
  CreditScenario shifted;
  shifted.income_shift = -0.5;
  shifted.utilization_shift = 0.25;
  const auto calm = GenerateCredit(20000, 4, {});
  const auto moved = GenerateCredit(20000, 4, shifted);
  const double income_ratio = Median(Column(moved, &CreditRow::income)) /
                              Median(Column(calm, &CreditRow::income));
  EXPECT_NEAR(income_ratio, std::exp(-0.5), 0.02);
  const double utilization_gain = Mean(Column(moved, &CreditRow::utilization)) -
                                  Mean(Column(calm, &CreditRow::utilization));
  EXPECT_NEAR(utilization_gain, 0.25, 0.01);  // a little is lost to the clamp at 1.5
  EXPECT_GT(DefaultRate(moved), DefaultRate(calm));
}

TEST(CreditDataTest, ConceptShiftChangesLabelsNotFeatures) {
  CreditScenario changed;
  changed.concept_shift = 1;
  const auto calm = GenerateCredit(5000, 5, {});
  const auto moved = GenerateCredit(5000, 5, changed);
  size_t flipped = 0;
  for (size_t i = 0; i < calm.size(); ++i) {
    ASSERT_TRUE(SameFeatures(calm[i], moved[i])) << "row " << i;
    flipped += calm[i].default_label != moved[i].default_label;
  }
  EXPECT_GT(flipped, calm.size() / 20);
}

// Pins the exact bytes, so a platform whose output differs fails here.
TEST_F(CreditCsvTest, WritesHeaderAndRowsPortably) {
  const auto path = dir_ / "credit.csv";
  ASSERT_TRUE(WriteCreditCsv(path.string(), GenerateCredit(3, 7, {}), true).ok());
  EXPECT_EQ(
      ReadAll(path),
      "age,income,debt_ratio,utilization,credit_lines,late_payments,months_employed,"
      "loan_amount,default\n"
      "67,87304,0.1736,0.5700,1,0,329,22100,0\n"
      "35,22346,0.7229,1.0263,4,1,45,6000,1\n"
      "35,32126,0.2875,0.4346,1,0,41,5000,0\n");
}

TEST_F(CreditCsvTest, WithoutLabelHasEightColumnsAndOneLinePerRow) {
  const auto path = dir_ / "features.csv";
  ASSERT_TRUE(WriteCreditCsv(path.string(), GenerateCredit(250, 9, {}), false).ok());
  std::ifstream in(path);
  std::string header, line;
  std::getline(in, header);
  EXPECT_EQ(
      header,
      "age,income,debt_ratio,utilization,credit_lines,late_payments,months_employed,"
      "loan_amount");
  size_t lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    ASSERT_EQ(std::count(line.begin(), line.end(), ','), 7) << line;
  }
  EXPECT_EQ(lines, 250u);
}

TEST_F(CreditCsvTest, BadPathIsAnError) {
  const Status st =
      WriteCreditCsv((dir_ / "no-such-folder" / "x.csv").string(), {}, true);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("no-such-folder"), std::string::npos);
}

}  // namespace
}  // namespace ferry::quickstart
