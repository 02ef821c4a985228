// The evaluation gate: parsing (every field, defaults, JSON), every rule
// kind and operator, both directions, margins, ties, missing and NaN
// metrics, slices, approval, the evidence table, round trips, and bad or
// hostile policies.
#include "registry/gate/gate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

namespace ferry::registry {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

GatePolicy Parse(const std::string& text) {
  auto policy = ParseGatePolicy(text);
  EXPECT_TRUE(policy.ok()) << policy.status().ToString() << "\n" << text;
  return policy.ok() ? *policy : GatePolicy{};
}

CompareRule Compare(const std::string& metric, Direction direction, double min_delta = 0,
                    double min_relative = 0, bool allow_equal = false) {
  CompareRule rule;
  rule.metric = metric;
  rule.direction = direction;
  rule.min_delta = min_delta;
  rule.min_relative = min_relative;
  rule.allow_equal = allow_equal;
  return rule;
}

ThresholdRule Threshold(const std::string& metric, ThresholdOp op, double value) {
  ThresholdRule rule;
  rule.metric = metric;
  rule.op = op;
  rule.value = value;
  return rule;
}

// One compare rule evaluated on one metric "m".
GateRow CompareRow(const CompareRule& rule, std::optional<double> champion,
                   std::optional<double> challenger) {
  GatePolicy policy;
  policy.compare.push_back(rule);
  MetricValues champion_values, challenger_values;
  if (champion) champion_values[rule.metric] = *champion;
  if (challenger) challenger_values[rule.metric] = *challenger;
  GateDecision decision = EvaluateGate(policy, champion_values, challenger_values);
  EXPECT_EQ(decision.rows.size(), 1u);
  EXPECT_EQ(decision.passed, decision.rows.at(0).passed);
  return decision.rows.at(0);
}

bool Passes(const CompareRule& rule, double champion, double challenger) {
  return CompareRow(rule, champion, challenger).passed;
}

// The message of a policy that must be refused, checked for the code and a
// position; `field` must appear in it.
std::string Refused(const std::string& text, const std::string& field) {
  auto policy = ParseGatePolicy(text);
  EXPECT_FALSE(policy.ok()) << "accepted: " << text;
  if (policy.ok()) return "";
  const std::string& message = policy.status().message();
  EXPECT_EQ(policy.status().code(), StatusCode::kInvalidArgument) << message;
  EXPECT_NE(message.find(field), std::string::npos) << text << "\n -> " << message;
  EXPECT_NE(message.find("line "), std::string::npos) << text << "\n -> " << message;
  EXPECT_NE(message.find("column "), std::string::npos) << text << "\n -> " << message;
  return message;
}

// --- Parsing ----------------------------------------------------------------

TEST(GateParseTest, ReadsEveryField) {
  GatePolicy p = Parse(
      "compare:\n"
      "  - metric: auc\n"
      "    direction: lower\n"
      "    min_delta: 0.01\n"
      "    min_relative: 0.02\n"
      "    allow_equal: true\n"
      "    slice: country=DE\n"
      "thresholds:\n"
      "  - metric: latency_p95_ms\n"
      "    op: \"<=\"\n"
      "    value: 5\n"
      "    slice: region=eu\n"
      "approval: manual\n");
  ASSERT_EQ(p.compare.size(), 1u);
  EXPECT_EQ(p.compare[0].metric, "auc");
  EXPECT_EQ(p.compare[0].direction, Direction::kLower);
  EXPECT_EQ(p.compare[0].min_delta, 0.01);
  EXPECT_EQ(p.compare[0].min_relative, 0.02);
  EXPECT_TRUE(p.compare[0].allow_equal);
  EXPECT_EQ(p.compare[0].slice, "country=DE");
  ASSERT_EQ(p.thresholds.size(), 1u);
  EXPECT_EQ(p.thresholds[0].metric, "latency_p95_ms");
  EXPECT_EQ(p.thresholds[0].op, ThresholdOp::kLe);
  EXPECT_EQ(p.thresholds[0].value, 5);
  EXPECT_EQ(p.thresholds[0].slice, "region=eu");
  EXPECT_EQ(p.approval, Approval::kManual);
}

TEST(GateParseTest, OmittedFieldsTakeTheirDefaults) {
  GatePolicy p = Parse("compare:\n  - metric: auc\n");
  ASSERT_EQ(p.compare.size(), 1u);
  EXPECT_EQ(p.compare[0], Compare("auc", Direction::kHigher));
  EXPECT_TRUE(p.thresholds.empty());
  EXPECT_EQ(p.approval, Approval::kAutomatic);
}

TEST(GateParseTest, JsonIsAccepted) {
  GatePolicy p = Parse(
      R"({"compare": [{"metric": "rmse", "direction": "lower", "min_relative": 0.1}],
          "thresholds": [{"metric": "auc", "op": ">", "value": 0.5}],
          "approval": "automatic"})");
  ASSERT_EQ(p.compare.size(), 1u);
  EXPECT_EQ(p.compare[0], Compare("rmse", Direction::kLower, 0, 0.1));
  ASSERT_EQ(p.thresholds.size(), 1u);
  EXPECT_EQ(p.thresholds[0], Threshold("auc", ThresholdOp::kGt, 0.5));
}

