// The web UI's tracking reads on SQLite and PostgreSQL: offset pages with
// their total, top-level runs only, child counts, the keys an experiment
// uses; and the thinning of long metric histories (downsample.h).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tracking/downsample.h"
#include "tracking/tracking_service.h"
#include "util/scratch_db.h"

namespace ferry::tracking {
namespace {

class FixedClock final : public Clock {
 public:
  int64_t NowMillis() const override { return 1'700'000'000'000; }
};

class RunPageTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (std::string(GetParam()) == "postgres" && !testing_util::PostgresUrl()) {
      GTEST_SKIP() << "FERRY_TEST_POSTGRES_URL is not set";
    }
    ASSERT_TRUE(db_.Open(GetParam()).ok());
    store_ = std::make_unique<TrackingStore>(db_.db());
    service_ = std::make_unique<TrackingService>(*store_, clock_);
    auto exp = service_->CreateExperiment("e", "", {});
    ASSERT_TRUE(exp.ok()) << exp.status().ToString();
    exp_ = *exp;
  }

  std::string Run(const std::string& name, double auc, int64_t start,
                  const std::string& parent = "") {
    std::vector<Tag> tags;
    if (!parent.empty()) tags.push_back({"mlflow.parentRunId", parent});
    auto run = service_->CreateRun({exp_, "", name, start, tags});
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    EXPECT_TRUE(service_->LogBatch(run->info.run_id, {{"auc", auc, start, 0}},
                                   {{"lr", "0.1"}}, {})
                    .ok());
    return run->info.run_id;
  }

  RunPageRequest Request() {
    RunPageRequest r;
    r.experiment_ids = {exp_};
    return r;
  }

  testing_util::ScratchDb db_;
  FixedClock clock_;
  std::unique_ptr<TrackingStore> store_;
  std::unique_ptr<TrackingService> service_;
  std::string exp_;
};

TEST_P(RunPageTest, PagesByOffsetWithTheTotalOfTheFilter) {
  for (int i = 0; i < 25; ++i) Run("r" + std::to_string(i), i / 100.0, 1000 + i);
  auto req = Request();
  req.filter = "metrics.auc >= 0.05";
  req.order_by = {"metrics.auc ASC"};
  req.offset = 10;
  req.limit = 4;
  auto page = service_->SearchRunPage(req);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->total, 20);
  ASSERT_EQ(page->runs.size(), 4u);
  EXPECT_EQ(page->runs[0].info.run_name, "r15");
  EXPECT_EQ(page->runs[3].info.run_name, "r18");
  req.offset = 18;  // the last page is short
  page = service_->SearchRunPage(req);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->runs.size(), 2u);
  EXPECT_EQ(page->total, 20);
}

TEST_P(RunPageTest, TopLevelOnlyLeavesOutChildrenAndCountsThem) {
  std::string parent = Run("parent", 0.5, 1000);
  Run("lonely", 0.4, 1001);
  for (int i = 0; i < 3; ++i) Run("child" + std::to_string(i), 0.6, 1002 + i, parent);
  auto req = Request();
  req.top_level_only = true;
  auto page = service_->SearchRunPage(req);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->total, 2);
  ASSERT_EQ(page->runs.size(), 2u);
  EXPECT_EQ(page->child_counts.size(), 1u);
  EXPECT_EQ(page->child_counts[parent], 3);
  req.top_level_only = false;
  page = service_->SearchRunPage(req);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 5);
}

TEST_P(RunPageTest, TopLevelOnlyHoldsInBothSearchPlans) {
  std::string parent = Run("parent", 0.5, 1000);
  for (int i = 0; i < 4; ++i) Run("top" + std::to_string(i), 0.1 * i, 1001 + i);
  Run("child", 0.99, 1010, parent);  // the best auc, but nested
  for (RunSearchPlan plan : {RunSearchPlan::kScan, RunSearchPlan::kOrderIndex}) {
    RunSearch search;
    search.experiment_ids = {std::stoll(exp_)};
    search.order_by = {{Entity::kMetric, "auc", false}};
    search.top_level_only = true;
    search.plan = plan;
    search.limit = 2;
    search.offset = 1;
    search.dialect = db_.db().dialect();
    auto page = store_->SearchRunsCounted(search, true);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_EQ(page->second, 5);
    ASSERT_EQ(page->first.size(), 2u);
    EXPECT_EQ(page->first[0].info.run_name, "top3");  // after parent (0.5)
    EXPECT_EQ(page->first[1].info.run_name, "top2");
  }
}

