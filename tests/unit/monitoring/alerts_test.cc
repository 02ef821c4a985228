// The alert evaluator against a real (SQLite) store: windows of served data
// written as the ingester writes them, rules evaluated after each window,
// states, history and notifications checked.
#include "monitoring/alerts.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "monitoring/csv_reader.h"
#include "monitoring/payload_records.h"
#include "test_data.h"
#include "util/scratch_db.h"

namespace ferry::monitoring {
namespace {

constexpr int64_t kWindow = 60'000;

class FakeClock : public Clock {
 public:
  int64_t NowMillis() const override { return now; }
  int64_t now = 0;
};

// One payload-log line: features a, b and the output "predict".
std::string Line(const std::string& id, int64_t time_ms, double a, double b, double p) {
  return "{\"deployment\":\"d\",\"inputs\":{\"a\":{\"data\":[" + std::to_string(a) +
         "],\"datatype\":\"FP64\",\"shape\":[1]},\"b\":{\"data\":[" + std::to_string(b) +
         "],\"datatype\":\"FP64\",\"shape\":[1]}},\"model\":\"m\",\"outputs\":{\"predict\":{\"data\":[" +
         std::to_string(p) + "],\"datatype\":\"FP64\",\"shape\":[1]}},\"prediction_id\":\"" + id +
         "\",\"role\":\"primary\",\"time\":" + std::to_string(time_ms) + ",\"version\":1}\n";
}

class AlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(scratch_.Open("sqlite").ok());
    monitor_ = std::make_unique<MonitorStore>(scratch_.db(), clock_);
    alerts_ = std::make_unique<AlertStore>(scratch_.db(), clock_);
    evaluator_ = std::make_unique<AlertEvaluator>(*monitor_, *alerts_, clock_, kWindow);
    evaluator_->SetNotifier([this](const AlertEvent& e, const AlertRule&) {
      if (refuse_) return Unavailable("receiver down");
      notified_.push_back(e.kind);
      return Status::Ok();
    });
    std::string csv = "a,b,predict\n";
    test_data::SplitMix64 rng(1);
    for (int i = 0; i < 1000; ++i) {
      csv += std::to_string(rng.Normal()) + "," + std::to_string(rng.Normal()) + "," + std::to_string(rng.Uniform()) +
             "\n";
    }
    Result<Table> table = ParseCsv(csv);
    ASSERT_TRUE(table.ok());
    reference_ = ProfileOf(*table);
    ASSERT_TRUE(monitor_->PutReference("m", 1, reference_, "").ok());
  }

  // Serves `rows` rows in window `w` (shifted by `shift`), stores them, and
  // moves the clock into that window; returns the prediction ids.
  std::vector<std::string> Serve(int w, double shift, int rows = 200) {
    std::string lines;
    std::vector<std::string> ids;
    test_data::SplitMix64 rng(100 + w);
    for (int i = 0; i < rows; ++i) {
      ids.push_back("w" + std::to_string(w) + "-" + std::to_string(i));
      double a = rng.Normal() + shift, b = rng.Normal() + shift, p = rng.Uniform();
      outputs_[ids.back()] = p;
      lines += Line(ids.back(), w * kWindow + i, a, b, p);
    }
    IngestStats stats;
    ProfiledLines p = ProfileRecords(lines, [&](const std::string&, int64_t) { return &reference_; }, &stats, kWindow);
    EXPECT_TRUE(monitor_->AddWindows(p.windows, p.predictions, {}).ok());
    clock_.now = w * kWindow + kWindow / 2;
    return ids;
  }

  AlertRule Rule(const std::string& yaml) {
    Result<std::vector<AlertRule>> rules = ParseAlertRulesYaml(yaml);
    EXPECT_TRUE(rules.ok()) << rules.status().message();
    EXPECT_TRUE(alerts_->PutRules(*rules).ok());
    return rules->front();
  }