TEST(GateParseTest, NumberSpellings) {
  auto value = [](const std::string& text) {
    GatePolicy p = Parse("thresholds:\n  - {metric: m, op: '<', value: " + text + "}\n");
    return p.thresholds.empty() ? kNaN : p.thresholds[0].value;
  };
  EXPECT_EQ(value("5"), 5);
  EXPECT_EQ(value("-2.5"), -2.5);
  EXPECT_EQ(value("+0.5"), 0.5);
  EXPECT_EQ(value(".5"), 0.5);
  EXPECT_EQ(value("1e3"), 1000);
  EXPECT_EQ(value("1.5E-2"), 0.015);
}

TEST(GateParseTest, TrueAndFalseSpellings) {
  for (const char* word : {"true", "True", "TRUE"}) {
    EXPECT_TRUE(Parse(std::string("compare: [{metric: m, allow_equal: ") + word + "}]")
                    .compare.at(0)
                    .allow_equal);
  }
  EXPECT_FALSE(
      Parse("compare: [{metric: m, allow_equal: false}]").compare.at(0).allow_equal);
}

TEST(GateParseTest, PlainScalarMetricNamesAreText) {
  GatePolicy p = Parse("compare:\n  - metric: 5\n  - metric: 'a: b'\n");
  ASSERT_EQ(p.compare.size(), 2u);
  EXPECT_EQ(p.compare[0].metric, "5");
  EXPECT_EQ(p.compare[1].metric, "a: b");
}

// --- Compare rules ----------------------------------------------------------
// Values are exact in binary so the margins are tested at their edges.

TEST(GateCompareTest, HigherWithAbsoluteMargin) {
  CompareRule rule = Compare("m", Direction::kHigher, 0.25);
  EXPECT_TRUE(Passes(rule, 0.5, 0.75));  // exactly the margin
  EXPECT_TRUE(Passes(rule, 0.5, 0.9));
  GateRow below = CompareRow(rule, 0.5, 0.625);
  EXPECT_FALSE(below.passed);
  EXPECT_EQ(below.note, "improvement below the margin");
  GateRow worse = CompareRow(rule, 0.5, 0.25);
  EXPECT_FALSE(worse.passed);
  EXPECT_EQ(worse.note, "not better than champion");
}

TEST(GateCompareTest, LowerWithAbsoluteMargin) {
  CompareRule rule = Compare("m", Direction::kLower, 0.5);
  EXPECT_TRUE(Passes(rule, 2, 1.5));
  EXPECT_EQ(CompareRow(rule, 2, 1.75).note, "improvement below the margin");
  EXPECT_EQ(CompareRow(rule, 2, 2.5).note, "not better than champion");
}

TEST(GateCompareTest, NoMarginNeedsAStrictImprovement) {
  EXPECT_TRUE(Passes(Compare("m", Direction::kHigher), 1, 1.0001));
  EXPECT_FALSE(Passes(Compare("m", Direction::kHigher), 1, 0.9999));
  EXPECT_TRUE(Passes(Compare("m", Direction::kLower), 1, 0.9999));
  EXPECT_FALSE(Passes(Compare("m", Direction::kLower), 1, 1.0001));
}

TEST(GateCompareTest, HigherWithRelativeMargin) {
  CompareRule rule = Compare("m", Direction::kHigher, 0, 0.25);
  EXPECT_TRUE(Passes(rule, 4, 5));  // 25 % of 4 is exactly 1
  EXPECT_FALSE(Passes(rule, 4, 4.5));
}

TEST(GateCompareTest, LowerWithRelativeMargin) {
  CompareRule rule = Compare("m", Direction::kLower, 0, 0.25);
  EXPECT_TRUE(Passes(rule, 4, 3));
  EXPECT_FALSE(Passes(rule, 4, 3.5));
  EXPECT_FALSE(Passes(rule, 4, 5));
}

TEST(GateCompareTest, RelativeMarginUsesTheChampionsMagnitude) {
  // Champion -2, margin 50 %: the challenger must be better by 1, not by -1
  // (which would let a worse or barely better model through).
  CompareRule higher = Compare("m", Direction::kHigher, 0, 0.5);
  EXPECT_TRUE(Passes(higher, -2, -1));
  EXPECT_FALSE(Passes(higher, -2, -1.5));
  EXPECT_FALSE(Passes(higher, -2, -2.5));
  CompareRule lower = Compare("m", Direction::kLower, 0, 0.5);
  EXPECT_TRUE(Passes(lower, -2, -3));
  EXPECT_FALSE(Passes(lower, -2, -2.5));
}

TEST(GateCompareTest, BothMarginsMustHold) {
  CompareRule rule = Compare("m", Direction::kHigher, 0.125, 0.5);
  EXPECT_TRUE(Passes(rule, 0.5, 0.75));
  EXPECT_FALSE(Passes(rule, 0.5, 0.6875));  // absolute holds, relative does not
  CompareRule big = Compare("m", Direction::kHigher, 2, 0.125);
  EXPECT_TRUE(Passes(big, 8, 10));
  EXPECT_FALSE(Passes(big, 8, 9.5));  // relative holds, absolute does not
}