TEST_P(RunPageTest, RefusesBadPagingAndBadFilters) {
  auto req = Request();
  req.limit = 0;
  EXPECT_EQ(service_->SearchRunPage(req).status().code(), StatusCode::kInvalidArgument);
  req.limit = kMaxRunPage + 1;
  EXPECT_EQ(service_->SearchRunPage(req).status().code(), StatusCode::kInvalidArgument);
  req.limit = 10;
  req.offset = -1;
  EXPECT_EQ(service_->SearchRunPage(req).status().code(), StatusCode::kInvalidArgument);
  req.offset = 0;
  req.filter = "metrics.auc >> 1";
  EXPECT_EQ(service_->SearchRunPage(req).status().code(), StatusCode::kInvalidArgument);
  req.filter = "params.lr = 'x'; DROP TABLE runs";
  EXPECT_EQ(service_->SearchRunPage(req).status().code(), StatusCode::kInvalidArgument);
  req.filter = "";
  req.experiment_ids = {"1 OR 1=1"};
  EXPECT_FALSE(service_->SearchRunPage(req).ok());
}

TEST_P(RunPageTest, KeysOfTheExperimentsRuns) {
  std::string a = Run("a", 0.5, 1000);
  ASSERT_TRUE(service_->LogBatch(a, {{"loss", 1.0, 1, 0}}, {{"depth", "3"}}, {{"team", "x"}}).ok());
  auto other = service_->CreateExperiment("other", "", {});
  ASSERT_TRUE(other.ok());
  auto o = service_->CreateRun({*other, "", "o", 1, {}});
  ASSERT_TRUE(service_->LogBatch(o->info.run_id, {{"elsewhere", 1.0, 1, 0}}, {}, {}).ok());
  auto keys = service_->ExperimentKeys({exp_});
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->metrics, (std::vector<std::string>{"auc", "loss"}));
  EXPECT_EQ(keys->params, (std::vector<std::string>{"depth", "lr"}));
  EXPECT_NE(std::find(keys->tags.begin(), keys->tags.end(), "team"), keys->tags.end());
}

INSTANTIATE_TEST_SUITE_P(Engines, RunPageTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

std::vector<Metric> History(size_t n) {
  std::vector<Metric> h;
  for (size_t i = 0; i < n; ++i) {
    h.push_back({"loss", std::sin(static_cast<double>(i) / 50.0), static_cast<int64_t>(i),
                 static_cast<int64_t>(i)});
  }
  return h;
}

TEST(DownsampleTest, ShortHistoriesComeBackWhole) {
  auto h = History(500);
  EXPECT_EQ(Downsample(h, 1000).size(), 500u);
  EXPECT_EQ(Downsample(h, 500).size(), 500u);
}

TEST(DownsampleTest, KeepsEndsSpikesAndOrderWithinTheBudget) {
  auto h = History(100'000);
  h[54'321].value = 99;   // a spike
  h[77'777].value = -99;  // and a dip
  auto d = Downsample(h, 1000);
  ASSERT_LE(d.size(), 1000u);
  EXPECT_GE(d.size(), 900u);
  EXPECT_EQ(d.front().step, 0);
  EXPECT_EQ(d.back().step, 99'999);
  bool spike = false, dip = false;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i) {
      EXPECT_LT(d[i - 1].step, d[i].step);
    }
    spike |= d[i].value == 99;
    dip |= d[i].value == -99;
  }
  EXPECT_TRUE(spike);
  EXPECT_TRUE(dip);
}

TEST(DownsampleTest, NaNsAreNeverTheExtremesButAllNaNSlicesKeepAPoint) {
  auto h = History(10'000);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (size_t i = 1; i < 5000; ++i) h[i].value = nan;
  auto d = Downsample(h, 100);
  ASSERT_LE(d.size(), 100u);
  size_t nans = 0;
  for (const auto& m : d) nans += std::isnan(m.value);
  EXPECT_GT(nans, 0u);
  EXPECT_LT(nans, d.size());
  EXPECT_EQ(Downsample(h, 1).size(), 4u);  // the smallest budget is 4
}

}  // namespace
}  // namespace ferry::tracking
