#include "monitoring/alert_rule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "util/status_assertions.h"

namespace ferry::monitoring {
namespace {

using Json = nlohmann::json;
using Args = std::map<std::string, std::string>;

using testing_util::FailsWith;

Condition Parsed(std::string_view expr) {
  Result<Condition> c = ParseExpression(expr);
  EXPECT_TRUE(c.ok()) << expr << ": " << c.status().message();
  return c.ok() ? *c : Condition{};
}

// ---- expressions -----------------------------------------------------------

TEST(AlertExpression, ParsesEveryMetric) {
  struct Case {
    std::string expr, name;
    Args args;
  };
  std::vector<Case> cases = {
      {"dataset_drift_share > 0.5", "dataset_drift_share", {}},
      {"dataset_drift >= 1", "dataset_drift", {}},
      {"drift_score(feature=amount) < 0.05", "drift_score", {{"feature", "amount"}}},
      {"drifted(feature=amount) >= 1", "drifted", {{"feature", "amount"}}},
      {"prediction_drift > 0.1", "prediction_drift", {}},
      {"prediction_drift(output=score) > 0.1", "prediction_drift", {{"output", "score"}}},
      {"missing_share(feature=age) > 0.1", "missing_share", {{"feature", "age"}}},
      {"rows < 10", "rows", {}},
      {"auc < 0.7", "roc_auc", {}},
      {"label_delay_p50 > 3600", "label_delay_p50", {}},
      {"error_rate > 1%", "error_rate", {}},
  };
  for (const char* test : {"ks", "chisquare", "z", "psi", "kl_div", "jensenshannon",
                           "wasserstein", "hellinger", "anderson", "cramer_von_mises"}) {
    cases.push_back({std::string(test) + "(feature=x) > 0.1", test, {{"feature", "x"}}});
  }
  for (const char* perf : {"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss",
                           "ece", "mae", "rmse", "r2"}) {
    cases.push_back({std::string(perf) + " < 0.9", perf, {}});
  }
  ASSERT_EQ(cases.size(), 31u);
  for (const Case& c : cases) {
    Condition got = Parsed(c.expr);
    EXPECT_EQ(got.metric.name, c.name) << c.expr;
    EXPECT_EQ(got.metric.args, c.args) << c.expr;
  }
}

TEST(AlertExpression, ParsesOperatorsAndThreshold) {
  Condition c = Parsed("psi(feature=amount) > 0.2");
  EXPECT_EQ(c.op, Comparison::kGreater);
  EXPECT_EQ(c.threshold, 0.2);
  EXPECT_EQ(Parsed("rows >= 5").op, Comparison::kGreaterEqual);
  EXPECT_EQ(Parsed("rows < 5").op, Comparison::kLess);
  EXPECT_EQ(Parsed("rows <= 5").op, Comparison::kLessEqual);
  EXPECT_EQ(ComparisonSymbol(Comparison::kGreaterEqual), ">=");
  EXPECT_EQ(ComparisonSymbol(Comparison::kLess), "<");
}

TEST(AlertExpression, Numbers) {
  EXPECT_EQ(Parsed("error_rate > 1%").threshold, 0.01);
  EXPECT_EQ(Parsed("error_rate > 1.1%").threshold, 0.011);  // exact: not 1.1 / 100
  EXPECT_EQ(Parsed("error_rate > 0.3%").threshold, 0.003);
  EXPECT_EQ(Parsed("error_rate > 50 %").threshold, 0.5);
  EXPECT_EQ(Parsed("error_rate > 1e-1%").threshold, 0.001);
  EXPECT_EQ(Parsed("rows > 2.5e-3").threshold, 0.0025);
  EXPECT_EQ(Parsed("rows > 1E2").threshold, 100.0);
  EXPECT_EQ(Parsed("rows > 1e+2").threshold, 100.0);
  EXPECT_EQ(Parsed("r2 < -0.5").threshold, -0.5);
  EXPECT_EQ(Parsed("rows > +3").threshold, 3.0);
  EXPECT_EQ(Parsed("rows > .5").threshold, 0.5);
  EXPECT_EQ(Parsed("rows > 5.").threshold, 5.0);
  EXPECT_EQ(Parsed("rows > 0").threshold, 0.0);
  EXPECT_EQ(Parsed("rows > 1.7976931348623157e308").threshold,
            std::numeric_limits<double>::max());
}

TEST(AlertExpression, ArgumentValues) {
  EXPECT_EQ(Parsed(R"(psi(feature="merchant name") > 0.2)").metric.args.at("feature"),
            "merchant name");
  EXPECT_EQ(Parsed(R"(psi(feature="say \"hi\" \\ bye") > 0.2)").metric.args.at("feature"),
            R"(say "hi" \ bye)");
  EXPECT_EQ(Parsed(R"(psi(feature="a,b)=c") > 0.2)").metric.args.at("feature"), "a,b)=c");
  EXPECT_EQ(Parsed("psi(feature=emb[0].x-1_y) > 0.2").metric.args.at("feature"),
            "emb[0].x-1_y");
  EXPECT_EQ(Parsed(R"(psi(feature="é ü") > 0.2)").metric.args.at("feature"), "é ü");
}