  AlertStatus State(const std::string& rule) {
    Result<std::vector<AlertStatus>> states = alerts_->States();
    EXPECT_TRUE(states.ok());
    for (const AlertStatus& s : *states) {
      if (s.rule == rule) return s;
    }
    ADD_FAILURE() << "no state for " << rule;
    return {};
  }

  testing_util::ScratchDb scratch_;
  FakeClock clock_;
  std::unique_ptr<MonitorStore> monitor_;
  std::unique_ptr<AlertStore> alerts_;
  std::unique_ptr<AlertEvaluator> evaluator_;
  Profile reference_;
  std::vector<std::string> notified_;
  std::map<std::string, double> outputs_;  // prediction id → the model's output
  bool refuse_ = false;
};

TEST_F(AlertsTest, DriftFiresAfterForWindowsAndResolves) {
  Rule("rules:\n  - {name: drift, deployment: d, expr: 'dataset_drift_share > 0.5', for: 2, min_rows: 50}\n");
  std::vector<std::string> states;
  for (double shift : {0.0, 3.0, 3.0, 3.0, 0.0}) {
    Serve(static_cast<int>(states.size()), shift);
    ASSERT_TRUE(evaluator_->EvaluateAll().ok());
    states.emplace_back(AlertStateName(State("drift").state));
  }
  EXPECT_EQ(states, (std::vector<std::string>{"inactive", "pending", "firing", "firing", "inactive"}));
  EXPECT_EQ(notified_, (std::vector<std::string>{"firing", "resolved"}));
  AlertStatus s = State("drift");
  EXPECT_EQ(s.model, "m");
  EXPECT_EQ(s.version, 1);
  EXPECT_EQ(s.window_start, 4 * kWindow);
  ASSERT_TRUE(s.value.has_value());
  EXPECT_LT(*s.value, 0.5);
  Result<std::vector<AlertEvent>> history = alerts_->History("drift", 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);  // newest first
  EXPECT_EQ((*history)[0].kind, "resolved");
  EXPECT_EQ((*history)[1].kind, "firing");
  EXPECT_EQ((*history)[1].window_start, 2 * kWindow);
  EXPECT_EQ((*history)[2].kind, "pending");
  EXPECT_TRUE((*history)[0].notified && (*history)[2].notified);
}

TEST_F(AlertsTest, SmallWindowsAreNotEvaluated) {
  Rule("rules:\n  - {name: drift, deployment: d, expr: 'dataset_drift_share > 0.5', min_rows: 100}\n");
  Serve(0, 3.0, 40);  // drifted, but too few rows
  ASSERT_TRUE(evaluator_->EvaluateAll().ok());
  EXPECT_EQ(State("drift").state, AlertState::kInactive);
  EXPECT_FALSE(State("drift").value.has_value());
  Serve(1, 3.0, 150);
  ASSERT_TRUE(evaluator_->EvaluateAll().ok());
  EXPECT_EQ(State("drift").state, AlertState::kFiring);
}

TEST_F(AlertsTest, ColumnTestsAndMissingFeaturesNameTheProblem) {
  Rule("rules:\n  - {name: psi-a, deployment: d, expr: 'psi(feature=a) > 0.2'}\n"
       "  - {name: nope, deployment: d, expr: 'psi(feature=nope) > 0.2'}\n"
       "  - {name: pred, deployment: d, expr: 'prediction_drift < 0.05'}\n");
  Serve(0, 3.0);
  ASSERT_TRUE(evaluator_->EvaluateAll().ok());
  AlertStatus psi = State("psi-a");
  EXPECT_EQ(psi.state, AlertState::kFiring);
  EXPECT_GT(*psi.value, 0.2);
  EXPECT_TRUE(psi.error.empty()) << psi.error;
  AlertStatus nope = State("nope");
  EXPECT_EQ(nope.state, AlertState::kInactive);
  EXPECT_NE(nope.error.find("nope"), std::string::npos) << nope.error;
  AlertStatus pred = State("pred");  // the output was not shifted: its p-value is not small
  EXPECT_TRUE(pred.error.empty()) << pred.error;
  ASSERT_TRUE(pred.value.has_value());
  EXPECT_EQ(pred.state, AlertState::kInactive);
}