TEST(GateCompareTest, TiesFailWithoutAllowEqual) {
  for (Direction direction : {Direction::kHigher, Direction::kLower}) {
    GateRow row = CompareRow(Compare("m", direction), 0.8, 0.8);
    EXPECT_FALSE(row.passed);
    EXPECT_EQ(row.note, "equal to champion");
  }
}

TEST(GateCompareTest, TiesPassWithAllowEqual) {
  for (Direction direction : {Direction::kHigher, Direction::kLower}) {
    CompareRule rule = Compare("m", direction, 0, 0, /*allow_equal=*/true);
    GateRow row = CompareRow(rule, 0.8, 0.8);
    EXPECT_TRUE(row.passed);
    EXPECT_EQ(row.note, "");
    EXPECT_FALSE(Passes(rule, 0.8, direction == Direction::kHigher ? 0.7 : 0.9));
  }
}

TEST(GateCompareTest, AllowEqualDoesNotWaiveAMargin) {
  CompareRule rule = Compare("m", Direction::kHigher, 0.25, 0, /*allow_equal=*/true);
  GateRow row = CompareRow(rule, 0.5, 0.5);
  EXPECT_FALSE(row.passed);
  EXPECT_EQ(row.note, "equal to champion");
}

TEST(GateCompareTest, MissingChallengerMetricFails) {
  GateRow row = CompareRow(Compare("m", Direction::kHigher), 0.8, std::nullopt);
  EXPECT_FALSE(row.passed);
  EXPECT_EQ(row.note, "challenger has no value");
  EXPECT_FALSE(row.challenger.has_value());
}

TEST(GateCompareTest, MissingChampionMetricFails) {
  GateRow row = CompareRow(Compare("m", Direction::kHigher), std::nullopt, 0.9);
  EXPECT_FALSE(row.passed);
  EXPECT_EQ(row.note, "champion has no value");
  EXPECT_FALSE(row.champion.has_value());
  EXPECT_EQ(row.challenger, 0.9);
}

TEST(GateCompareTest, NoChampionPassesCompareRowsButNotThresholds) {
  GatePolicy policy;
  policy.compare.push_back(Compare("auc", Direction::kHigher, 0.1));
  policy.thresholds.push_back(Threshold("auc", ThresholdOp::kGe, 0.5));
  GateDecision low = EvaluateGate(policy, std::nullopt, {{"auc", 0.2}});
  ASSERT_EQ(low.rows.size(), 2u);
  EXPECT_TRUE(low.rows[0].passed);
  EXPECT_EQ(low.rows[0].note, "no champion");
  EXPECT_FALSE(low.rows[0].champion.has_value());
  EXPECT_FALSE(low.rows[1].passed);
  EXPECT_FALSE(low.passed);
  EXPECT_TRUE(EvaluateGate(policy, std::nullopt, {{"auc", 0.6}}).passed);
  // Without a champion the challenger still needs its own value.
  GateDecision missing = EvaluateGate(policy, std::nullopt, {});
  EXPECT_EQ(missing.rows[0].note, "challenger has no value");
  EXPECT_FALSE(missing.passed);
}

TEST(GateCompareTest, NanOnEitherSideFails) {
  CompareRule rule = Compare("m", Direction::kHigher, 0, 0, /*allow_equal=*/true);
  GateRow challenger_nan = CompareRow(rule, 0.8, kNaN);
  EXPECT_FALSE(challenger_nan.passed);
  EXPECT_EQ(challenger_nan.note, "challenger value is NaN");
  GateRow champion_nan = CompareRow(rule, kNaN, 0.9);
  EXPECT_FALSE(champion_nan.passed);
  EXPECT_EQ(champion_nan.note, "champion has no value");
  EXPECT_FALSE(CompareRow(rule, kNaN, kNaN).passed);
  GatePolicy policy;
  policy.compare.push_back(rule);
  GateDecision no_champion = EvaluateGate(policy, std::nullopt, {{"m", kNaN}});
  EXPECT_FALSE(no_champion.passed);
  EXPECT_EQ(no_champion.rows[0].note, "challenger value is NaN");
}

TEST(GateCompareTest, InfiniteValuesCompareSensibly) {
  EXPECT_TRUE(Passes(Compare("m", Direction::kLower), kInf, 5));
  EXPECT_TRUE(Passes(Compare("m", Direction::kLower, 1, 0.5), kInf, 5));
  EXPECT_TRUE(Passes(Compare("m", Direction::kHigher), 5, kInf));
  // inf - inf is NaN: neither better nor a tie.
  EXPECT_FALSE(Passes(Compare("m", Direction::kHigher, 0, 0, true), kInf, kInf));
}