TEST(AlertExpression, WhitespaceBetweenAnyTokens) {
  Condition want{{"psi", {{"feature", "a b"}}}, Comparison::kGreaterEqual, 0.02};
  for (const char* expr :
       {R"(psi(feature="a b")>=2%)", R"(  psi ( feature = "a b" ) >= 2 %  )",
        "\tpsi\n(\r\nfeature\t=\"a b\"\n)\t>=\n2%\n"}) {
    EXPECT_EQ(Parsed(expr), want) << expr;
  }
  // ">" and "=" are one token: "> =" is '>' followed by a bad number.
  EXPECT_TRUE(FailsWith(ParseExpression("rows > = 1"),
                        {"column 8", "expected a finite number, got '='"}));
}

TEST(AlertExpression, UnknownMetricListsTheKnownOnes) {
  EXPECT_TRUE(FailsWith(ParseExpression("psy(feature=a) > 1"),
                        {"expr: column 1: unknown metric 'psy'", "psi",
                         "dataset_drift_share", "auc (= roc_auc)"}));
  EXPECT_TRUE(FailsWith(ParseExpression("  PSI(feature=a) > 1"),
                        {"column 3: unknown metric 'PSI'"}));
}

TEST(AlertExpression, ArgumentErrors) {
  EXPECT_TRUE(FailsWith(ParseExpression("psi > 0.2"),
                        {"column 1: psi needs an argument: psi(feature=NAME)"}));
  EXPECT_TRUE(
      FailsWith(ParseExpression("psi(feature=a, output=b) > 1"),
                {"column 16: unknown argument 'output' for psi (allowed: feature)"}));
  EXPECT_TRUE(FailsWith(
      ParseExpression("drift_score(column=a) > 1"),
      {"column 13: unknown argument 'column' for drift_score (allowed: feature)"}));
  EXPECT_TRUE(FailsWith(
      ParseExpression("prediction_drift(feature=a) > 1"),
      {"column 18: unknown argument 'feature' for prediction_drift (allowed: output)"}));
  EXPECT_TRUE(FailsWith(ParseExpression("psi(feature=a, feature=b) > 1"),
                        {"column 16: argument 'feature' given twice"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows(feature=a) > 1"),
                        {"column 5: rows takes no arguments"}));
  EXPECT_TRUE(FailsWith(ParseExpression("accuracy() > 1"),
                        {"column 9: accuracy takes no arguments"}));
  EXPECT_TRUE(FailsWith(ParseExpression("psi() > 1"),
                        {"column 5: expected an argument name (feature), got ')'"}));
  EXPECT_TRUE(FailsWith(ParseExpression("psi(feature) > 1"),
                        {"column 12: expected '=' after 'feature', got ')'"}));
  EXPECT_TRUE(
      FailsWith(ParseExpression("psi(feature=) > 1"), {"column 13: expected a value"}));
  EXPECT_TRUE(FailsWith(ParseExpression("psi(feature=a b) > 1"),
                        {"column 15: expected ',' or ')', got 'b)'"}));
  EXPECT_TRUE(FailsWith(ParseExpression("psi(feature=a,) > 1"),
                        {"column 15: expected an argument name"}));
  EXPECT_TRUE(
      FailsWith(ParseExpression(R"(psi(feature="") > 1)"), {"column 13: empty value"}));
  EXPECT_TRUE(FailsWith(ParseExpression(R"(psi(feature="abc) > 1)"),
                        {"column 13: unterminated quoted value"}));
  EXPECT_TRUE(FailsWith(ParseExpression(R"(psi(feature="a\nb") > 1)"),
                        {"column 15: only \\\" and \\\\ are escapes"}));
  EXPECT_TRUE(FailsWith(ParseExpression("psi(feature=\"a\xff\") > 1"),
                        {"column 13: the quoted value is not valid UTF-8"}));
}

