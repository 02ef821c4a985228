// TrackingService over a real SQLite store: MLflow's rules (immutable
// params, batch limits, all-or-nothing batches, run state), latest-metric
// semantics and non-finite values.
#include "tracking/tracking_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "store/database.h"

namespace ferry::tracking {
namespace {
namespace fs = std::filesystem;

class FakeClock final : public Clock {
 public:
  int64_t NowMillis() const override { return now; }
  int64_t now = 1'700'000'000'000;
};

class TrackingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ferry-trk-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto db = store::OpenDatabase("sqlite://" + (dir_ / "t.db").string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    store_ = std::make_unique<TrackingStore>(*db_);
    service_ = std::make_unique<TrackingService>(*store_, clock_);
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  std::string NewRun(const std::string& exp = "0") {
    auto run = service_->CreateRun({exp, "", "", std::nullopt, {}});
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return run->info.run_id;
  }

  fs::path dir_;
  FakeClock clock_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<TrackingStore> store_;
  std::unique_ptr<TrackingService> service_;
};

TEST_F(TrackingServiceTest, ExperimentLifecycle) {
  auto id = service_->CreateExperiment("fraud", "", {{"team", "risk"}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto dup = service_->CreateExperiment("fraud", "", {});
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  auto e = service_->GetExperimentByName("fraud");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->artifact_location, "mlflow-artifacts:/" + *id);
  ASSERT_EQ(e->tags.size(), 1u);
  ASSERT_TRUE(service_->DeleteExperiment(*id).ok());
  EXPECT_EQ(service_->GetExperiment(*id)->lifecycle_stage, "deleted");
  EXPECT_FALSE(service_->CreateRun({*id, "", "", std::nullopt, {}}).ok());
  ASSERT_TRUE(service_->RestoreExperiment(*id).ok());
  EXPECT_EQ(service_->GetExperiment("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->DeleteExperiment("0").code(), StatusCode::kInvalidArgument);
}

TEST_F(TrackingServiceTest, ParamsAreImmutable) {
  std::string run = NewRun();
  ASSERT_TRUE(service_->LogBatch(run, {}, {{"lr", "0.1"}}, {}).ok());
  EXPECT_TRUE(service_->LogBatch(run, {}, {{"lr", "0.1"}}, {}).ok());
  Status st = service_->LogBatch(run, {}, {{"lr", "0.2"}}, {});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("Changing param values is not allowed"), std::string::npos);
}

TEST_F(TrackingServiceTest, FailedBatchWritesNothing) {
  std::string run = NewRun();
  ASSERT_TRUE(service_->LogBatch(run, {}, {{"p", "1"}}, {}).ok());
  Status st = service_->LogBatch(run, {{"m", 1.0, 1, 0}}, {{"p", "2"}}, {{"t", "v"}});
  ASSERT_FALSE(st.ok());
  auto got = service_->GetRun(run);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->metrics.empty());
  for (const auto& t : got->tags) EXPECT_NE(t.key, "t");
  auto history = service_->GetMetricHistory(run, "m", 0, "");
  EXPECT_TRUE(history->metrics.empty());
}

TEST_F(TrackingServiceTest, BatchLimitsAndKeysAreChecked) {
  std::string run = NewRun();
  std::vector<Metric> many(1001, Metric{"m", 1.0, 1, 0});
  EXPECT_EQ(service_->LogBatch(run, many, {}, {}).code(), StatusCode::kInvalidArgument);
  std::vector<Param> params(101, Param{"p", "v"});
  EXPECT_EQ(service_->LogBatch(run, {}, params, {}).code(), StatusCode::kInvalidArgument);
  Status bad_key = service_->LogBatch(run, {{"../etc", 1.0, 1, 0}}, {}, {});
  EXPECT_EQ(bad_key.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_key.message().find("metrics[0].key"), std::string::npos);
  Status long_value = service_->LogBatch(run, {}, {{"p", std::string(6001, 'x')}}, {});
  EXPECT_NE(long_value.message().find("params[0].value"), std::string::npos);
  EXPECT_EQ(service_->LogBatch("missing", {}, {}, {}).code(), StatusCode::kNotFound);
}

TEST_F(TrackingServiceTest, LatestMetricFollowsStepThenTimestamp) {
  std::string run = NewRun();
  ASSERT_TRUE(service_->LogBatch(run, {{"loss", 0.5, 100, 2}, {"loss", 0.9, 200, 1}}, {}, {}).ok());
  ASSERT_TRUE(service_->LogBatch(run, {{"loss", 0.4, 50, 2}}, {}, {}).ok());
  auto got = service_->GetRun(run);
  ASSERT_EQ(got->metrics.size(), 1u);
  EXPECT_DOUBLE_EQ(got->metrics[0].value, 0.5);  // step 2, later timestamp
  auto history = service_->GetMetricHistory(run, "loss", 0, "");
  EXPECT_EQ(history->metrics.size(), 3u);
}

TEST_F(TrackingServiceTest, NonFiniteValuesRoundTrip) {
  std::string run = NewRun();
  double inf = std::numeric_limits<double>::infinity();
  ASSERT_TRUE(service_->LogBatch(run, {{"a", std::nan(""), 1, 0}, {"b", inf, 1, 0},
                                       {"c", -inf, 1, 0}}, {}, {}).ok());
  auto a = service_->GetMetricHistory(run, "a", 0, "");
  EXPECT_TRUE(std::isnan(a->metrics[0].value));
  EXPECT_EQ(service_->GetMetricHistory(run, "b", 0, "")->metrics[0].value, inf);
  EXPECT_EQ(service_->GetMetricHistory(run, "c", 0, "")->metrics[0].value, -inf);
}

TEST_F(TrackingServiceTest, DeletedRunRejectsLogging) {
  std::string run = NewRun();
  ASSERT_TRUE(service_->DeleteRun(run).ok());
  Status st = service_->LogBatch(run, {{"m", 1, 1, 0}}, {}, {});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("active"), std::string::npos);
  ASSERT_TRUE(service_->RestoreRun(run).ok());
  EXPECT_TRUE(service_->LogBatch(run, {{"m", 1, 1, 0}}, {}, {}).ok());
}

TEST_F(TrackingServiceTest, HistoryPagesWithoutLossOrDuplicates) {
  std::string run = NewRun();
  std::vector<Metric> batch;
  for (int i = 0; i < 250; ++i) batch.push_back({"m", double(i), 1000 + i, i});
  ASSERT_TRUE(service_->LogBatch(run, batch, {}, {}).ok());
  std::vector<int64_t> steps;
  std::string token;
  do {
    auto page = service_->GetMetricHistory(run, "m", 100, token);
    ASSERT_TRUE(page.ok());
    for (const auto& m : page->metrics) steps.push_back(m.step);
    token = page->next_page_token;
  } while (!token.empty());
  ASSERT_EQ(steps.size(), 250u);
  for (int i = 0; i < 250; ++i) EXPECT_EQ(steps[i], i);
  EXPECT_FALSE(service_->GetMetricHistory(run, "m", 10, "-3").ok());
  EXPECT_FALSE(service_->GetMetricHistory(run, "m", 10, "abc").ok());
}

TEST_F(TrackingServiceTest, RunNameAndStatus) {
  auto run = service_->CreateRun({"0", "", "", std::nullopt, {{"mlflow.runName", "named"}}});
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->info.run_name, "named");
  auto updated = service_->UpdateRun({run->info.run_id, "BOGUS", std::nullopt, std::nullopt});
  EXPECT_EQ(updated.status().code(), StatusCode::kInvalidArgument);
  updated = service_->UpdateRun({run->info.run_id, "FINISHED", 123, "renamed"});
  ASSERT_TRUE(updated.ok());
  auto got = service_->GetRun(run->info.run_id);
  EXPECT_EQ(got->info.status, "FINISHED");
  EXPECT_EQ(*got->info.end_time, 123);
  EXPECT_EQ(got->info.run_name, "renamed");
}

}  // namespace
}  // namespace ferry::tracking
