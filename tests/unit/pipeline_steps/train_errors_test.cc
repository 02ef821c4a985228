// train-xgboost's refusals: every bad `with:` argument named as with.<field>,
// and bad data named with its file, line and column.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "pipelines/steps/train_xgboost.h"
#include "step_test_data.h"
#include "util/status_assertions.h"

namespace ferry::pipelines::steps {
namespace {

using nlohmann::json;
using testing::BinaryCsv;
namespace fs = std::filesystem;
using testing::TempDir;
using testing::WriteFile;
using testing_util::FailsWith;

json Base() { return {{"data", "train.csv"}, {"label", "y"}}; }

json With(const json& extra) {
  json with = Base();
  for (const auto& [k, v] : extra.items()) with[k] = v;
  return with;
}

TEST(TrainXgboostOptions, Defaults) {
  auto o = TrainXgboostOptionsFromJson(Base());
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->objective, "binary:logistic");
  EXPECT_EQ(o->num_boost_round, 100);
  EXPECT_DOUBLE_EQ(o->validation_fraction, 0.2);
  EXPECT_EQ(o->seed, 0);
  EXPECT_EQ(o->early_stopping_rounds, 0);
  EXPECT_EQ(o->nthread, 0);
  EXPECT_EQ(o->output, "model");
  EXPECT_TRUE(o->features.empty());
}

TEST(TrainXgboostOptions, AcceptsTextFromAPipelineFile) {
  auto o = TrainXgboostOptionsFromJson(
      With({{"num_boost_round", "50"},
            {"features", "x0, x1"},
            {"validation_fraction", "0.25"},
            {"params", "{max_depth: 4, eta: 0.1, eval_metric: [auc, logloss]}"}}));
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->num_boost_round, 50);
  EXPECT_EQ(o->features, (std::vector<std::string>{"x0", "x1"}));
  EXPECT_DOUBLE_EQ(o->validation_fraction, 0.25);
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(o->params, (std::vector<P>{{"eta", "0.1"},
                                       {"eval_metric", "auc"},
                                       {"eval_metric", "logloss"},
                                       {"max_depth", "4"}}));
  auto listed = TrainXgboostOptionsFromJson(
      With({{"features", "[x1, x0]"}, {"params", {{"eta", 0.05}}}}));
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->features, (std::vector<std::string>{"x1", "x0"}));
  EXPECT_EQ(listed->params, (std::vector<P>{{"eta", "0.05"}}));
}

TEST(TrainXgboostOptions, NamesEveryBadField) {
  struct Case {
    json with;
    std::vector<std::string_view> want;
  };
  const std::vector<Case> cases = {
      {json::object(), {"with.data: is required"}},
      {{{"data", "a.csv"}}, {"with.label: is required"}},
      {With({{"data", json::array({"a.csv"})}}), {"with.data: must be text"}},
      {With({{"label", true}}), {"with.label: must be text"}},
      {With({{"epochs", 3}}), {"with.epochs: unknown argument", "num_boost_round"}},
      {With({{"num_boost_round", 0}}),
       {"with.num_boost_round: must be an integer in [1, 100000]"}},
      {With({{"num_boost_round", "ten"}}), {"with.num_boost_round"}},
      {With({{"num_boost_round", 2.5}}), {"with.num_boost_round"}},
      {With({{"objective", "rank:pairwise"}}), {"with.objective", "rank:pairwise"}},
      {With({{"objective", "multi:softprob"}}), {"with.num_class: is required"}},
      {With({{"num_class", 3}}), {"with.num_class: is only for"}},
      {With({{"objective", "multi:softprob"}, {"num_class", 1}}), {"with.num_class"}},
      {With({{"validation_fraction", 1}}),
       {"with.validation_fraction: must be a number in [0, 1)"}},
      {With({{"validation_fraction", -0.1}}), {"with.validation_fraction"}},
      {With({{"validation_fraction", 0.1}, {"validation_data", "v.csv"}}),
       {"with.validation_fraction", "not both"}},
      {With({{"validation_fraction", 0}, {"early_stopping_rounds", 5}}),
       {"with.early_stopping_rounds"}},
      {With({{"early_stopping_rounds", 0}}), {"with.early_stopping_rounds"}},
      {With({{"seed", -1}}), {"with.seed"}},
      {With({{"nthread", 5000}}), {"with.nthread"}},
      {With({{"features", json::array({"x0", "y"})}}),
       {"with.features", "'y' is the label"}},
      {With({{"features", json::array({"x0", "x0"})}}),
       {"with.features", "'x0' is listed twice"}},
      {With({{"features", json::array()}}), {"with.features"}},
      {With({{"features", json::array({1, json::object()})}}), {"with.features"}},
      {With({{"params", 3}}), {"with.params: must be a mapping"}},
      {With({{"params", "[1, 2"}}), {"with.params", "line 1"}},
      {With({{"params", {{"objective", "reg:squarederror"}}}}),
       {"with.params.objective", "with.objective"}},
      {With({{"params", {{"nthread", 2}}}}), {"with.params.nthread"}},
      {With({{"params", {{"max depth", 2}}}}), {"with.params", "'max depth'"}},
      {With({{"params", {{"eta", nullptr}}}}), {"with.params.eta: has no value"}},
      {With({{"output", ""}}), {"with.output: must not be empty"}},
      {json::array({1}), {"with: must be a mapping"}},
  };
  for (const Case& c : cases) {
    auto o = TrainXgboostOptionsFromJson(c.with);
    for (std::string_view want : c.want)
      EXPECT_TRUE(FailsWith(o, {want})) << c.with.dump();
  }
}