TEST(AlertExpression, OperatorErrors) {
  const char* want = "expected a comparison ('>', '>=', '<' or '<=')";
  EXPECT_TRUE(FailsWith(ParseExpression("psi(feature=a) => 0.2"),
                        {"column 16: ", want, "got '=>'"}));
  EXPECT_TRUE(FailsWith(ParseExpression("psi(feature=a) == 0.2"),
                        {"column 16: ", want, "got '=='"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows = 3"), {"column 6: ", want, "got '='"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows != 3"), {"column 6: ", want, "got '!='"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows 3"), {"column 6: ", want, "got '3'"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows"),
                        {"column 5: ", want, "got the end of the expression"}));
}

TEST(AlertExpression, NumberErrors) {
  EXPECT_TRUE(FailsWith(ParseExpression("rows >"),
                        {"column 7: expected a finite number, got the end"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows > nan"),
                        {"column 8: expected a finite number, got 'nan'"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows > NaN"),
                        {"column 8: expected a finite number, got 'NaN'"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows > inf"),
                        {"column 8: expected a finite number, got 'inf'"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows > -Infinity"),
                        {"column 8: expected a finite number, got '-Infinity'"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows > %"),
                        {"column 8: expected a finite number, got '%'"}));
  EXPECT_TRUE(
      FailsWith(ParseExpression("rows > 1e999"), {"column 8: number out of range"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows > 1e99999999999999999999"),
                        {"column 8: number out of range"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows > 1e"),
                        {"column 10: expected the exponent's digits"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows > 0x10"),
                        {"column 9: unexpected 'x10' after the number"}));
}

TEST(AlertExpression, TrailingGarbageAndUnbalancedParens) {
  EXPECT_TRUE(FailsWith(ParseExpression("rows > 1 and rows < 5"),
                        {"column 10: unexpected 'and' after the number"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows > 1%%"), {"column 10: unexpected '%'"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows > 1)"), {"column 9: unexpected ')'"}));
  EXPECT_TRUE(FailsWith(ParseExpression("psi(feature=a > 1"),
                        {"column 15: expected ',' or ')', got '>'"}));
  EXPECT_TRUE(FailsWith(ParseExpression("psi(feature=a"),
                        {"column 14: expected ',' or ')', got the end"}));
  EXPECT_TRUE(FailsWith(ParseExpression("psi(feature=a)) > 1"),
                        {"column 15: expected a comparison", "got ')'"}));
  EXPECT_TRUE(FailsWith(ParseExpression("psi((feature=a)) > 1"),
                        {"column 5: expected an argument name"}));
}

TEST(AlertExpression, EmptyTooLongAndColumnsInCharacters) {
  EXPECT_TRUE(
      FailsWith(ParseExpression(""),
                {"expr: column 1: expected a metric name, got an empty expression"}));
  EXPECT_TRUE(FailsWith(ParseExpression(" \t\n"),
                        {"expected a metric name, got an empty expression"}));
  EXPECT_TRUE(FailsWith(ParseExpression("42 > 1"),
                        {"column 1: expected a metric name, got '42'"}));
  EXPECT_TRUE(FailsWith(ParseExpression("rows > " + std::string(5000, '1')),
                        {"expr: longer than 4096 bytes (5007)"}));
  // "é" is two bytes but one column.
  EXPECT_TRUE(FailsWith(ParseExpression(R"(psi(feature="é") => 1)"),
                        {"column 18: expected a comparison"}));
  // A hostile token is shown cut short.
  Result<Condition> r = ParseExpression("rows > 1 " + std::string(3000, 'x'));
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.status().message().size(), 120u) << r.status().message();
}

// ---- rules from YAML ----------------------------------------------------------

constexpr const char* kGoodRules = R"(# alerts for fraud
rules:
  - name: amount-psi
    deployment: fraud
    expr: "psi(feature=amount) > 0.2"
    for: 2
    min_rows: 100
    severity: warning
    pipeline: retrain-fraud
    description: amount moved
  - name: auc.drop
    deployment: fraud
    expr: auc < 0.75
  - name: errors
    deployment: fraud-v2
    expr: 'error_rate >= 1.5%'
    severity: critical
    description: "more than 1.5% of requests fail"
  - name: merchant_drift
    deployment: fraud
    expr: drift_score(feature="merchant name") <= 0.05
    for: 3
    min_rows: 0
    severity: info
)";

TEST(AlertRulesYaml, ParsesAGoodFile) {
  Result<std::vector<AlertRule>> rules = ParseAlertRulesYaml(kGoodRules);
  ASSERT_TRUE(rules.ok()) << rules.status().message();
  ASSERT_EQ(rules->size(), 4u);
  const AlertRule& a = (*rules)[0];
  EXPECT_EQ(a.name, "amount-psi");
  EXPECT_EQ(a.deployment, "fraud");
  EXPECT_EQ(a.expr, "psi(feature=amount) > 0.2");
  EXPECT_EQ(a.metric, (MetricRef{"psi", {{"feature", "amount"}}}));
  EXPECT_EQ(a.op, Comparison::kGreater);
  EXPECT_EQ(a.threshold, 0.2);
  EXPECT_EQ(a.for_windows, 2);
  EXPECT_EQ(a.min_rows, 100);
  EXPECT_EQ(a.severity, Severity::kWarning);
  EXPECT_EQ(a.pipeline, "retrain-fraud");
  EXPECT_EQ(a.description, "amount moved");

  const AlertRule& b = (*rules)[1];  // defaults
  EXPECT_EQ(b.name, "auc.drop");
  EXPECT_EQ(b.metric.name, "roc_auc");
  EXPECT_EQ(b.expr, "auc < 0.75");
  EXPECT_EQ(b.op, Comparison::kLess);
  EXPECT_EQ(b.for_windows, 1);
  EXPECT_EQ(b.min_rows, 50);
  EXPECT_EQ(b.severity, Severity::kWarning);
  EXPECT_EQ(b.pipeline, "");
  EXPECT_EQ(b.description, "");

  const AlertRule& c = (*rules)[2];
  EXPECT_EQ(c.deployment, "fraud-v2");
  EXPECT_EQ(c.threshold, 0.015);
  EXPECT_EQ(c.op, Comparison::kGreaterEqual);
  EXPECT_EQ(c.severity, Severity::kCritical);
  EXPECT_EQ(c.description, "more than 1.5% of requests fail");

  const AlertRule& d = (*rules)[3];
  EXPECT_EQ(d.metric, (MetricRef{"drift_score", {{"feature", "merchant name"}}}));
  EXPECT_EQ(d.op, Comparison::kLessEqual);
  EXPECT_EQ(d.for_windows, 3);
  EXPECT_EQ(d.min_rows, 0);
  EXPECT_EQ(d.severity, Severity::kInfo);
}

TEST(AlertRulesYaml, EmptyListIsNoRules) {
  Result<std::vector<AlertRule>> rules = ParseAlertRulesYaml("rules: []\n");
  ASSERT_TRUE(rules.ok()) << rules.status().message();
  EXPECT_TRUE(rules->empty());
}

TEST(AlertRulesYaml, RejectsABadDocument) {
  EXPECT_TRUE(
      FailsWith(ParseAlertRulesYaml(""), {"rules file: expected a map with 'rules:'"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml("- name: a\n"),
                        {"rules file: expected a map with 'rules:'"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml("alerts: []\n"),
                        {"rules file: line 1: unknown key 'alerts' (only 'rules')"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml("rules: []\nextra: 1\n"),
                        {"line 2: unknown key 'extra'"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml("rules:\n  name: a\n"),
                        {"'rules' (line 2) must be a list of rules"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml("rules: x\n"),
                        {"'rules' (line 1) must be a list of rules"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml("rules:\n"), {"must be a list of rules"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml("rules:\n  - name: a\n   bad: [\n"),
                        {"rules file: line "}));
}

std::string OneRule(const std::string& extra, const std::string& name = "r1") {
  return "rules:\n"
         "  - name: ok\n"
         "    deployment: fraud\n"
         "    expr: rows < 10\n"
         "  - name: " +
         name +
         "\n"
         "    deployment: fraud\n"
         "    expr: psi(feature=a) > 0.2\n" +
         extra;
}

TEST(AlertRulesYaml, RejectsBadFor) {
  for (std::string v : {"0", "-1", "1001"}) {
    EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("    for: " + v + "\n")),
                          {"rules[1] 'r1' (line 5): 'for' (line 8): must be an integer "
                           "from 1 to 1000, got " +
                           v}));
  }
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("    for: 1.5\n")),
                        {"rules[1] 'r1'", "'for' (line 8)", "got 1.5"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("    for: x\n")),
                        {"'for' (line 8)", "got the string 'x'"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("    for: \"2\"\n")),
                        {"'for' (line 8)", "got the string '2'"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("    for: [2]\n")),
                        {"'for' (line 8)", "got a list"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("    for:\n")),
                        {"'for' (line 8)", "got null"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("    for: 0x10\n")),
                        {"'for' (line 8)", "got the string '0x10'"}));
  EXPECT_TRUE(FailsWith(
      ParseAlertRulesYaml(OneRule("    min_rows: -1\n")),
      {"rules[1] 'r1' (line 5): 'min_rows' (line 8): must be an integer >= 0, got -1"}));
  EXPECT_TRUE(
      FailsWith(ParseAlertRulesYaml(OneRule("    min_rows: 99999999999999999999\n")),
                {"'min_rows' (line 8)"}));
  Result<std::vector<AlertRule>> good =
      ParseAlertRulesYaml(OneRule("    for: 1000\n    min_rows: 0\n"));
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_EQ((*good)[1].for_windows, 1000);
  EXPECT_EQ((*good)[1].min_rows, 0);
}

TEST(AlertRulesYaml, RejectsMissingRequiredKeys) {
  EXPECT_TRUE(
      FailsWith(ParseAlertRulesYaml("rules:\n  - deployment: d\n    expr: rows < 1\n"),
                {"rules[0] (line 2): missing required key 'name'"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml("rules:\n  - name: a\n    expr: rows < 1\n"),
                        {"rules[0] 'a' (line 2): missing required key 'deployment'"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml("rules:\n  - name: a\n    deployment: d\n"),
                        {"rules[0] 'a' (line 2): missing required key 'expr'"}));
}

TEST(AlertRulesYaml, RejectsBadFields) {
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("    threshold: 3\n")),
                        {"rules[1] 'r1' (line 5): 'threshold' (line 8): unknown key "
                         "(known: name, deployment, expr"}));
  EXPECT_TRUE(FailsWith(
      ParseAlertRulesYaml(OneRule("    severity: urgent\n")),
      {"'severity' (line 8): must be info, warning or critical, got 'urgent'"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("", "amount psi")),
                        {"rules[1] 'amount psi' (line 5): 'name' (line 5): must be 1-128 "
                         "of [A-Za-z0-9_.-]"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("", "a/b")),
                        {"'name' (line 5): must be 1-128", "got 'a/b'"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("", std::string(129, 'n'))),
                        {"'name' (line 5): must be 1-128"}));
  EXPECT_TRUE(ParseAlertRulesYaml(OneRule("", std::string(128, 'n'))).ok());
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("", "[a, b]")),
                        {"rules[1] (line 5): 'name'", "got a list"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("    pipeline: re train\n")),
                        {"'pipeline' (line 8): must be 1-128"}));
  EXPECT_TRUE(FailsWith(
      ParseAlertRulesYaml(
          "rules:\n  - name: a\n    deployment: _fraud\n    expr: rows < 1\n"),
      {"rules[0] 'a' (line 2): 'deployment' (line 3): must be a deployment name"}));
  EXPECT_TRUE(FailsWith(
      ParseAlertRulesYaml(
          "rules:\n  - name: a\n    deployment: d\n    expr: rows => 1\n"),
      {"rules[0] 'a' (line 2): 'expr' (line 4): column 6: expected a comparison"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("    description: bad \xff byte\n")),
                        {"'description' (line 8): not valid UTF-8"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(OneRule("    for: 2\n    for: 3\n")),
                        {"rules[1] 'r1' (line 5): 'for' (line 9): given twice"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml("rules:\n  - just a string\n"),
                        {"rules[0] (line 2): must be a map of name"}));
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml("rules:\n  - name: a\n    [x]: 1\n"),
                        {"rules[0] 'a' (line 2): line 3: keys must be names"}));
}

TEST(AlertRulesYaml, RejectsDuplicateNames) {
  std::string yaml = OneRule("", "ok");
  EXPECT_TRUE(FailsWith(
      ParseAlertRulesYaml(yaml),
      {"rules[1] 'ok' (line 5): duplicate name, also used by rules[0] (line 2)"}));
}

TEST(AlertRulesYaml, SurvivesHostileInput) {
  // A 1 MB expression: named, not parsed.
  std::string big = "rules:\n  - name: big\n    deployment: d\n    expr: \"rows > " +
                    std::string(1 << 20, '1') + "\"\n";
  EXPECT_TRUE(
      FailsWith(ParseAlertRulesYaml(big),
                {"rules[0] 'big' (line 2): 'expr' (line 4): longer than 4096 bytes"}));
  // A 1 MB name is shown cut short.
  Result<std::vector<AlertRule>> r =
      ParseAlertRulesYaml(OneRule("", std::string(1 << 20, 'n')));
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.status().message().size(), 400u);
  EXPECT_NE(r.status().message().find("rules[1] 'nnnn"), std::string::npos)
      << r.status().message();
  // Deep nesting, in flow and in a field.
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml("rules: " + std::string(100000, '[')),
                        {"rules file: line 1: nested too deeply"}));
  EXPECT_TRUE(FailsWith(
      ParseAlertRulesYaml(OneRule("    description: " + std::string(100000, '[') +
                                  std::string(100000, ']') + "\n")),
      {"rules file: line 8: nested too deeply"}));
  // Too big a document, too many rules.
  EXPECT_TRUE(FailsWith(ParseAlertRulesYaml(std::string(5 << 20, '#')),
                        {"rules file: larger than 4 MiB"}));
  std::string many = "rules:\n";
  for (int i = 0; i <= 10000; ++i) many += "  - {}\n";
  EXPECT_TRUE(
      FailsWith(ParseAlertRulesYaml(many), {"rules file: more than 10000 rules"}));
  // Aliases do not expand into anything a rule reads.
  EXPECT_TRUE(
      FailsWith(ParseAlertRulesYaml("a: &x [1, 2]\nrules: [*x]\n"), {"unknown key 'a'"}));
}

