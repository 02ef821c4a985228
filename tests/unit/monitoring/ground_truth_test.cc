#include "monitoring/ground_truth.h"

#include <gtest/gtest.h>

#include <string>

#include "util/scratch_db.h"

namespace ferry::monitoring {
namespace {

using Json = nlohmann::json;

std::string ErrorOf(const Json& body) {
  Result<std::vector<LabelEntry>> r = ParseLabels(body);
  EXPECT_FALSE(r.ok()) << body.dump();
  return r.ok() ? "" : r.status().message();
}

TEST(ParseLabels, TakesNumbersStringsAndBooleansTheLaterDuplicateWins) {
  Result<std::vector<LabelEntry>> r = ParseLabels(Json::parse(R"({"labels": [
      {"prediction_id": "a", "label": 1}, {"prediction_id": "a", "row": 2, "label": "fraud"},
      {"prediction_id": "b", "label": true}, {"prediction_id": "a", "label": 0.5}]})"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].label, "0.5");  // the later (a, 0) replaced the first
  EXPECT_EQ((*r)[1].row, 2);
  EXPECT_EQ((*r)[1].label, "\"fraud\"");
  EXPECT_EQ((*r)[2].label, "1");
}

TEST(ParseLabels, ABadEntryRejectsTheBatchNamingItsIndexAndField) {
  EXPECT_NE(ErrorOf(Json::parse("[1]")).find("body"), std::string::npos);
  EXPECT_NE(ErrorOf({{"labels", "x"}}).find("labels: must be a list"), std::string::npos);
  EXPECT_NE(ErrorOf({{"labels", Json::array()}}).find("empty"), std::string::npos);
  auto bad = [](const Json& entry) {
    return ErrorOf({{"labels", Json::array({{{"prediction_id", "ok"}, {"label", 1}}, entry})}});
  };
  EXPECT_EQ(bad(5), "labels[1]: must be an object");
  EXPECT_EQ(bad({{"label", 1}}), "labels[1].prediction_id: missing");
  EXPECT_EQ(bad({{"prediction_id", ""}, {"label", 1}}), "labels[1].prediction_id: must be a non-empty string");
  EXPECT_EQ(bad({{"prediction_id", 7}, {"label", 1}}), "labels[1].prediction_id: must be a non-empty string");
  EXPECT_EQ(bad({{"prediction_id", std::string(300, 'x')}, {"label", 1}}),
            "labels[1].prediction_id: longer than 256 bytes");
  EXPECT_EQ(bad({{"prediction_id", "p"}}), "labels[1].label: missing");
  EXPECT_EQ(bad({{"prediction_id", "p"}, {"label", nullptr}}), "labels[1].label: must be a number, string or boolean");
  EXPECT_EQ(bad({{"prediction_id", "p"}, {"label", Json::array()}}),
            "labels[1].label: must be a number, string or boolean");
  EXPECT_EQ(bad({{"prediction_id", "p"}, {"label", std::string(2000, 'y')}}), "labels[1].label: longer than 1024 bytes");
  EXPECT_EQ(bad({{"prediction_id", "p"}, {"label", 1}, {"row", -1}}), "labels[1].row: must be an integer in [0, 2^31)");
  EXPECT_EQ(bad({{"prediction_id", "p"}, {"label", 1}, {"row", 1.5}}), "labels[1].row: must be an integer in [0, 2^31)");
  EXPECT_EQ(bad({{"prediction_id", "p"}, {"label", 1}, {"rows", 1}}),
            "labels[1].rows: unknown field (expected prediction_id, row, label)");
  Json many = Json::array();
  for (size_t i = 0; i <= kMaxLabelsPerBatch; ++i) many.push_back({{"prediction_id", "p"}, {"label", 1}});
  EXPECT_NE(ErrorOf({{"labels", many}}).find("at most 100000"), std::string::npos);
}

LabelledPrediction Labelled(const std::string& id, int64_t version, int64_t time, const std::string& outputs,
                            int64_t row, const std::string& label, int64_t received) {
  LabelledPrediction p;
  p.prediction_id = id;
  p.model = "m";
  p.version = version;
  p.role = version == 1 ? "primary" : "shadow";
  p.time_ms = time;
  p.outputs = outputs;
  p.row = row;
  p.label = label;
  p.received_ms = received;
  return p;
}

TEST(PerformanceOf, PerVersionAndWindowWithLabelDelay) {
  const std::string two_rows = R"({"predict":{"shape":[2],"data":[0.9,0.2]}})";
  std::vector<LabelledPrediction> rows = {
      Labelled("a", 1, 1000, two_rows, 0, "1", 3000),   // right
      Labelled("a", 1, 1000, "", 1, "1", 5000),         // wrong (0.2), shares a's outputs
      Labelled("a", 1, 1000, "", 2, "1", 5000),         // row 2 of a 2-row request
      Labelled("b", 1, 61000, R"({"predict":{"shape":[1],"data":[0.1]}})", 0, "0", 62000),  // right
      Labelled("a", 2, 1000, R"({"label":{"shape":[2],"data":["yes","no"]}})", 0, "\"yes\"", 3000),
  };
  GroundTruthOptions options;
  options.window_ms = 60000;
  Result<std::vector<VersionPerformance>> r = PerformanceOf(rows, options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  const VersionPerformance& v1 = (*r)[0];  // most labelled rows first
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v1.metrics.rows, 3);
  EXPECT_EQ(v1.rows_out_of_range, 1);
  EXPECT_EQ(v1.metrics.task, Task::kBinary);
  EXPECT_DOUBLE_EQ(*v1.metrics.accuracy, 2.0 / 3.0);
  EXPECT_EQ(v1.roles, std::vector<std::string>{"primary"});
  EXPECT_EQ(v1.delay.count, 3);
  EXPECT_DOUBLE_EQ(v1.delay.max_s, 4.0);
  EXPECT_DOUBLE_EQ(v1.delay.p50_s, 2.0);
  ASSERT_EQ(v1.windows.size(), 2u);
  EXPECT_EQ(v1.windows[0].start_ms, 0);
  EXPECT_DOUBLE_EQ(*v1.windows[0].metrics.accuracy, 0.5);
  EXPECT_EQ(v1.windows[1].start_ms, 60000);
  EXPECT_EQ(v1.windows[1].metrics.task, Task::kBinary);  // judged as the whole range is
  const VersionPerformance& v2 = (*r)[1];
  EXPECT_EQ(v2.version, 2);
  EXPECT_DOUBLE_EQ(*v2.metrics.accuracy, 1.0);  // a class name as output
}

TEST(PerformanceOf, RequestsWithoutTheOutputAreCounted) {
  std::vector<LabelledPrediction> rows = {
      Labelled("a", 1, 0, R"({"predict":{"shape":[1],"data":[0.9]}})", 0, "1", 0),
      Labelled("b", 1, 0, "not json", 0, "1", 0),
  };
  GroundTruthOptions options;
  options.output = "predict";
  Result<std::vector<VersionPerformance>> r = PerformanceOf(rows, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].outputs_missing, 1);
  EXPECT_EQ((*r)[0].metrics.rows, 1);
  options.output = "nope";
  r = PerformanceOf(rows, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].outputs_missing, 2);
  EXPECT_EQ((*r)[0].metrics.rows, 0);
}