TEST(GateCompareTest, RequirementsAreReadable) {
  auto requirement = [](const CompareRule& rule) {
    return CompareRow(rule, 1, 2).requirement;
  };
  EXPECT_EQ(requirement(Compare("m", Direction::kHigher, 0.01, 0.02)),
            "higher than champion by >= 0.01 (abs) and >= 2% (rel)");
  EXPECT_EQ(requirement(Compare("m", Direction::kHigher)), "higher than champion");
  EXPECT_EQ(requirement(Compare("m", Direction::kLower, 0, 0.07)),
            "lower than champion by >= 7% (rel)");
  EXPECT_EQ(requirement(Compare("m", Direction::kLower, 0.5, 0, true)),
            "lower than or equal to champion by >= 0.5 (abs)");
}

// --- Thresholds ---------------------------------------------------------------

TEST(GateThresholdTest, EveryOperator) {
  struct Case {
    const char* op;
    double value;
    bool pass;
  } cases[] = {{"<", 5, true},  {"<", 4, false},  {"<=", 4, true}, {"<=", 3.9, false},
               {">", 3, true},  {">", 4, false},  {">=", 4, true}, {">=", 4.1, false},
               {"==", 4, true}, {"==", 5, false}, {"!=", 5, true}, {"!=", 4, false}};
  for (const Case& c : cases) {
    std::ostringstream text;
    text << "thresholds:\n  - metric: m\n    op: \"" << c.op
         << "\"\n    value: " << c.value << "\n";
    GateDecision d = EvaluateGate(Parse(text.str()), std::nullopt, {{"m", 4.0}});
    ASSERT_EQ(d.rows.size(), 1u);
    EXPECT_EQ(d.rows[0].passed, c.pass) << c.op << " " << c.value;
    EXPECT_EQ(d.passed, c.pass);
    EXPECT_EQ(d.rows[0].rule, "threshold");
    EXPECT_EQ(d.rows[0].challenger, 4.0);
    EXPECT_FALSE(d.rows[0].champion.has_value());
  }
}

TEST(GateThresholdTest, IgnoresTheChampion) {
  GatePolicy policy;
  policy.thresholds.push_back(Threshold("m", ThresholdOp::kLe, 5));
  GateDecision d = EvaluateGate(policy, MetricValues{{"m", 1}}, {{"m", 4}});
  EXPECT_TRUE(d.passed);
  EXPECT_FALSE(d.rows[0].champion.has_value());
}

TEST(GateThresholdTest, MissingOrNanValueFails) {
  GatePolicy policy;
  policy.thresholds.push_back(Threshold("m", ThresholdOp::kNe, 1));
  GateDecision missing = EvaluateGate(policy, std::nullopt, {});
  EXPECT_FALSE(missing.passed);
  EXPECT_EQ(missing.rows[0].note, "challenger has no value");
  GateDecision nan = EvaluateGate(policy, std::nullopt, {{"m", kNaN}});
  EXPECT_FALSE(nan.passed);  // though NaN != 1 is true in C++
  EXPECT_EQ(nan.rows[0].note, "challenger value is NaN");
}

TEST(GateThresholdTest, RequirementsAreReadable) {
  auto requirement = [](ThresholdOp op, double value) {
    GatePolicy policy;
    policy.thresholds.push_back(Threshold("m", op, value));
    return EvaluateGate(policy, std::nullopt, {}).rows.at(0).requirement;
  };
  EXPECT_EQ(requirement(ThresholdOp::kLe, 5), "<= 5");
  EXPECT_EQ(requirement(ThresholdOp::kGt, 0.5), "> 0.5");
  EXPECT_EQ(requirement(ThresholdOp::kNe, -1), "!= -1");
  EXPECT_EQ(requirement(ThresholdOp::kLt, 1e-7), "< 1e-07");
}

// --- The whole decision -----------------------------------------------------

TEST(GateDecisionTest, SlicesReadTheirOwnMetricKey) {
  GatePolicy p = Parse(
      "compare:\n  - metric: auc\n    slice: country=DE\n"
      "thresholds:\n  - {metric: auc, slice: country=FR, op: '>=', value: 0.7}\n");
  MetricValues champion{{"auc", 0.9}, {"auc/country=DE", 0.70}};
  GateDecision pass = EvaluateGate(
      p, champion, {{"auc", 0.5}, {"auc/country=DE", 0.75}, {"auc/country=FR", 0.7}});
  EXPECT_TRUE(pass.passed);
  EXPECT_EQ(pass.rows[0].metric, "auc/country=DE");
  EXPECT_EQ(pass.rows[0].champion, 0.70);
  EXPECT_EQ(pass.rows[1].metric, "auc/country=FR");
  EXPECT_FALSE(
      EvaluateGate(p, champion,
                   {{"auc", 0.99}, {"auc/country=DE", 0.69}, {"auc/country=FR", 0.9}})
          .passed);
  // The unsliced value does not stand in for a missing slice.
  GateDecision missing =
      EvaluateGate(p, champion, {{"auc", 0.99}, {"auc/country=FR", 0.9}});
  EXPECT_EQ(missing.rows[0].note, "challenger has no value");
}