// ---- JSON ---------------------------------------------------------------------

TEST(AlertRuleJson, RoundTrips) {
  Result<std::vector<AlertRule>> rules = ParseAlertRulesYaml(kGoodRules);
  ASSERT_TRUE(rules.ok()) << rules.status().message();
  for (const AlertRule& rule : *rules) {
    Json j = AlertRuleToJson(rule);
    Result<AlertRule> back = AlertRuleFromJson(Json::parse(j.dump()));
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, rule) << j.dump();
  }
  Json a = AlertRuleToJson((*rules)[0]);
  EXPECT_EQ(
      a,
      Json::parse(
          R"({"name": "amount-psi", "deployment": "fraud", "expr": "psi(feature=amount) > 0.2",
                               "for": 2, "min_rows": 100, "severity": "warning", "pipeline": "retrain-fraud",
                               "description": "amount moved"})"));
  Json b = AlertRuleToJson((*rules)[1]);
  EXPECT_FALSE(b.contains("pipeline"));
  EXPECT_FALSE(b.contains("description"));
  EXPECT_EQ(b["for"], 1);
  EXPECT_EQ(b["min_rows"], 50);
  EXPECT_EQ(AlertRuleToJson((*rules)[2])["severity"], "critical");
}

TEST(AlertRuleJson, RejectsBadFieldsNamingThem) {
  Json base = {{"name", "a"}, {"deployment", "d"}, {"expr", "rows < 1"}};
  ASSERT_TRUE(AlertRuleFromJson(base).ok());
  auto with = [&](const char* key, Json v) {
    Json j = base;
    j[key] = std::move(v);
    return AlertRuleFromJson(j);
  };
  EXPECT_TRUE(FailsWith(AlertRuleFromJson(Json::array()),
                        {"alert rule: must be a map of name, deployment", "got a list"}));
  EXPECT_TRUE(
      FailsWith(with("name", 5), {"alert rule: 'name': must be a string, got 5"}));
  EXPECT_TRUE(
      FailsWith(with("for", 2.0),
                {"alert rule: 'for': must be an integer from 1 to 1000, got 2.0"}));
  EXPECT_TRUE(FailsWith(with("for", true), {"'for': must be an integer", "got true"}));
  EXPECT_TRUE(
      FailsWith(with("for", "2"), {"'for': must be an integer", "got the string '2'"}));
  EXPECT_TRUE(FailsWith(with("min_rows", std::numeric_limits<uint64_t>::max()),
                        {"'min_rows': must be an integer >= 0"}));
  EXPECT_TRUE(
      FailsWith(with("severity", nullptr), {"'severity': must be a string, got null"}));
  EXPECT_TRUE(
      FailsWith(with("for_windows", 2),
                {"alert rule: 'for_windows': unknown key (known: name, deployment"}));
  EXPECT_TRUE(FailsWith(with("expr", "rows"),
                        {"alert rule: 'expr': column 5: expected a comparison"}));
  EXPECT_TRUE(FailsWith(with("description", std::string(5000, 'd')),
                        {"'description': longer than 4096 bytes"}));
  Json no_expr = base;
  no_expr.erase("expr");
  EXPECT_TRUE(
      FailsWith(AlertRuleFromJson(no_expr), {"alert rule: missing required key 'expr'"}));
  Result<AlertRule> big = with("min_rows", std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(big.ok()) << big.status().message();
  EXPECT_EQ(big->min_rows, std::numeric_limits<int64_t>::max());
}

// ---- conditions and the state machine ----------------------------------------

AlertRule Rule(const std::string& expr, int for_windows) {
  Json j = {{"name", "r"}, {"deployment", "d"}, {"expr", expr}, {"for", for_windows}};
  Result<AlertRule> rule = AlertRuleFromJson(j);
  EXPECT_TRUE(rule.ok()) << rule.status().message();
  return rule.ok() ? *rule : AlertRule{};
}

TEST(AlertCondition, HoldsPerOperator) {
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  AlertRule gt = Rule("psi(feature=a) > 0.2", 1), ge = Rule("psi(feature=a) >= 0.2", 1);
  AlertRule lt = Rule("accuracy < 0.8", 1), le = Rule("accuracy <= 0.8", 1);
  EXPECT_TRUE(ConditionHolds(gt, 0.21));
  EXPECT_FALSE(ConditionHolds(gt, 0.2));
  EXPECT_TRUE(ConditionHolds(ge, 0.2));
  EXPECT_FALSE(ConditionHolds(ge, 0.19));
  EXPECT_TRUE(ConditionHolds(lt, 0.79));
  EXPECT_FALSE(ConditionHolds(lt, 0.8));
  EXPECT_TRUE(ConditionHolds(le, 0.8));
  EXPECT_FALSE(ConditionHolds(le, 0.81));
  EXPECT_TRUE(ConditionHolds(gt, inf));
  EXPECT_TRUE(ConditionHolds(lt, -inf));
  for (const AlertRule* r : {&gt, &ge, &lt, &le})
    EXPECT_FALSE(ConditionHolds(*r, nan)) << r->expr;
}

// Evaluates after each new window, as a scheduler would, and records states
// and the notified transitions.
struct Replayed {
  std::vector<AlertState> states;
  std::vector<std::string> transitions;  // "kind" or "kind!" when notified
};

Replayed Replay(const AlertRule& rule, const std::vector<std::optional<double>>& stream) {
  Replayed run;
  std::vector<std::optional<double>> seen;
  AlertState state = AlertState::kInactive;
  for (const std::optional<double>& v : stream) {
    seen.push_back(v);
    AlertState next = Evaluate(rule, seen).state;
    if (std::optional<AlertTransition> t = Transition(state, next)) {
      run.transitions.push_back(std::string(t->kind) + (t->notify ? "!" : ""));
    }
    run.states.push_back(state = next);
  }
  return run;
}

using S = AlertState;

TEST(AlertStateMachine, ForOneFiresAtOnceAndResolves) {
  Replayed run = Replay(Rule("psi(feature=a) > 0.2", 1), {0.1, 0.3, 0.4, 0.1, 0.25});
  EXPECT_EQ(run.states, (std::vector<S>{S::kInactive, S::kFiring, S::kFiring,
                                        S::kInactive, S::kFiring}));
  EXPECT_EQ(run.transitions,
            (std::vector<std::string>{"firing!", "resolved!", "firing!"}));
}

TEST(AlertStateMachine, ForThreeGoesThroughPending) {
  Replayed run =
      Replay(Rule("psi(feature=a) > 0.2", 3), {0.3, 0.3, 0.3, 0.5, 0.1, 0.3, 0.1});
  EXPECT_EQ(run.states, (std::vector<S>{S::kPending, S::kPending, S::kFiring, S::kFiring,
                                        S::kInactive, S::kPending, S::kInactive}));
  EXPECT_EQ(run.transitions, (std::vector<std::string>{"pending", "firing!", "resolved!",
                                                       "pending", "inactive"}));
}

TEST(AlertStateMachine, EvaluationReportsValueAndRun) {
  AlertRule rule = Rule("psi(feature=a) > 0.2", 3);
  AlertEvaluation e = Evaluate(rule, {0.1, 0.3, 0.4});
  EXPECT_EQ(e.state, S::kPending);
  EXPECT_EQ(e.value, 0.4);
  EXPECT_EQ(e.consecutive, 2);
  e = Evaluate(rule, {0.3, 0.3, 0.3, 0.3, 0.9});
  EXPECT_EQ(e.state, S::kFiring);
  EXPECT_EQ(e.consecutive, 5);  // not capped at `for`
  EXPECT_EQ(e.value, 0.9);
  e = Evaluate(rule, {0.3, 0.3, 0.3, 0.15});
  EXPECT_EQ(e.state, S::kInactive);
  EXPECT_EQ(e.consecutive, 0);
  EXPECT_EQ(e.value, 0.15);
}

TEST(AlertStateMachine, WindowsWithoutAValueAreSkipped) {
  AlertRule rule = Rule("accuracy < 0.8", 3);
  AlertEvaluation e = Evaluate(rule, {0.7, std::nullopt, 0.6, std::nullopt, 0.5});
  EXPECT_EQ(e.state, S::kFiring);
  EXPECT_EQ(e.consecutive, 3);
  EXPECT_EQ(e.value, 0.5);
  e = Evaluate(rule,
               {0.7, 0.6, 0.5, std::nullopt, std::nullopt});  // labels late: still firing
  EXPECT_EQ(e.state, S::kFiring);
  EXPECT_EQ(e.value, 0.5);
  e = Evaluate(rule, {0.9, std::nullopt, 0.7});
  EXPECT_EQ(e.state, S::kPending);
  EXPECT_EQ(e.consecutive, 1);
  e = Evaluate(rule, {});
  EXPECT_EQ(e.state, S::kInactive);
  EXPECT_EQ(e.value, std::nullopt);
  EXPECT_EQ(e.consecutive, 0);
  e = Evaluate(rule, {std::nullopt, std::nullopt});
  EXPECT_EQ(e.state, S::kInactive);
  EXPECT_EQ(e.value, std::nullopt);
  // Replayed: a missing window changes nothing.
  Replayed run =
      Replay(Rule("accuracy < 0.8", 2), {0.7, std::nullopt, 0.7, std::nullopt, 0.9});
  EXPECT_EQ(run.states, (std::vector<S>{S::kPending, S::kPending, S::kFiring, S::kFiring,
                                        S::kInactive}));
}

TEST(AlertStateMachine, NanNeverHoldsAndBreaksTheRun) {
  const double nan = std::nan("");
  AlertRule rule = Rule("psi(feature=a) > 0.2", 2);
  AlertEvaluation e = Evaluate(rule, {0.3, 0.3, nan});
  EXPECT_EQ(e.state, S::kInactive);
  ASSERT_TRUE(e.value.has_value());
  EXPECT_TRUE(std::isnan(*e.value));
  EXPECT_EQ(e.consecutive, 0);
  e = Evaluate(rule, {0.3, nan, 0.3});
  EXPECT_EQ(e.state, S::kPending);
  EXPECT_EQ(e.consecutive, 1);
  EXPECT_EQ(Evaluate(Rule("psi(feature=a) < 0.2", 1), {nan}).state, S::kInactive);
}

TEST(AlertStateMachine, NoValuesNeverFireEvenWithAZeroFor) {
  AlertRule rule;  // built by hand, bypassing validation: for_windows 0
  rule.for_windows = 0;
  rule.threshold = 0.5;
  EXPECT_EQ(Evaluate(rule, {}).state, S::kInactive);
  EXPECT_EQ(Evaluate(rule, {0.1}).state, S::kInactive);
  EXPECT_EQ(Evaluate(rule, {0.9}).state, S::kFiring);
}

TEST(AlertStateMachine, TransitionTable) {
  struct Row {
    S from, to;
    bool changes, notify;
    std::string_view kind;
  };
  const Row rows[] = {
      {S::kInactive, S::kInactive, false, false, ""},
      {S::kInactive, S::kPending, true, false, "pending"},
      {S::kInactive, S::kFiring, true, true, "firing"},
      {S::kPending, S::kInactive, true, false, "inactive"},
      {S::kPending, S::kPending, false, false, ""},
      {S::kPending, S::kFiring, true, true, "firing"},
      {S::kFiring, S::kInactive, true, true, "resolved"},
      {S::kFiring, S::kPending, true, true, "resolved"},
      {S::kFiring, S::kFiring, false, false, ""},
  };
  for (const Row& row : rows) {
    std::optional<AlertTransition> t = Transition(row.from, row.to);
    std::string pair = std::string(AlertStateName(row.from)) + "->" +
                       std::string(AlertStateName(row.to));
    ASSERT_EQ(t.has_value(), row.changes) << pair;
    if (!t) continue;
    EXPECT_EQ(t->from, row.from) << pair;
    EXPECT_EQ(t->to, row.to) << pair;
    EXPECT_EQ(t->notify, row.notify) << pair;
    EXPECT_EQ(t->kind, row.kind) << pair;
  }
}

TEST(AlertStateMachine, Names) {
  EXPECT_EQ(AlertStateName(S::kInactive), "inactive");
  EXPECT_EQ(AlertStateName(S::kPending), "pending");
  EXPECT_EQ(AlertStateName(S::kFiring), "firing");
  EXPECT_EQ(SeverityName(Severity::kInfo), "info");
  EXPECT_EQ(SeverityName(Severity::kCritical), "critical");
}

}  // namespace
}  // namespace ferry::monitoring