TEST(LabelStore, MatchedAndUnmatchedLabelsAndReplacement) {
  testing_util::ScratchDb scratch;
  ASSERT_TRUE(scratch.Open("sqlite").ok());
  struct : Clock {
    int64_t NowMillis() const override { return 5000; }
  } clock;
  MonitorStore store(scratch.db(), clock);
  PredictionRow p{"d", "p1", "m", 1, "primary", 1000, 1, R"({"y":{"shape":[1],"data":[0.7]}})"};
  ASSERT_TRUE(store.AddWindows({}, {p, p}, {}).ok());  // indexed once
  Result<LabelCounts> counts = store.AddLabels("d", {{"p1", 0, "0"}, {"zz", 0, "1"}});
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->accepted, 2);
  EXPECT_EQ(counts->matched, 1);
  ASSERT_TRUE(store.AddLabels("d", {{"p1", 0, "1"}}).ok());  // a correction replaces
  Result<std::vector<LabelledPrediction>> joined = store.LabelledPredictions("d", "", 0, 0, 2000);
  ASSERT_TRUE(joined.ok());
  ASSERT_EQ(joined->size(), 1u);
  EXPECT_EQ((*joined)[0].label, "1");
  EXPECT_EQ((*joined)[0].outputs, p.outputs);
  EXPECT_EQ((*joined)[0].received_ms, 5000);
  EXPECT_EQ(*store.UnmatchedLabels("d", 0, 10000), 1);
  EXPECT_EQ(*store.UnmatchedLabels("other", 0, 10000), 0);
  EXPECT_TRUE(store.LabelledPredictions("d", "", 0, 2000, 3000)->empty());  // by prediction time
  EXPECT_EQ(*store.OutputName("d", "m", 1), "y");
}

}  // namespace
}  // namespace ferry::monitoring
