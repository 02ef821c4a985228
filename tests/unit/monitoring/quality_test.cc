#include "monitoring/quality.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "monitoring/csv_reader.h"

namespace ferry::monitoring {
namespace {

Table Data() {
  Result<Table> t = ParseCsv(
      "id,amount,country,email\n"
      "1,10.5,US,a@x.io\n"
      "2,-3.0,DE,b@x.io\n"
      "2,12000.0,XX,not-an-email\n"
      "4,,FR,d@x.io\n"
      "5,inf,US,\n"
      "6,20.0,US,f@x.io\n"
      "7,30.0,DE,g@x.io\n"
      "8,40.0,FR,h@x.io\n"
      "9,50.0,US,i@x.io\n"
      "10,60.0,US,j@x.io\n"
      "11,70.0,US,k@x.io\n");
  EXPECT_TRUE(t.ok()) << t.status().message();
  return *t;
}

std::map<std::string, CheckResult> Check(const std::string& yaml) {
  Result<ExpectationSuite> suite = ParseSuite(yaml);
  EXPECT_TRUE(suite.ok()) << suite.status().message();
  std::map<std::string, CheckResult> by;
  for (const CheckResult& r : CheckQuality(Data(), *suite).results) by[r.column + "." + r.check] = r;
  return by;
}

TEST(Quality, CountsFailingValuesWithExamples) {
  auto r = Check(R"(
columns:
  amount: {kind: numerical, not_null: true, min: 0, max: 10000}
  country: {allowed: [US, DE, FR], max_missing_share: 0}
  id: {unique: true}
  email: {regex: '[^@]+@[^@]+\.io', not_null: true}
)");
  EXPECT_TRUE(r["amount.kind"].passed);
  EXPECT_EQ(r["amount.not_null"].failing, 2u);  // the empty cell and inf
  EXPECT_EQ(r["amount.min"].failing, 1u);
  EXPECT_EQ(r["amount.min"].examples, std::vector<std::string>{"-3"});
  EXPECT_EQ(r["amount.max"].failing, 1u);
  EXPECT_EQ(r["country.allowed"].failing, 1u);
  EXPECT_EQ(r["country.allowed"].examples, std::vector<std::string>{"XX"});
  EXPECT_TRUE(r["country.max_missing_share"].passed);
  EXPECT_EQ(r["id.unique"].failing, 1u);
  EXPECT_EQ(r["id.unique"].examples, std::vector<std::string>{"2"});
  EXPECT_EQ(r["email.regex"].failing, 1u);
  EXPECT_EQ(r["email.not_null"].failing, 1u);
}

TEST(Quality, DistributionBoundsAndSchema) {
  auto r = Check(R"(
columns:
  amount: {mean_between: [0, 100], std_between: [0, 1]}
  missing_one: {}
  id: {kind: numerical}
allow_other_columns: false
)");
  EXPECT_FALSE(r["amount.mean_between"].passed);  // 12000 pulls the mean up
  EXPECT_FALSE(r["amount.std_between"].passed);
  EXPECT_FALSE(r["missing_one.present"].passed);
  EXPECT_FALSE(r["id.kind"].passed);  // 10 distinct integers: categorical, as Evidently infers
  EXPECT_FALSE(r["country.unexpected"].passed);
}

TEST(Quality, HostilePatternsAreLinearOrRejected) {
  auto r = Check("columns:\n  email: {regex: '(a+)+$'}\n");
  EXPECT_EQ(r["email.regex"].failing, 10u);  // RE2: no catastrophic backtracking
  auto bad = Check("columns:\n  email: {regex: '(unclosed'}\n");
  EXPECT_FALSE(bad["email.regex"].passed);
  EXPECT_NE(bad["email.regex"].message.find("bad pattern"), std::string::npos);
}

TEST(Quality, SuiteErrorsNameTheColumnAndKey) {
  struct Case {
    std::string yaml, needle;
  };
  for (const Case& c : std::vector<Case>{
           {"columns: [a]", "expected a map"},
           {"columns:\n  a: {min: abc}", "column 'a', 'min'"},
           {"columns:\n  a: {frobnicate: 1}", "unknown check"},
           {"columns:\n  a: {kind: float}", "numerical, categorical or text"},
           {"columns:\n  a: {mean_between: [3, 1]}", "low is above high"},
           {"columns:\n  a: {min: 5, max: 1}", "above max"},
           {"columns:\n  a: {max_missing_share: 2}", "between 0 and 1"},
           {"columns:\n  a: {min: .nan}", "finite"},
           {"columns: {a: {min: 1}}\nextra: 1", "unknown key 'extra'"},
           {"columns: {a: [", "line"},
       }) {
    Result<ExpectationSuite> s = ParseSuite(c.yaml);
    ASSERT_FALSE(s.ok()) << c.yaml;
    EXPECT_NE(s.status().message().find(c.needle), std::string::npos) << s.status().message();
  }
}

}  // namespace
}  // namespace ferry::monitoring