TEST(GateDecisionTest, RowsFollowPolicyOrderComparesFirst) {
  GatePolicy p = Parse(
      "thresholds:\n  - {metric: t1, op: '<', value: 1}\n"
      "compare:\n  - metric: c1\n  - metric: c2\n");
  GateDecision d = EvaluateGate(p, std::nullopt, {{"c1", 1}, {"c2", 1}, {"t1", 0}});
  ASSERT_EQ(d.rows.size(), 3u);
  EXPECT_EQ(d.rows[0].metric, "c1");
  EXPECT_EQ(d.rows[0].rule, "compare");
  EXPECT_EQ(d.rows[1].metric, "c2");
  EXPECT_EQ(d.rows[2].metric, "t1");
  EXPECT_EQ(d.rows[2].rule, "threshold");
  EXPECT_TRUE(d.passed);
}

TEST(GateDecisionTest, OneFailingRowFailsTheDecision) {
  GatePolicy p = Parse("compare:\n  - metric: a\n  - metric: b\n");
  GateDecision d =
      EvaluateGate(p, MetricValues{{"a", 1}, {"b", 1}}, {{"a", 2}, {"b", 0}});
  EXPECT_TRUE(d.rows[0].passed);
  EXPECT_FALSE(d.rows[1].passed);
  EXPECT_FALSE(d.passed);
}

TEST(GateDecisionTest, ManualApprovalNeedsApproval) {
  GatePolicy manual = Parse("approval: manual\ncompare:\n  - metric: auc\n");
  GateDecision passed = EvaluateGate(manual, std::nullopt, {{"auc", 1}});
  EXPECT_TRUE(passed.passed);
  EXPECT_TRUE(passed.needs_approval);
  GateDecision failed = EvaluateGate(manual, std::nullopt, {});
  EXPECT_FALSE(failed.passed);
  EXPECT_TRUE(failed.needs_approval);
  GatePolicy automatic = Parse("approval: automatic\ncompare:\n  - metric: auc\n");
  EXPECT_FALSE(EvaluateGate(automatic, std::nullopt, {{"auc", 1}}).needs_approval);
}

TEST(GateDecisionTest, JsonHasTheEvidenceTable) {
  GatePolicy p = Parse(
      "approval: manual\ncompare:\n  - {metric: auc, min_delta: 0.01}\n"
      "thresholds:\n  - {metric: p95, op: '<=', value: 5}\n  - {metric: gone, op: '>', "
      "value: 0}\n");
  GateDecision d =
      EvaluateGate(p, MetricValues{{"auc", 0.5}}, {{"auc", 0.75}, {"p95", kNaN}});
  auto json = nlohmann::json::parse(GateDecisionToJson(d));
  EXPECT_EQ(json["passed"], false);
  EXPECT_EQ(json["needs_approval"], true);
  ASSERT_EQ(json["rows"].size(), 3u);
  const auto& compare = json["rows"][0];
  EXPECT_EQ(compare.size(), 7u);
  EXPECT_EQ(compare["rule"], "compare");
  EXPECT_EQ(compare["metric"], "auc");
  EXPECT_EQ(compare["champion"], 0.5);
  EXPECT_EQ(compare["challenger"], 0.75);
  EXPECT_EQ(compare["requirement"], "higher than champion by >= 0.01 (abs)");
  EXPECT_EQ(compare["passed"], true);
  EXPECT_EQ(compare["note"], "");
  EXPECT_TRUE(json["rows"][1]["challenger"].is_null());  // NaN
  EXPECT_TRUE(json["rows"][1]["champion"].is_null());    // thresholds have none
  EXPECT_EQ(json["rows"][1]["note"], "challenger value is NaN");
  EXPECT_TRUE(json["rows"][2]["challenger"].is_null());  // missing
  EXPECT_EQ(json["rows"][2]["note"], "challenger has no value");
}

TEST(GateDecisionTest, JsonWritesInfinityAsNull) {
  GatePolicy policy;
  policy.compare.push_back(Compare("m", Direction::kLower));
  auto json = nlohmann::json::parse(
      GateDecisionToJson(EvaluateGate(policy, MetricValues{{"m", kInf}}, {{"m", 1}})));
  EXPECT_TRUE(json["rows"][0]["champion"].is_null());
  EXPECT_EQ(json["rows"][0]["passed"], true);
}

// --- Canonical JSON and metric lists ----------------------------------------

TEST(GateJsonTest, RoundTripGivesAnEqualPolicy) {
  const char* texts[] = {
      "compare:\n  - {metric: auc, direction: higher, min_delta: 0.01, min_relative: "
      "0.02, "
      "allow_equal: true, slice: s}\n  - {metric: auc}\n"
      "thresholds:\n  - {metric: p95, op: '<=', value: 5}\napproval: manual\n",
      "thresholds:\n  - {metric: m, op: '!=', value: -0.1}\n  - {metric: m, op: '==', "
      "value: 1e-300}\n  - {metric: m, op: '<', value: 1.7976931348623157e308}\n",
      "compare:\n  - {metric: rmse, direction: lower, min_relative: "
      "0.3333333333333333}\n",
  };
  for (const char* text : texts) {
    GatePolicy policy = Parse(text);
    std::string json = GatePolicyToJson(policy);
    auto back = ParseGatePolicy(json);  // JSON is YAML
    ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << json;
    EXPECT_EQ(*back, policy) << json;
    EXPECT_EQ(GatePolicyToJson(*back), json);
  }
}

