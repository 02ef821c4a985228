// evaluate on packages train-xgboost wrote: the same metrics as training
// reported on the same rows, and the refusals.
#include "pipelines/steps/evaluate.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "pipelines/steps/train_xgboost.h"
#include "step_test_data.h"
#include "util/status_assertions.h"

namespace ferry::pipelines::steps {
namespace {

using nlohmann::json;
using testing::BinaryCsv;
namespace fs = std::filesystem;
using testing::ReadFile;
using testing::RegressionCsv;
using testing::TempDir;
using testing::WriteFile;
using testing_util::FailsWith;

class EvaluateTest : public ::testing::Test {
 protected:
  // Trains on train.csv with valid.csv as the validation set.
  TrainResult Train(const std::string& objective, const std::string& train_csv,
                    const std::string& valid_csv) {
    WriteFile(dir_ / "train.csv", train_csv);
    WriteFile(dir_ / "valid.csv", valid_csv);
    auto o = TrainXgboostOptionsFromJson({{"data", dir_ / "train.csv"},
                                          {"validation_data", dir_ / "valid.csv"},
                                          {"label", "y"},
                                          {"objective", objective},
                                          {"num_boost_round", 25},
                                          {"nthread", 1},
                                          {"output", dir_ / "model"}});
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    auto r = TrainXgboost(*o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : TrainResult{};
  }

  Result<EvaluateResult> Evaluate(json extra = json::object()) {
    json with = {{"model", dir_ / "model"},
                 {"data", dir_ / "valid.csv"},
                 {"label", "y"},
                 {"output", dir_ / "eval"}};
    for (const auto& [k, v] : extra.items()) with[k] = v;
    auto o = EvaluateOptionsFromJson(with);
    if (!o.ok()) return o.status();
    return EvaluateModel(*o);
  }

  TempDir dir_;
};

TEST_F(EvaluateTest, AgreesWithTrainingOnTheSameRows) {
  TrainResult t = Train("binary:logistic", BinaryCsv(500, 1), BinaryCsv(200, 2));
  auto r = Evaluate();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows, 200);
  EXPECT_EQ(r->performance.task, monitoring::Task::kBinary);
  for (const char* m : {"auc", "logloss", "accuracy", "f1", "precision", "recall"}) {
    ASSERT_TRUE(r->metrics.contains(m)) << m;
    EXPECT_NEAR(r->metrics.at(m), t.metrics.at(std::string("valid_") + m), 1e-12) << m;
  }
  json metrics = json::parse(ReadFile(dir_ / "eval/metrics.json"));
  EXPECT_EQ(metrics["rows"], 200);
  EXPECT_DOUBLE_EQ(metrics["auc"].get<double>(), r->metrics.at("auc"));
  json performance = json::parse(ReadFile(dir_ / "eval/performance.json"));
  EXPECT_EQ(performance["task"], "binary");
  EXPECT_EQ(r->metrics_path, dir_ / "eval/metrics.json");
}

TEST_F(EvaluateTest, ColumnsAreFoundByNameInAnyOrder) {
  TrainResult t = Train("binary:logistic", BinaryCsv(300, 1), BinaryCsv(100, 2));
  // The same rows with the columns reversed and an extra one.
  std::string csv = "extra,y,x3,x2,x1,x0\n";
  std::string valid = BinaryCsv(100, 2);
  size_t pos = valid.find('\n') + 1;
  while (pos < valid.size()) {
    size_t end = valid.find('\n', pos);
    std::string line = valid.substr(pos, end - pos);
    std::vector<std::string> cells;
    for (size_t s = 0, c; s <= line.size(); s = c + 1) {
      c = line.find(',', s);
      if (c == std::string::npos) c = line.size();
      cells.push_back(line.substr(s, c - s));
    }
    csv += "z," + cells[4] + "," + cells[3] + "," + cells[2] + "," + cells[1] + "," +
           cells[0] + "\n";
    pos = end + 1;
  }
  WriteFile(dir_ / "shuffled.csv", csv);
  auto r = Evaluate({{"data", dir_ / "shuffled.csv"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->features, (std::vector<std::string>{"x0", "x1", "x2", "x3"}));
  EXPECT_NEAR(r->metrics.at("auc"), t.metrics.at("valid_auc"), 1e-12);
}

TEST_F(EvaluateTest, RegressionTaskIsGuessed) {
  TrainResult t = Train("reg:squarederror", RegressionCsv(400, 5), RegressionCsv(150, 6));
  auto r = Evaluate();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->performance.task, monitoring::Task::kRegression);
  EXPECT_NEAR(r->metrics.at("rmse"), t.metrics.at("valid_rmse"), 1e-9);
  EXPECT_NEAR(r->metrics.at("r2"), t.metrics.at("valid_r2"), 1e-9);
  EXPECT_FALSE(r->metrics.contains("auc"));
}

TEST_F(EvaluateTest, ThresholdMovesAccuracyNotAuc) {
  Train("binary:logistic", BinaryCsv(300, 1), BinaryCsv(100, 2));
  auto half = Evaluate();
  auto high = Evaluate({{"threshold", 0.95}, {"task", "binary"}});
  ASSERT_TRUE(half.ok() && high.ok());
  EXPECT_DOUBLE_EQ(half->metrics.at("auc"), high->metrics.at("auc"));
  EXPECT_LT(high->metrics.at("recall"), half->metrics.at("recall"));
}

TEST_F(EvaluateTest, NamesAMissingSignatureColumn) {
  Train("binary:logistic", BinaryCsv(100, 1), BinaryCsv(50, 2));
  WriteFile(dir_ / "partial.csv", "x0,x1,x3,y\n0.1,0.2,0.3,1\n");
  EXPECT_TRUE(FailsWith(Evaluate({{"data", dir_ / "partial.csv"}}),
                        {"with.data", "no column 'x2'", "signature"}));
  WriteFile(dir_ / "nolabel.csv", "x0,x1,x2,x3\n0.1,0.2,0.3,0.4\n");
  EXPECT_TRUE(FailsWith(Evaluate({{"data", dir_ / "nolabel.csv"}}),
                        {"with.label", "no column 'y'"}));
  WriteFile(dir_ / "bad.csv", "x0,x1,x2,x3,y\n0.1,0.2,0.3,0.4,1\n0.1,oops,0.3,0.4,0\n");
  EXPECT_TRUE(FailsWith(Evaluate({{"data", dir_ / "bad.csv"}}),
                        {"with.data", "line 3", "column 'x1'"}));
}

TEST_F(EvaluateTest, NamesBadOptionsAndPackages) {
  EXPECT_TRUE(FailsWith(EvaluateOptionsFromJson({{"data", "d.csv"}, {"label", "y"}}),
                        {"with.model: is required"}));
  EXPECT_TRUE(FailsWith(
      EvaluateOptionsFromJson(
          {{"model", "m"}, {"data", "d.csv"}, {"label", "y"}, {"task", "ranking"}}),
      {"with.task", "ranking"}));
  EXPECT_TRUE(FailsWith(
      EvaluateOptionsFromJson(
          {{"model", "m"}, {"data", "d.csv"}, {"label", "y"}, {"threshold", 2}}),
      {"with.threshold: must be a number in [0, 1]"}));
  EXPECT_TRUE(FailsWith(
      EvaluateOptionsFromJson(
          {{"model", "m"}, {"data", "d.csv"}, {"label", "y"}, {"metric", "auc"}}),
      {"with.metric: unknown argument"}));
  auto o = EvaluateOptionsFromJson({{"model", "m"}, {"data", "d.csv"}, {"label", "y"}});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->output, ".");
  EXPECT_DOUBLE_EQ(o->threshold, 0.5);
  EXPECT_EQ(o->task, monitoring::Task::kAuto);
  fs::create_directories(dir_.path() / "empty");
  WriteFile(dir_ / "valid.csv", BinaryCsv(10, 2));
  EXPECT_TRUE(
      FailsWith(Evaluate({{"model", dir_ / "empty"}}), {"with.model", "no MLmodel"}));
}

}  // namespace
}  // namespace ferry::pipelines::steps
