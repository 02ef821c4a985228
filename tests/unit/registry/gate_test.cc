// The evaluation gate: every rule kind, margins, ties, missing and NaN
// metrics, slices, approval, round trips, and bad or hostile policies.
#include "registry/gate/gate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ferry::registry {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

GatePolicy Parse(const std::string& text) {
  auto policy = ParseGatePolicy(text);
  EXPECT_TRUE(policy.ok()) << policy.status().ToString() << "\n" << text;
  return policy.ok() ? *policy : GatePolicy{};
}

bool Passes(const std::string& policy, std::optional<MetricValues> champion,
            const MetricValues& challenger) {
  return EvaluateGate(Parse(policy), champion, challenger).passed;
}

TEST(GateTest, HigherIsBetterWithAbsoluteMargin) {
  const std::string p = "compare:\n  - metric: auc\n    min_delta: 0.01\n";
  EXPECT_TRUE(Passes(p, MetricValues{{"auc", 0.80}}, {{"auc", 0.82}}));
  EXPECT_FALSE(Passes(p, MetricValues{{"auc", 0.80}}, {{"auc", 0.805}}));
  EXPECT_FALSE(Passes(p, MetricValues{{"auc", 0.80}}, {{"auc", 0.79}}));
  GateDecision d = EvaluateGate(Parse(p), MetricValues{{"auc", 0.8}}, {{"auc", 0.805}});
  ASSERT_EQ(d.rows.size(), 1u);
  EXPECT_EQ(d.rows[0].champion, 0.8);
  EXPECT_EQ(d.rows[0].challenger, 0.805);
  EXPECT_EQ(d.rows[0].note, "improvement below the margin");
  EXPECT_NE(d.rows[0].requirement.find("0.01"), std::string::npos) << d.rows[0].requirement;
}

TEST(GateTest, LowerIsBetterWithRelativeMargin) {
  const std::string p =
      "compare:\n  - metric: rmse\n    direction: lower\n    min_relative: 0.1\n";
  EXPECT_TRUE(Passes(p, MetricValues{{"rmse", 1.0}}, {{"rmse", 0.89}}));
  EXPECT_FALSE(Passes(p, MetricValues{{"rmse", 1.0}}, {{"rmse", 0.95}}));
  // The margin is relative to |champion|, also for a negative champion.
  const std::string hi = "compare:\n  - metric: score\n    min_relative: 0.5\n";
  EXPECT_TRUE(Passes(hi, MetricValues{{"score", -2.0}}, {{"score", -0.9}}));
  EXPECT_FALSE(Passes(hi, MetricValues{{"score", -2.0}}, {{"score", -1.5}}));
}

TEST(GateTest, BothMarginsMustHold) {
  const std::string p = "compare:\n  - metric: auc\n    min_delta: 0.01\n    min_relative: 0.05\n";
  EXPECT_FALSE(Passes(p, MetricValues{{"auc", 0.5}}, {{"auc", 0.52}}));  // rel 4 %
  EXPECT_TRUE(Passes(p, MetricValues{{"auc", 0.5}}, {{"auc", 0.53}}));
}

TEST(GateTest, TiesFailUnlessAllowed) {
  EXPECT_FALSE(Passes("compare:\n  - metric: auc\n", MetricValues{{"auc", 0.8}}, {{"auc", 0.8}}));
  EXPECT_TRUE(Passes("compare:\n  - metric: auc\n    allow_equal: true\n",
                     MetricValues{{"auc", 0.8}}, {{"auc", 0.8}}));
}

TEST(GateTest, MissingAndNanMetrics) {
  const std::string p = "compare:\n  - metric: auc\n";
  GateDecision missing = EvaluateGate(Parse(p), MetricValues{{"auc", 0.8}}, {});
  EXPECT_FALSE(missing.passed);
  EXPECT_EQ(missing.rows[0].note, "challenger has no value");
  GateDecision no_champion_value = EvaluateGate(Parse(p), MetricValues{}, {{"auc", 0.9}});
  EXPECT_FALSE(no_champion_value.passed);
  EXPECT_EQ(no_champion_value.rows[0].note, "champion has no value");
  GateDecision no_champion = EvaluateGate(Parse(p), std::nullopt, {{"auc", 0.1}});
  EXPECT_TRUE(no_champion.passed);
  EXPECT_EQ(no_champion.rows[0].note, "no champion");
  EXPECT_FALSE(Passes(p, MetricValues{{"auc", 0.8}}, {{"auc", kNaN}}));
  EXPECT_FALSE(Passes(p, MetricValues{{"auc", kNaN}}, {{"auc", 0.9}}));
  EXPECT_FALSE(Passes(p, std::nullopt, {{"auc", kNaN}}));
}

TEST(GateTest, EveryThresholdOperator) {
  struct Case {
    const char* op;
    double value;
    bool pass;
  } cases[] = {{"<", 5, true},   {"<", 4, false}, {"<=", 4, true}, {"<=", 3.9, false},
               {">", 3, true},   {">", 4, false}, {">=", 4, true}, {">=", 4.1, false},
               {"==", 4, true},  {"==", 5, false}, {"!=", 5, true}, {"!=", 4, false}};
  for (const Case& c : cases) {
    std::string p = std::string("thresholds:\n  - metric: m\n    op: \"") + c.op +
                    "\"\n    value: " + std::to_string(c.value) + "\n";
    EXPECT_EQ(Passes(p, std::nullopt, {{"m", 4.0}}), c.pass) << c.op << " " << c.value;
  }
  EXPECT_FALSE(Passes("thresholds:\n  - metric: m\n    op: '<'\n    value: 1\n", std::nullopt,
                      {{"m", kNaN}}));
  EXPECT_FALSE(Passes("thresholds:\n  - metric: m\n    op: '<'\n    value: 1\n", std::nullopt, {}));
}