class TrainDataErrorsTest : public ::testing::Test {
 protected:
  // Trains on `csv` (a few rounds) and returns the outcome.
  // A package from an earlier call is removed first.
  Result<TrainResult> Train(const std::string& csv, json extra = json::object()) {
    fs::remove_all(dir_.path() / "model");
    WriteFile(dir_ / "t.csv", csv);
    json with = {{"data", dir_ / "t.csv"},   {"label", "y"}, {"num_boost_round", 2},
                 {"validation_fraction", 0}, {"nthread", 1}, {"output", dir_ / "model"}};
    for (const auto& [k, v] : extra.items()) with[k] = v;
    auto o = TrainXgboostOptionsFromJson(with);
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    if (!o.ok()) return o.status();
    return TrainXgboost(*o);
  }
  TempDir dir_;
};

TEST_F(TrainDataErrorsTest, NamesTheCellThatIsNotANumber) {
  auto r = Train("x0,x1,y\n1,2,0\n3,4,1\n5,abc,1\n");
  EXPECT_TRUE(FailsWith(
      r, {"with.data", "t.csv", "line 4", "column 'x1'", "'abc'", "not a number"}));
  EXPECT_FALSE(fs::exists(dir_.path() / "model"));
}

TEST_F(TrainDataErrorsTest, CountsLinesInsideQuotedCells) {
  auto r = Train("x0,note,y\n1,\"two\nlines\",0\n2,x,1\n",
                 {{"features", json::array({"x0", "note"})}});
  EXPECT_TRUE(FailsWith(r, {"line 2", "column 'note'", "'two?lines'"}));
  auto later = Train("x0,x1,y\n\"1\",\"2\",0\n\n3,bad,1\n");
  EXPECT_TRUE(FailsWith(later, {"line 4", "column 'x1'"}));
}

TEST_F(TrainDataErrorsTest, MissingCellsAreNaNButInfinityIsRefused) {
  auto ok = Train("x0,x1,y\n1,,0\nNA,4,1\n5,NaN,1\n2,null,0\n");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  auto inf = Train("x0,x1,y\n1,2,0\n3,inf,1\n");
  EXPECT_TRUE(FailsWith(inf, {"line 3", "column 'x1'", "infinite"}));
  auto huge = Train("x0,x1,y\n1,2,0\n3,1e300,1\n");
  EXPECT_TRUE(FailsWith(huge, {"line 3", "32-bit float range"}));
}

