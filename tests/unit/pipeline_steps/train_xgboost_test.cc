// train-xgboost end to end on small generated CSVs: what it learns, the
// package it writes (and that serving loads it and answers what the booster
// answers), early stopping, regression and multiclass objectives.
#include "pipelines/steps/train_xgboost.h"

#include <gtest/gtest.h>
#include <xgboost/c_api.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "pipelines/steps/feature_matrix.h"
#include "pipelines/steps/training_data.h"
#include "serving/model.h"
#include "serving/model_package.h"
#include "step_test_data.h"

namespace ferry::pipelines::steps {
namespace {

using nlohmann::json;
using testing::BinaryCsv;
namespace fs = std::filesystem;
using testing::MulticlassCsv;
using testing::ReadFile;
using testing::RegressionCsv;
using testing::TempDir;
using testing::WriteFile;

TrainXgboostOptions Options(const json& with) {
  auto o = TrainXgboostOptionsFromJson(with);
  EXPECT_TRUE(o.ok()) << o.status().ToString();
  return o.ok() ? *o : TrainXgboostOptions{};
}

class TrainXgboostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_ / "train.csv", BinaryCsv(600, 7));
    WriteFile(dir_ / "valid.csv", BinaryCsv(300, 99));
  }
  json BinaryWith() const {
    return {{"data", dir_ / "train.csv"},
            {"label", "y"},
            {"num_boost_round", 30},
            {"params", {{"max_depth", 3}, {"eta", 0.3}}},
            {"nthread", 1},
            {"output", dir_ / "model"}};
  }
  TempDir dir_;
};

// The booster's own predictions: model.json loaded through the C API and
// run on a DMatrix of `m`.
std::vector<float> BoosterPredictions(const std::string& model_file,
                                      const FeatureMatrix& m) {
  BoosterHandle booster = nullptr;
  DMatrixHandle dmat = nullptr;
  std::vector<float> out;
  EXPECT_EQ(XGBoosterCreate(nullptr, 0, &booster), 0);
  EXPECT_EQ(XGBoosterLoadModel(booster, model_file.c_str()), 0) << XGBGetLastError();
  EXPECT_EQ(XGDMatrixCreateFromMat(m.values.data(), m.rows, m.features.size(),
                                   std::numeric_limits<float>::quiet_NaN(), &dmat),
            0);
  bst_ulong len = 0;
  const float* result = nullptr;
  if (XGBoosterPredict(booster, dmat, 0, 0, 0, &len, &result) == 0)
    out.assign(result, result + len);
  XGDMatrixFree(dmat);
  XGBoosterFree(booster);
  return out;
}

// The package through serving's loader, fed one FP64 column per feature.
std::vector<float> ServedPredictions(const std::string& dir, const FeatureMatrix& m) {
  auto pkg = serving::ReadModelPackage(dir);
  EXPECT_TRUE(pkg.ok()) << pkg.status().ToString();
  if (!pkg.ok()) return {};
  EXPECT_EQ(pkg->backend, "xgboost");
  auto model = serving::LoadModel(*pkg);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  if (!model.ok()) return {};
  std::vector<serving::Tensor> inputs;
  for (size_t c = 0; c < m.features.size(); ++c) {
    serving::Tensor t{m.features[c], serving::DataType::kFp64, {m.rows}, {}};
    for (int64_t r = 0; r < m.rows; ++r) {
      serving::AppendRaw<double>(t.data, m.values[r * m.features.size() + c]);
    }
    inputs.push_back(std::move(t));
  }
  auto out = (*model)->Predict(inputs);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  if (!out.ok()) return {};
  auto values = (*out)[0].As<float>();
  return {values.begin(), values.end()};
}