TEST(GateTest, SlicesReadTheirOwnMetricKey) {
  const std::string p =
      "compare:\n  - metric: auc\n    slice: country=DE\n"
      "thresholds:\n  - {metric: auc, slice: country=FR, op: '>=', value: 0.7}\n";
  MetricValues champ{{"auc", 0.9}, {"auc/country=DE", 0.70}};
  EXPECT_TRUE(Passes(p, champ, {{"auc", 0.5}, {"auc/country=DE", 0.75}, {"auc/country=FR", 0.7}}));
  EXPECT_FALSE(Passes(p, champ, {{"auc", 0.99}, {"auc/country=DE", 0.69}, {"auc/country=FR", 0.9}}));
  EXPECT_EQ(ReferencedMetrics(Parse(p)),
            (std::vector<std::string>{"auc/country=DE", "auc/country=FR"}));
}

TEST(GateTest, ManualApprovalIsReported) {
  GateDecision d = EvaluateGate(Parse("approval: manual\ncompare:\n  - metric: auc\n"),
                                std::nullopt, {{"auc", 1}});
  EXPECT_TRUE(d.passed);
  EXPECT_TRUE(d.needs_approval);
}

TEST(GateTest, JsonRoundTripAndMetricList) {
  const std::string p =
      "compare:\n  - {metric: auc, direction: higher, min_delta: 0.01, min_relative: 0.02, "
      "allow_equal: true, slice: s}\n  - {metric: auc}\n"
      "thresholds:\n  - {metric: p95, op: '<=', value: 5}\napproval: manual\n";
  GatePolicy policy = Parse(p);
  std::string json = GatePolicyToJson(policy);
  GatePolicy back = Parse(json);  // JSON is YAML
  EXPECT_EQ(GatePolicyToJson(back), json);
  ASSERT_EQ(back.compare.size(), 2u);
  EXPECT_EQ(back.compare[0].min_relative, 0.02);
  EXPECT_TRUE(back.compare[0].allow_equal);
  EXPECT_EQ(back.approval, Approval::kManual);
  EXPECT_EQ(ReferencedMetrics(policy), (std::vector<std::string>{"auc", "auc/s", "p95"}));
  std::string decision = GateDecisionToJson(EvaluateGate(policy, std::nullopt, {{"p95", kNaN}}));
  EXPECT_NE(decision.find("\"challenger\":null"), std::string::npos) << decision;
}

TEST(GateTest, BadPoliciesNameTheFieldAndPosition) {
  const std::pair<const char*, const char*> cases[] = {
      {"compare: [ {metric: ", ""},
      {"compare:\n  - metric: auc\n    colour: red\n", "colour"},
      {"compare:\n  - metric: auc\n    direction: sideways\n", "direction"},
      {"compare:\n  - metric: auc\n    min_delta: -0.1\n", "min_delta"},
      {"compare:\n  - metric: auc\n    min_delta: .nan\n", "min_delta"},
      {"compare:\n  - metric: auc\n    min_relative: abc\n", "min_relative"},
      {"compare:\n  - metric: \"\"\n", "metric"},
      {"compare:\n  - direction: higher\n", "metric"},
      {"compare: auc\n", "compare"},
      {"thresholds:\n  - {metric: m, op: '=>', value: 1}\n", "op"},
      {"thresholds:\n  - {metric: m, op: '<', value: .inf}\n", "value"},
      {"thresholds:\n  - {metric: m, op: '<'}\n", "value"},
      {"approval: sometimes\ncompare:\n  - metric: auc\n", "approval"},
      {"extra: 1\ncompare:\n  - metric: auc\n", "extra"},
      {"{}", "at least one"},
      {"- just\n- a list\n", "mapping"},
  };
  for (const auto& [text, field] : cases) {
    auto policy = ParseGatePolicy(text);
    ASSERT_FALSE(policy.ok()) << text;
    EXPECT_EQ(policy.status().code(), StatusCode::kInvalidArgument) << text;
    const std::string& msg = policy.status().message();
    EXPECT_NE(msg.find(field), std::string::npos) << text << " -> " << msg;
    EXPECT_NE(msg.find("line "), std::string::npos) << text << " -> " << msg;
    EXPECT_NE(msg.find("column "), std::string::npos) << text << " -> " << msg;
  }
}

TEST(GateTest, HostilePoliciesAreRefusedWithoutHarm) {
  std::string deep(100000, '[');
  EXPECT_EQ(ParseGatePolicy(deep).status().code(), StatusCode::kInvalidArgument);
  std::string nested = "compare: " + std::string(200, '[') + std::string(200, ']');
  EXPECT_EQ(ParseGatePolicy(nested).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseGatePolicy(std::string(100 * 1024, 'a')).status().code(),
            StatusCode::kInvalidArgument);
  // Aliases only point at nodes: a "billion laughs" document stays small.
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    laughs += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev +
              ", *" + prev + ", *" + prev + "]\n";
  }
  laughs += "compare: *j\n";
  EXPECT_EQ(ParseGatePolicy(laughs).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::registry