TEST_F(TrainDataErrorsTest, RefusesBadLabels) {
  EXPECT_TRUE(FailsWith(
      Train("x0,y\n1,0\n2,2\n"),
      {"line 3", "label column 'y'", "'2'", "binary:logistic takes labels 0 and 1"}));
  EXPECT_TRUE(FailsWith(Train("x0,y\n1,0\n2,-1\n"), {"line 3", "binary:logistic"}));
  EXPECT_TRUE(FailsWith(Train("x0,y\n1,0\n2,\n"), {"line 3", "the label is missing"}));
  EXPECT_TRUE(FailsWith(Train("x0,y\n1,0\n2,NaN\n"), {"line 3", "the label is missing"}));
  EXPECT_TRUE(
      FailsWith(Train("x0,y\n1,0\n2,yes\n"), {"line 3", "'yes' is not a number"}));
  EXPECT_TRUE(FailsWith(Train("x0,y\n1,0\n2,inf\n", {{"objective", "reg:squarederror"}}),
                        {"line 3", "infinite"}));
  EXPECT_TRUE(FailsWith(
      Train("x0,y\n1,0\n2,3\n", {{"objective", "multi:softprob"}, {"num_class", 3}}),
      {"line 3", "takes labels 0 to 2"}));
  EXPECT_TRUE(FailsWith(
      Train("x0,y\n1,0\n2,1.5\n", {{"objective", "multi:softprob"}, {"num_class", 3}}),
      {"line 3", "takes labels 0 to 2"}));
}

TEST_F(TrainDataErrorsTest, NamesMissingColumns) {
  EXPECT_TRUE(FailsWith(Train("x0,x1\n1,0\n"), {"with.label", "no column 'y'"}));
  EXPECT_TRUE(FailsWith(Train("x0,y\n1,0\n", {{"features", json::array({"x0", "x9"})}}),
                        {"with.features", "no column 'x9'"}));
  WriteFile(dir_ / "v.csv", "x1,y\n1,0\n");
  EXPECT_TRUE(FailsWith(Train("x0,x1,y\n1,2,0\n", {{"validation_data", dir_ / "v.csv"},
                                                   {"validation_fraction", nullptr}}),
                        {"with.validation_data", "no column 'x0'"}));
}

TEST_F(TrainDataErrorsTest, RefusesMalformedFiles) {
  EXPECT_TRUE(
      FailsWith(Train("x0,y\n1,0\n2,1,3\n"), {"line 3", "3 cells, the header has 2"}));
  EXPECT_TRUE(FailsWith(Train("x0,y\n1,0\n\"2,1\n"), {"line 3", "never closed"}));
  EXPECT_TRUE(FailsWith(Train("x0,x0,y\n1,2,0\n"), {"line 1", "'x0' appears twice"}));
  EXPECT_TRUE(FailsWith(Train(""), {"with.data", "empty"}));
  EXPECT_TRUE(FailsWith(Train("x0,y\n"), {"with.data", "no data rows"}));
  EXPECT_TRUE(FailsWith(Train("x[0],y\n1,0\n"), {"with.data", "column 'x[0]'", "'['"}));
  auto missing = TrainXgboostOptionsFromJson(
      {{"data", dir_ / "nope.csv"}, {"label", "y"}, {"output", dir_ / "m2"}});
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(FailsWith(TrainXgboost(*missing),
                        {"with.data", "nope.csv", "not a readable file"}));
}

TEST_F(TrainDataErrorsTest, RefusesParamsXGBoostRejects) {
  EXPECT_TRUE(FailsWith(Train("x0,y\n1,0\n2,1\n", {{"params", {{"max_depth", "deep"}}}}),
                        {"with.params"}));
}

TEST_F(TrainDataErrorsTest, LeavesNoTrainingRows) {
  EXPECT_TRUE(FailsWith(Train("x0,y\n1,0\n", {{"validation_fraction", 0.5}}),
                        {"with.validation_fraction", "leaves no training rows"}));
}

TEST_F(TrainDataErrorsTest, NeverWritesOverAFolder) {
  WriteFile(dir_ / "t.csv", BinaryCsv(20, 1));
  auto o = TrainXgboostOptionsFromJson({{"data", dir_ / "t.csv"},
                                        {"label", "y"},
                                        {"num_boost_round", 2},
                                        {"output", dir_ / "model"}});
  ASSERT_TRUE(o.ok());
  fs::create_directories(dir_.path() / "model");
  WriteFile(dir_ / "model/keep.txt", "mine");
  EXPECT_TRUE(FailsWith(TrainXgboost(*o), {"with.output", "not empty"}));
  EXPECT_EQ(testing::ReadFile(dir_ / "model/keep.txt"), "mine");
  fs::remove(dir_.path() / "model/keep.txt");
  auto r = TrainXgboost(*o);  // an empty folder is fine
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(fs::exists(dir_.path() / "model/MLmodel"));
}

}  // namespace
}  // namespace ferry::pipelines::steps
