// validate: a CSV against an inline or file suite, passing and failing, and
// the refusals.
#include "pipelines/steps/validate.h"

#include <gtest/gtest.h>

#include <string>

#include "step_test_data.h"
#include "util/status_assertions.h"

namespace ferry::pipelines::steps {
namespace {

using nlohmann::json;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;
using testing_util::FailsWith;

class ValidateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_ / "data.csv",
              "id,amount,country\n1,10.5,US\n2,20,DE\n3,,FR\n4,-5,US\n");
  }
  Result<ValidateResult> Validate(json extra) {
    json with = {{"data", dir_ / "data.csv"}, {"output", dir_ / "out"}};
    for (const auto& [k, v] : extra.items()) with[k] = v;
    auto o = ValidateOptionsFromJson(with);
    if (!o.ok()) return o.status();
    return ValidateData(*o);
  }
  TempDir dir_;
};

TEST_F(ValidateTest, PassesWithAnInlineSuite) {
  json suite = {
      {"columns",
       {{"id", {{"unique", true}}}, {"country", {{"allowed", {"US", "DE", "FR"}}}}}}};
  auto r = Validate({{"expectations", suite}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->passed);
  EXPECT_TRUE(r->failures.empty());
  EXPECT_EQ(r->report.results.size(), 2u);
  json report = json::parse(ReadFile(dir_ / "out/report.json"));
  EXPECT_EQ(report["passed"], true);
  EXPECT_EQ(report["data"], dir_ / "data.csv");
  EXPECT_EQ(r->report_path, dir_ / "out/report.json");
}

TEST_F(ValidateTest, ReportsWhichChecksFail) {
  auto r = Validate(
      {{"expectations",
        "columns:\n  amount: {not_null: true, min: 0}\n  id: {unique: true}\n"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->passed);
  ASSERT_EQ(r->failures.size(), 2u);
  EXPECT_NE(r->failures[0].find("amount: "), std::string::npos) << r->failures[0];
  json report = json::parse(ReadFile(dir_ / "out/report.json"));
  EXPECT_EQ(report["passed"], false);
  EXPECT_EQ(report["failed_checks"], 2);
}

TEST_F(ValidateTest, ReadsASuiteFile) {
  WriteFile(dir_ / "suite.yaml", "columns:\n  country: {allowed: [US, DE]}\n");
  auto r = Validate({{"suite", dir_ / "suite.yaml"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->passed);
  ASSERT_EQ(r->failures.size(), 1u);
  EXPECT_EQ(r->failures[0].rfind("country: allowed", 0), 0u) << r->failures[0];
}

TEST_F(ValidateTest, NamesBadArguments) {
  json suite = {{"columns", {{"id", {{"unique", true}}}}}};
  EXPECT_TRUE(
      FailsWith(Validate(json::object()), {"with.expectations", "one of the two"}));
  EXPECT_TRUE(FailsWith(Validate({{"expectations", suite}, {"suite", "s.yaml"}}),
                        {"with.expectations", "one of the two"}));
  EXPECT_TRUE(FailsWith(Validate({{"expectations", 3}}), {"with.expectations"}));
  EXPECT_TRUE(FailsWith(Validate({{"expectations", "columns:\n  id: {unique: maybe}\n"}}),
                        {"with.expectations", "id"}));
  EXPECT_TRUE(
      FailsWith(Validate({{"expectations", "columns: [a"}}), {"with.expectations"}));
  EXPECT_TRUE(
      FailsWith(Validate({{"suite", dir_ / "none.yaml"}}), {"with.suite", "none.yaml"}));
  EXPECT_TRUE(FailsWith(Validate({{"expectations", suite}, {"data", dir_ / "none.csv"}}),
                        {"with.data", "none.csv"}));
  EXPECT_TRUE(FailsWith(Validate({{"expectations", suite}, {"strict", true}}),
                        {"with.strict: unknown argument"}));
  EXPECT_TRUE(FailsWith(ValidateOptionsFromJson({{"expectations", suite}}),
                        {"with.data: is required"}));
}

TEST_F(ValidateTest, AMissingColumnFailsTheCheckNotTheStep) {
  auto r = Validate({{"expectations", {{"columns", {{"email", {{"not_null", true}}}}}}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->passed);
  ASSERT_FALSE(r->failures.empty());
  EXPECT_NE(r->failures[0].find("email"), std::string::npos);
}

}  // namespace
}  // namespace ferry::pipelines::steps