TEST(GateJsonTest, RoundTripKeepsAwkwardMetricNames) {
  GatePolicy policy;
  for (const char* name :
       {"a\"b",     "back\\slash", "colon: space", "# hash",
        "- dash",   "[x]",         "&anchor",      "*alias",
        "{y}",      "tab\there",   "line\nbreak",  "\xc3\xbc\xe2\x82\xac",
        " padded ", "'quote'",     "!tag",         "~",
        "null",     "true",        "1e3",          ".nan"}) {
    policy.thresholds.push_back(Threshold(name, ThresholdOp::kGe, 1));
  }
  policy.compare.push_back(Compare("m", Direction::kHigher));
  policy.compare.back().slice = "country=DE/city=M\xc3\xbcnchen";
  std::string json = GatePolicyToJson(policy);
  auto back = ParseGatePolicy(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << json;
  EXPECT_EQ(*back, policy) << json;
}

TEST(GateJsonTest, CanonicalShape) {
  GatePolicy p = Parse(
      "compare:\n  - metric: auc\nthresholds:\n  - {metric: m, slice: s, op: "
      "'<', value: 2}\n");
  auto json = nlohmann::json::parse(GatePolicyToJson(p));
  EXPECT_EQ(json["approval"], "automatic");
  EXPECT_EQ(json["compare"][0], (nlohmann::json{{"metric", "auc"},
                                                {"direction", "higher"},
                                                {"min_delta", 0.0},
                                                {"min_relative", 0.0},
                                                {"allow_equal", false}}));
  EXPECT_EQ(
      json["thresholds"][0],
      (nlohmann::json{{"metric", "m"}, {"slice", "s"}, {"op", "<"}, {"value", 2.0}}));
}

TEST(GateJsonTest, ReferencedMetricsAreSortedAndUnique) {
  GatePolicy p = Parse(
      "compare:\n  - {metric: zeta}\n  - {metric: auc, slice: country=DE}\n  - {metric: "
      "auc}\n"
      "thresholds:\n  - {metric: auc, op: '>', value: 0}\n  - {metric: zeta, op: '<', "
      "value: "
      "1}\n  - {metric: auc, slice: country=DE, op: '>', value: 0}\n  - {metric: b, op: "
      "'>', "
      "value: 0}\n");
  EXPECT_EQ(ReferencedMetrics(p),
            (std::vector<std::string>{"auc", "auc/country=DE", "b", "zeta"}));
  EXPECT_EQ(MetricKey("auc", ""), "auc");
  EXPECT_EQ(MetricKey("auc", "country=DE"), "auc/country=DE");
}

// --- Bad policies -------------------------------------------------------------

TEST(GateRejectTest, MalformedYaml) {
  for (const char* text : {"compare: [ {metric: ", "compare: [1, 2", "a: b: c",
                           "compare:\n  - metric: auc\n   bad: indent\n  x\n",
                           "\"unterminated", "compare:\n\t- metric: a\n", "{metric: a}}",
                           "compare:\n  - metric: auc\n  metric: x\n - y\n"}) {
    Refused(text, "invalid gate policy");
  }
}

TEST(GateRejectTest, UnknownKeysAreNamed) {
  Refused("extra: 1\ncompare:\n  - metric: auc\n", "'extra'");
  Refused("compare:\n  - metric: auc\n    colour: red\n", "'colour'");
  Refused("thresholds:\n  - {metric: m, op: '<', value: 1, unit: ms}\n", "'unit'");
  // Near misses are unknown too.
  Refused("compare:\n  - metric: auc\n    mindelta: 0.1\n", "'mindelta'");
  Refused("Compare:\n  - metric: auc\n", "'Compare'");
}

TEST(GateRejectTest, ErrorsPointAtTheOffendingNode) {
  std::string unknown = Refused("compare:\n  - metric: auc\n    colour: red\n", "colour");
  EXPECT_NE(unknown.find("line 3, column 5:"), std::string::npos) << unknown;
  std::string negative =
      Refused("compare:\n  - metric: auc\n    min_delta: -0.1\n", "min_delta");
  EXPECT_NE(negative.find("line 3, column 16:"), std::string::npos) << negative;
  std::string op = Refused("thresholds:\n  - {metric: m, op: '=>', value: 1}\n", "op");
  EXPECT_NE(op.find("line 2, column 21:"), std::string::npos) << op;
  std::string empty = Refused("", "compare");
  EXPECT_NE(empty.find("line 1, column 1:"), std::string::npos) << empty;
}

TEST(GateRejectTest, WrongTypes) {
  Refused("compare: auc\n", "'compare' must be a list");
  Refused("compare:\n", "'compare' must be a list");
  Refused("thresholds: {metric: m}\n", "'thresholds' must be a list");
  Refused("compare:\n  - auc\n", "compare rule must be a mapping");
  Refused("thresholds:\n  - [m, '<', 1]\n", "threshold must be a mapping");
  Refused("compare:\n  - metric: [a, b]\n", "'metric' must be a string");
  Refused("compare:\n  - metric: ~\n", "'metric' must be a string");
  Refused("compare:\n  - {metric: m, slice: {a: 1}}\n", "'slice' must be a string");
  Refused("compare:\n  - {metric: m, direction: [higher]}\n",
          "'direction' must be a string");
  Refused("compare:\n  - {metric: m, min_delta: abc}\n", "'min_delta' must be a number");
  Refused("compare:\n  - {metric: m, min_relative: '0.1'}\n",
          "'min_relative' must be a number");
  Refused("compare:\n  - {metric: m, min_delta: 0x10}\n", "'min_delta' must be a number");
  Refused("compare:\n  - {metric: m, min_delta: 1_000}\n",
          "'min_delta' must be a number");
  Refused("compare:\n  - {metric: m, min_delta: !!str 1}\n",
          "'min_delta' must be a number");
  Refused("compare:\n  - {metric: m, allow_equal: yes}\n",
          "'allow_equal' must be true or false");
  Refused("compare:\n  - {metric: m, allow_equal: 'true'}\n", "'allow_equal'");
  Refused("compare:\n  - {metric: m, allow_equal: 1}\n", "'allow_equal'");
  Refused("thresholds:\n  - {metric: m, op: '<', value: \"5\"}\n",
          "'value' must be a number");
  Refused("thresholds:\n  - {metric: m, op: '<', value: [5]}\n",
          "'value' must be a number");
  Refused("thresholds:\n  - {metric: m, op: '<', value: 1e999}\n",
          "'value' is out of range");
  Refused("approval: [manual]\ncompare:\n  - metric: a\n", "'approval' must be a string");
  Refused("compare:\n  - {[a]: 1, metric: m}\n", "keys in a compare rule");
}

TEST(GateRejectTest, UnknownWords) {
  Refused("compare:\n  - metric: auc\n    direction: sideways\n",
          "'direction' must be one of");
  Refused("compare:\n  - metric: auc\n    direction: Higher\n", "'direction'");
  Refused("thresholds:\n  - {metric: m, op: '=>', value: 1}\n", "'op' must be one of");
  Refused("thresholds:\n  - {metric: m, op: '=', value: 1}\n", "'op'");
  Refused("thresholds:\n  - {metric: m, op: lt, value: 1}\n", "'op'");
  Refused("approval: sometimes\ncompare:\n  - metric: auc\n",
          "'approval' must be one of");
}

TEST(GateRejectTest, NegativeMargins) {
  Refused("compare:\n  - {metric: m, min_delta: -0.1}\n", "'min_delta' must be >= 0");
  Refused("compare:\n  - {metric: m, min_relative: -1}\n", "'min_relative' must be >= 0");
  // Zero is fine, also written as -0.
  EXPECT_TRUE(ParseGatePolicy("compare:\n  - {metric: m, min_delta: -0}\n").ok());
}

TEST(GateRejectTest, NonFiniteNumbers) {
  Refused("compare:\n  - {metric: m, min_delta: .nan}\n", "'min_delta' must be a finite");
  Refused("compare:\n  - {metric: m, min_relative: .inf}\n",
          "'min_relative' must be a finite");
  Refused("compare:\n  - {metric: m, min_delta: .NaN}\n", "'min_delta'");
  Refused("thresholds:\n  - {metric: m, op: '<', value: .nan}\n",
          "'value' must be a finite");
  Refused("thresholds:\n  - {metric: m, op: '<', value: .inf}\n",
          "'value' must be a finite");
  Refused("thresholds:\n  - {metric: m, op: '<', value: -.Inf}\n",
          "'value' must be a finite");
  Refused("thresholds:\n  - {metric: m, op: '<', value: +.INF}\n",
          "'value' must be a finite");
  Refused("thresholds:\n  - {metric: m, op: '<', value: nan}\n", "'value'");
  Refused("thresholds:\n  - {metric: m, op: '<', value: inf}\n", "'value'");
  Refused("thresholds:\n  - {metric: m, op: '<', value: infinity}\n", "'value'");
}

TEST(GateRejectTest, MissingAndEmptyFields) {
  Refused("compare:\n  - metric: \"\"\n", "'metric' must not be empty");
  Refused("thresholds:\n  - {metric: '', op: '<', value: 1}\n",
          "'metric' must not be empty");
  Refused("compare:\n  - direction: higher\n", "needs 'metric'");
  Refused("thresholds:\n  - {op: '<', value: 1}\n", "needs 'metric'");
  Refused("thresholds:\n  - {metric: m, value: 1}\n", "needs 'op'");
  Refused("thresholds:\n  - {metric: m, op: '<'}\n", "needs 'value'");
}

TEST(GateRejectTest, EmptyPolicies) {
  for (const char* text :
       {"", "   \n", "# only a comment\n", "~", "---\n", "{}", "compare: []\n",
        "compare: []\nthresholds: []\napproval: manual\n"}) {
    Refused(text, "at least one rule under 'compare' or 'thresholds'");
  }
  Refused("- just\n- a list\n", "the policy must be a mapping");
  Refused("hello", "the policy must be a mapping");
}

TEST(GateRejectTest, DuplicateKeys) {
  Refused("compare:\n  - metric: a\n    metric: b\n", "duplicate key 'metric'");
  Refused("compare: [{metric: a}]\ncompare: [{metric: b}]\n", "duplicate key 'compare'");
}

TEST(GateRejectTest, OneDocumentOnly) {
  std::string message = Refused("compare:\n  - metric: a\n---\ncompare:\n  - metric: b\n",
                                "single YAML document");
  EXPECT_NE(message.find("line 3"), std::string::npos) << message;
}

// --- Hostile input ----------------------------------------------------------

TEST(GateHostileTest, DeepFlowNestingIsRefused) {
  Refused("compare: " + std::string(200, '[') + std::string(200, ']'), "nested deeper");
  Refused(std::string(60000, '['), "nested deeper");
  Refused("compare: " + std::string(30000, '{') + "a", "nested deeper");
}

TEST(GateHostileTest, DeepBlockNestingIsRefused) {
  std::string dashes;
  for (int i = 0; i < 200; ++i) dashes += "- ";
  Refused(dashes + "x\n", "nested deeper");
  std::string maps;
  for (int i = 0; i < 200; ++i) maps += std::string(2 * i, ' ') + "a:\n";
  Refused(maps, "nested deeper");
}

TEST(GateHostileTest, AnchorsAndAliasesAreRefused) {
  Refused("compare: &rules\n  - metric: auc\nthresholds: *rules\n", "anchors");
  Refused("compare:\n  - metric: auc\nthresholds: *nowhere\n", "invalid gate policy");
  // A "billion laughs" document: refused at its first anchor, never expanded.
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    laughs += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev +
              ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
              "]\n";
  }
  laughs += "compare: *j\n";
  Refused(laughs, "anchors");
}