TEST_F(AlertsTest, PerformanceRulesUseTheWindowsLabels) {
  Rule("rules:\n  - {name: acc, deployment: d, expr: 'accuracy < 0.8', min_rows: 50}\n");
  std::vector<std::string> good = Serve(0, 0.0);
  ASSERT_TRUE(evaluator_->EvaluateAll().ok());
  EXPECT_FALSE(State("acc").value.has_value());  // no labels yet: no value, no alert
  // Labels agreeing with the predicted class (p >= 0.5) on 7 rows in 10.
  std::vector<LabelEntry> labels;
  for (size_t i = 0; i < good.size(); ++i) {
    bool predicted = outputs_[good[i]] >= 0.5;
    labels.push_back({good[i], 0, (i % 10 < 7) == predicted ? "1" : "0"});
  }
  Result<LabelCounts> counts = monitor_->AddLabels("d", labels);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->matched, 200);
  ASSERT_TRUE(evaluator_->EvaluateAll().ok());
  AlertStatus s = State("acc");
  ASSERT_TRUE(s.value.has_value()) << s.error;
  EXPECT_DOUBLE_EQ(*s.value, 0.7);
  EXPECT_EQ(s.state, AlertState::kFiring);
}

TEST_F(AlertsTest, AFailedNotificationIsRetriedOnTheNextPass) {
  Rule("rules:\n  - {name: rows, deployment: d, expr: 'rows > 10'}\n");
  Serve(0, 0.0);
  refuse_ = true;
  ASSERT_TRUE(evaluator_->EvaluateAll().ok());
  EXPECT_EQ(State("rows").state, AlertState::kFiring);
  EXPECT_TRUE(notified_.empty());
  refuse_ = false;
  ASSERT_TRUE(evaluator_->EvaluateAll().ok());
  ASSERT_TRUE(evaluator_->EvaluateAll().ok());
  EXPECT_EQ(notified_, std::vector<std::string>{"firing"});  // once, late
}

TEST_F(AlertsTest, ErrorRateComparesRequestCountsBetweenEvaluations) {
  std::pair<uint64_t, uint64_t> counts{100, 0};
  evaluator_->SetRequestCounts([&](const std::string& d) {
    EXPECT_EQ(d, "d");
    return counts;
  });
  Rule("rules:\n  - {name: errors, deployment: d, expr: 'error_rate > 1%', min_rows: 10}\n");
  Serve(0, 0.0);                                 // names the version a notification is about
  ASSERT_TRUE(evaluator_->EvaluateAll().ok());  // the first look only takes the counts
  EXPECT_EQ(State("errors").state, AlertState::kInactive);
  counts = {200, 50};
  ASSERT_TRUE(evaluator_->EvaluateAll().ok());
  EXPECT_EQ(State("errors").state, AlertState::kFiring);
  EXPECT_DOUBLE_EQ(*State("errors").value, 0.5);
  EXPECT_EQ(State("errors").model, "m");
  EXPECT_EQ(notified_, std::vector<std::string>{"firing"});
  counts = {300, 50};
  ASSERT_TRUE(evaluator_->EvaluateAll().ok());
  EXPECT_EQ(State("errors").state, AlertState::kInactive);
  EXPECT_DOUBLE_EQ(*State("errors").value, 0.0);
}

TEST_F(AlertsTest, DeletedRulesLoseTheirStateButKeepHistory) {
  Rule("rules:\n  - {name: rows, deployment: d, expr: 'rows > 10'}\n");
  Serve(0, 0.0);
  ASSERT_TRUE(evaluator_->EvaluateAll().ok());
  ASSERT_TRUE(alerts_->DeleteRule("rows").ok());
  EXPECT_EQ(alerts_->DeleteRule("rows").code(), StatusCode::kNotFound);
  EXPECT_TRUE(alerts_->States()->empty());
  EXPECT_EQ(alerts_->History("rows", 10)->size(), 1u);
}

}  // namespace
}  // namespace ferry::monitoring