TEST_F(TrainXgboostTest, LearnsTheRuleAndReportsMetrics) {
  auto r = TrainXgboost(Options(BinaryWith()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->train_rows, 480);
  EXPECT_EQ(r->valid_rows, 120);
  EXPECT_EQ(r->features, (std::vector<std::string>{"x0", "x1", "x2", "x3"}));
  EXPECT_EQ(r->rounds, 30);
  EXPECT_EQ(r->best_iteration, 29);
  EXPECT_GT(r->metrics.at("valid_auc"), 0.8);
  EXPECT_GT(r->metrics.at("train_auc"), r->metrics.at("valid_auc") - 0.1);
  for (const char* m : {"logloss", "accuracy", "f1", "precision", "recall"}) {
    EXPECT_TRUE(r->metrics.contains(std::string("train_") + m)) << m;
    EXPECT_TRUE(r->metrics.contains(std::string("valid_") + m)) << m;
  }
  json metrics = json::parse(ReadFile(dir_ / "model/metrics.json"));
  EXPECT_EQ(metrics, json(r->metrics));
  json params = json::parse(ReadFile(dir_ / "model/params.json"));
  EXPECT_EQ(params["objective"], "binary:logistic");
  EXPECT_EQ(params["num_boost_round"], 30);
  EXPECT_EQ(params["validation_fraction"], 0.2);
  EXPECT_EQ(params["params"]["max_depth"], "3");
}

TEST_F(TrainXgboostTest, WritesAnMlflowPackage) {
  auto r = TrainXgboost(Options(BinaryWith()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const char* f : {"MLmodel", "model.json", "metrics.json", "params.json",
                        "requirements.txt", "python_env.yaml", "conda.yaml"}) {
    EXPECT_TRUE(fs::is_regular_file(dir_.path() / "model" / f)) << f;
  }
  YAML::Node m = YAML::LoadFile(dir_ / "model/MLmodel");
  EXPECT_EQ(m["flavors"]["xgboost"]["data"].as<std::string>(), "model.json");
  EXPECT_EQ(m["flavors"]["xgboost"]["model_format"].as<std::string>(), "json");
  EXPECT_EQ(m["flavors"]["xgboost"]["model_class"].as<std::string>(),
            "xgboost.core.Booster");
  EXPECT_EQ(m["flavors"]["python_function"]["loader_module"].as<std::string>(),
            "mlflow.xgboost");
  EXPECT_EQ(m["flavors"]["python_function"]["data"].as<std::string>(), "model.json");
  EXPECT_EQ(m["model_uuid"].as<std::string>(), r->model_uuid);
  EXPECT_EQ(r->model_uuid.size(), 32u);
  EXPECT_EQ(m["utc_time_created"].as<std::string>().size(), 26u);
  json inputs = json::parse(m["signature"]["inputs"].as<std::string>());
  ASSERT_EQ(inputs.size(), 4u);
  EXPECT_EQ(inputs[0], json({{"type", "double"}, {"name", "x0"}}));
  json outputs = json::parse(m["signature"]["outputs"].as<std::string>());
  EXPECT_EQ(outputs[0]["tensor-spec"]["shape"], json({-1}));
  EXPECT_EQ(m["ferry"]["objective"].as<std::string>(), "binary:logistic");
  // Nothing is left beside the package.
  auto entries =
      std::distance(fs::directory_iterator(dir_.path()), fs::directory_iterator());
  EXPECT_EQ(entries, 3);  // train.csv, valid.csv, model
}

TEST_F(TrainXgboostTest, ServingAnswersWhatTheBoosterAnswers) {
  ASSERT_TRUE(TrainXgboost(Options(BinaryWith())).ok());
  auto m = ReadFeatureMatrix({dir_ / "valid.csv", "y", {}, nullptr});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::vector<float> booster = BoosterPredictions(dir_ / "model/model.json", *m);
  std::vector<float> served = ServedPredictions(dir_ / "model", *m);
  ASSERT_EQ(booster.size(), 300u);
  ASSERT_EQ(served.size(), booster.size());
  for (size_t i = 0; i < served.size(); ++i) {
    EXPECT_NEAR(served[i], booster[i], 1e-6) << "row " << i;
    EXPECT_GE(served[i], 0.0f);  // probabilities, not labels
    EXPECT_LE(served[i], 1.0f);
  }
}

TEST_F(TrainXgboostTest, SameSeedSameModel) {
  json with = BinaryWith();
  with["params"]["subsample"] = 0.7;
  with["seed"] = 5;
  auto a = TrainXgboost(Options(with));
  with["output"] = dir_ / "again";
  auto b = TrainXgboost(Options(with));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->metrics, b->metrics);
  EXPECT_EQ(ReadFile(dir_ / "model/model.json"), ReadFile(dir_ / "again/model.json"));
}

TEST(SplitRows, IsASeededPartitionInFileOrder) {
  std::vector<int64_t> train, valid, train2, valid2, train3, valid3;
  SplitRows(50, 10, 1, &train, &valid);
  SplitRows(50, 10, 1, &train2, &valid2);
  SplitRows(50, 10, 2, &train3, &valid3);
  EXPECT_EQ(valid.size(), 10u);
  EXPECT_EQ(train.size(), 40u);
  EXPECT_TRUE(std::is_sorted(valid.begin(), valid.end()));
  std::vector<int64_t> all = train;
  all.insert(all.end(), valid.begin(), valid.end());
  std::sort(all.begin(), all.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(all[i], i);
  EXPECT_EQ(valid, valid2);
  EXPECT_NE(valid, valid3);
}

TEST_F(TrainXgboostTest, EarlyStoppingKeepsTheBestRound) {
  json with = BinaryWith();
  with.erase("params");
  with["params"] = {
      {"max_depth", 6}, {"eta", 0.5}, {"eval_metric", json::array({"auc", "logloss"})}};
  with["num_boost_round"] = 500;
  with["early_stopping_rounds"] = 5;
  with["validation_data"] = dir_ / "valid.csv";
  auto r = TrainXgboost(Options(with));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_LT(r->rounds, 500);
  EXPECT_EQ(r->rounds, r->best_iteration + 6);  // five rounds without a better logloss
  EXPECT_EQ(r->valid_rows, 300);
  BoosterHandle booster = nullptr;
  ASSERT_EQ(XGBoosterCreate(nullptr, 0, &booster), 0);
  ASSERT_EQ(XGBoosterLoadModel(booster, (dir_ / "model/model.json").c_str()), 0);
  int rounds = 0;
  EXPECT_EQ(XGBoosterBoostedRounds(booster, &rounds), 0);
  EXPECT_EQ(rounds, r->best_iteration + 1);
  XGBoosterFree(booster);
  json params = json::parse(ReadFile(dir_ / "model/params.json"));
  EXPECT_EQ(params["params"]["eval_metric"], json({"auc", "logloss"}));
  EXPECT_EQ(params["validation_data"], dir_ / "valid.csv");
}

TEST_F(TrainXgboostTest, RegressionObjective) {
  WriteFile(dir_ / "reg.csv", RegressionCsv(500, 3));
  auto r = TrainXgboost(Options({{"data", dir_ / "reg.csv"},
                                 {"label", "y"},
                                 {"objective", "reg:squarederror"},
                                 {"num_boost_round", "60"},
                                 {"params", "{max_depth: 4, eta: 0.2}"},
                                 {"output", dir_ / "reg"}}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->metrics.at("valid_r2"), 0.8);
  EXPECT_LT(r->metrics.at("valid_rmse"), 0.5);
  EXPECT_TRUE(r->metrics.contains("train_mae"));
  EXPECT_FALSE(r->metrics.contains("valid_auc"));
  auto m = ReadFeatureMatrix({dir_ / "reg.csv", "y", {}, nullptr});
  ASSERT_TRUE(m.ok());
  std::vector<float> booster = BoosterPredictions(dir_ / "reg/model.json", *m);
  std::vector<float> served = ServedPredictions(dir_ / "reg", *m);
  ASSERT_EQ(served.size(), booster.size());
  for (size_t i = 0; i < served.size(); ++i) EXPECT_NEAR(served[i], booster[i], 1e-6);
}

TEST_F(TrainXgboostTest, MulticlassObjective) {
  WriteFile(dir_ / "multi.csv", MulticlassCsv(450, 11));
  auto r = TrainXgboost(Options({{"data", dir_ / "multi.csv"},
                                 {"label", "y"},
                                 {"objective", "multi:softprob"},
                                 {"num_class", 3},
                                 {"num_boost_round", 20},
                                 {"output", dir_ / "multi"}}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->metrics.at("valid_accuracy"), 0.9);
  EXPECT_TRUE(r->metrics.contains("valid_logloss"));
  YAML::Node m = YAML::LoadFile(dir_ / "multi/MLmodel");
  json outputs = json::parse(m["signature"]["outputs"].as<std::string>());
  EXPECT_EQ(outputs[0]["tensor-spec"]["shape"], json({-1, 3}));
}

}  // namespace
}  // namespace ferry::pipelines::steps