TEST(GateHostileTest, OversizedTextIsRefused) {
  auto policy = ParseGatePolicy(std::string(100 * 1024, 'a'));
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(policy.status().message().find("bytes"), std::string::npos);
}

TEST(GateHostileTest, TextThatIsNotUtf8IsRefused) {
  Refused("compare:\n  - metric: \xff\xfe\n", "UTF-8");
  Refused("compare:\n  - metric: a\xc3\n", "UTF-8");
  Refused("compare:\n  - metric: \xc0\xaf\n", "UTF-8");      // overlong '/'
  Refused("compare:\n  - metric: \xed\xa0\x80\n", "UTF-8");  // a surrogate
  EXPECT_EQ(Parse("compare:\n  - metric: \xc3\xbc\n").compare.at(0).metric, "\xc3\xbc");
}

TEST(GateHostileTest, ManyRulesWithinTheLimitParse) {
  std::string text = "thresholds:\n";
  for (int i = 0; i < 500; ++i) {
    text += "  - {metric: m" + std::to_string(i) +
            ", op: '<=', value: " + std::to_string(i) + "}\n";
  }
  ASSERT_LT(text.size(), 64u * 1024);
  EXPECT_EQ(Parse(text).thresholds.size(), 500u);
}

// Random token soup: the parser must never crash or throw, refusals must
// be kInvalidArgument with a position, and whatever it accepts must round
// trip through the canonical JSON.
TEST(GateHostileTest, RandomTextNeverCrashes) {
  const char* tokens[] = {
      "compare",   "thresholds",  "approval",    "metric", "op",   "value", "direction",
      "min_delta", "allow_equal", "slice",       ": ",     ":",    " ",     "\n",
      "  ",        "    ",        "- ",          "[",      "]",    "{",     "}",
      ", ",        "&a ",         "*a",          "!!str ", "'",    "\"",    "0.5",
      "-1",        ".nan",        "auc",         "manual", "'<='", "lower", "true",
      "# c",       "---\n",       "? ",          "|",      ">",    "\t",    "\\",
      "~",         "\xc3",        "%YAML 1.2\n", "@",      "`",    "!x ",   ",",
      "..."};
  std::mt19937 random(20261122);
  std::uniform_int_distribution<size_t> pick(0, std::size(tokens) - 1);
  std::uniform_int_distribution<int> length(0, 40);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    for (int n = length(random); n > 0; --n) text += tokens[pick(random)];
    auto policy = ParseGatePolicy(text);
    if (!policy.ok()) {
      ASSERT_EQ(policy.status().code(), StatusCode::kInvalidArgument)
          << policy.status().ToString() << "\n"
          << text;
      ASSERT_NE(policy.status().message().find("column "), std::string::npos) << text;
      continue;
    }
    ++accepted;
    auto back = ParseGatePolicy(GatePolicyToJson(*policy));
    ASSERT_TRUE(back.ok()) << text;
    ASSERT_EQ(*back, *policy) << text;
  }
  // Also seeded with a few valid policies, so the round trip is exercised.
  for (const char* text : {"compare: [{metric: auc}]",
                           "thresholds: [{metric: m, op: '<', "
                           "value: 1}]"}) {
    auto policy = ParseGatePolicy(text);
    ASSERT_TRUE(policy.ok());
    EXPECT_EQ(*ParseGatePolicy(GatePolicyToJson(*policy)), *policy);
  }
  RecordProperty("accepted", accepted);
}

}  // namespace
}  // namespace ferry::registry
