// PipelineService and PipelineTriggers on a real SQLite store and the real
// LocalExecutor (/bin/sh steps), without tracking: versions, runs and their
// steps recorded, the concurrency policies, a run left running by a stopped
// server marked failed, resume, schedules due on a fake clock, events
// matched to `on:` entries, and the built-in steps' argv.
#include "pipelines/pipeline_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "pipelines/local_executor.h"
#include "pipelines/triggers.h"
#include "util/scratch_db.h"

namespace ferry::pipelines {
namespace {

namespace fs = std::filesystem;

template <typename T>
T Must(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(*r) : T{};
}

::testing::AssertionResult Fails(const Status& st, StatusCode code, std::string_view text) {
  if (st.code() == code && st.message().find(text) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << st.ToString() << " (wanted " << StatusCodeName(code) << " with '" << text
                                       << "')";
}

class FakeClock final : public Clock {
 public:
  int64_t NowMillis() const override { return now.load(); }
  std::atomic<int64_t> now{1'700'000'000'000};
};

class PipelineServiceTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    Status st = db_.Open(GetParam());
    if (st.code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << st.message();
    ASSERT_TRUE(st.ok()) << st.message();
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();  // "Name/sqlite"
    std::replace(test.begin(), test.end(), '/', '-');
    workspace_ = fs::temp_directory_path() / ("ferry-service-" + std::to_string(::getpid()) + "-" + test);
    fs::remove_all(workspace_);
    fs::create_directories(workspace_);
    service_ = NewService();
  }
  void TearDown() override {
    service_.reset();
    if (!workspace_.empty()) fs::remove_all(workspace_);
  }

  std::unique_ptr<PipelineService> NewService() {
    PipelineServiceOptions options;
    options.runs_root = (workspace_ / "runs").string();
    return std::make_unique<PipelineService>(db_.db(), nullptr, executor_, clock_, options);
  }

  Applied Apply(const std::string& yaml) {
    Result<Applied> a = service_->Apply(yaml, workspace_.string());
    EXPECT_TRUE(a.ok()) << a.status().message();
    return a.ok() ? *a : Applied{};
  }

  PipelineRunInfo Ended(const std::string& run_id) {
    EXPECT_TRUE(service_->WaitForEnd(run_id, 60'000));
    Result<PipelineRunInfo> run = service_->Run(run_id);
    EXPECT_TRUE(run.ok());
    return run.ok() ? *run : PipelineRunInfo{};
  }

  // Waits until the run's first step is in `state` (a condition, not a time).
  void WaitForStep(const std::string& run_id, const std::string& state) {
    while (Must(service_->Run(run_id)).steps.at(0).state != state) std::this_thread::yield();
  }

  // A pipeline whose one step waits until the test creates `release`.
  std::string Holding(const std::string& name, const std::string& policy) {
    return "name: " + name + "\nconcurrency: " + policy +
           "\nsteps:\n  - name: hold\n    run: while [ ! -f release ]; do sleep 0.02; done\n";
  }
  void Release() { std::ofstream(workspace_ / "release") << ""; }

  testing_util::ScratchDb db_;
  fs::path workspace_;
  FakeClock clock_;
  LocalExecutor executor_{2};
  std::unique_ptr<PipelineService> service_;
};

TEST_P(PipelineServiceTest, AChangedFileIsANewVersionAndTheSameFileIsNot) {
  EXPECT_EQ(Apply("name: p\nsteps:\n  - {name: a, run: 'true'}\n").version, 1);
  Applied same = Apply("name: p\nsteps:\n  - {name: a, run: 'true'}\n");
  EXPECT_EQ(same.version, 1);
  EXPECT_FALSE(same.changed);
  Applied changed = Apply("name: p\nsteps:\n  - {name: a, run: 'false'}\n");
  EXPECT_EQ(changed.version, 2);
  EXPECT_TRUE(changed.changed);
  PipelineVersion v1 = Must(service_->Version("p", 1));
  EXPECT_NE(v1.yaml.find("'true'"), std::string::npos);
  EXPECT_TRUE(Fails(service_->Apply("name: p\nsteps: []\n", workspace_.string()).status(), StatusCode::kInvalidArgument, "at least one step"));
  EXPECT_TRUE(Fails(service_->Apply("name: p\nsteps:\n  - {name: a, run: 'true'}\n", "relative").status(), StatusCode::kInvalidArgument, "workspace"));
}

TEST_P(PipelineServiceTest, ARunRecordsEveryStepAndItsOutputs) {
  Apply(
      "name: p\nparams: {word: hi}\nsteps:\n"
      "  - name: a\n    run: echo ${params.word} > $FERRY_OUTPUT_OUT\n    outputs: {out: out.txt}\n"
      "  - name: b\n    needs: [a]\n    run: cat ${steps.a.outputs.out}; exit 5\n"
      "  - name: c\n    needs: [b]\n    run: 'true'\n");
  PipelineRunInfo started = Must(service_->StartRun("p", {{"word", "hey"}}, {}));
  PipelineRunInfo run = Ended(started.run_id);
  EXPECT_EQ(run.state, kRunFailed);
  EXPECT_NE(run.error.find("step 'b' failed: exited with code 5"), std::string::npos) << run.error;
  EXPECT_NE(run.error.find("hey"), std::string::npos) << "the log tail is in the error: " << run.error;
  ASSERT_EQ(run.steps.size(), 3u);
  EXPECT_EQ(run.steps[0].state, "succeeded");
  EXPECT_EQ(run.steps[1].state, "failed");
  EXPECT_EQ(run.steps[1].exit_code, 5);
  EXPECT_EQ(run.steps[2].state, "skipped");
  LogChunk log = Must(service_->StepLog(run.run_id, "b", 0, 1000));
  EXPECT_EQ(log.text, "hey\n");
  EXPECT_TRUE(log.complete);
  LogChunk rest = Must(service_->StepLog(run.run_id, "b", 2, 1000));
  EXPECT_EQ(rest.text, "y\n");
  EXPECT_TRUE(Fails(service_->StepLog(run.run_id, "nope", 0, 10).status(), StatusCode::kNotFound, "nope"));
  EXPECT_TRUE(Fails(service_->StartRun("p", {{"other", "x"}}, {}).status(), StatusCode::kInvalidArgument, "params.other"));
}

TEST_P(PipelineServiceTest, ResumeReusesTheStepsThatCompleted) {
  Apply(
      "name: p\nsteps:\n"
      "  - name: a\n    run: echo x >> count.txt; echo made > $FERRY_OUTPUT_OUT\n    outputs: {out: out.txt}\n"
      "  - name: b\n    needs: [a]\n    run: test -f fixed && cat ${steps.a.outputs.out}\n");
  PipelineRunInfo first = Must(service_->StartRun("p", {}, {}));
  EXPECT_EQ(Ended(first.run_id).state, kRunFailed);
  std::ofstream(workspace_ / "fixed") << "";
  PipelineRunInfo resumed = Must(service_->Resume(first.run_id));
  PipelineRunInfo run = Ended(resumed.run_id);
  EXPECT_EQ(run.state, kRunSucceeded) << run.error;
  EXPECT_EQ(run.resumed_from, first.run_id);
  EXPECT_EQ(run.trigger_kind, "resume");
  EXPECT_EQ(run.steps[0].state, "cached");
  EXPECT_TRUE(run.steps[0].reused);
  std::ifstream count(workspace_ / "count.txt");
  std::string all((std::istreambuf_iterator<char>(count)), {});
  EXPECT_EQ(all, "x\n");
  EXPECT_TRUE(Fails(service_->Resume(run.run_id).status(), StatusCode::kFailedPrecondition, "only a failed"));
}

TEST_P(PipelineServiceTest, SkipTurnsASecondRunAway) {
  Apply(Holding("p", "skip"));
  PipelineRunInfo first = Must(service_->StartRun("p", {}, {}));
  PipelineRunInfo second = Must(service_->StartRun("p", {}, {}));
  EXPECT_EQ(second.state, kRunSkipped);
  EXPECT_NE(second.error.find("concurrency: skip"), std::string::npos);
  Release();
  EXPECT_EQ(Ended(first.run_id).state, kRunSucceeded);
}

TEST_P(PipelineServiceTest, QueueRunsTheSecondAfterTheFirst) {
  Apply(Holding("p", "queue"));
  PipelineRunInfo first = Must(service_->StartRun("p", {}, {}));
  PipelineRunInfo second = Must(service_->StartRun("p", {}, {}));
  EXPECT_EQ(second.state, kRunQueued);
  PipelineRunInfo third = Must(service_->StartRun("p", {}, {}));
  ASSERT_TRUE(service_->Cancel(third.run_id).ok());  // cancelled while queued: never runs
  Release();
  PipelineRunInfo a = Ended(first.run_id), b = Ended(second.run_id), c = Ended(third.run_id);
  EXPECT_EQ(a.state, kRunSucceeded);
  EXPECT_EQ(b.state, kRunSucceeded);
  EXPECT_LE(*a.end_ms, *b.start_ms);
  EXPECT_EQ(c.state, kRunCancelled);
  EXPECT_FALSE(c.start_ms.has_value());
}

TEST_P(PipelineServiceTest, CancelStopsTheRunningOneAndSupersedesTheQueued) {
  // The first run's step ignores SIGTERM, so it ends only at the executor's
  // SIGKILL 2 s after the cancel: the second run is still queued when the
  // third arrives.
  Apply("name: p\nconcurrency: cancel\nsteps:\n  - name: hold\n"
        "    run: trap '' TERM; touch started; while [ ! -f release ]; do sleep 0.02; done\n");
  PipelineRunInfo first = Must(service_->StartRun("p", {}, {}));
  // Its process has set its trap (a cancel before that would end it at once).
  while (!fs::exists(workspace_ / "started")) std::this_thread::yield();
  PipelineRunInfo second = Must(service_->StartRun("p", {}, {}));
  PipelineRunInfo third = Must(service_->StartRun("p", {}, {}));
  EXPECT_EQ(Ended(first.run_id).state, kRunCancelled);
  PipelineRunInfo superseded = Ended(second.run_id);
  EXPECT_EQ(superseded.state, kRunCancelled);
  EXPECT_NE(superseded.error.find("superseded by run " + third.run_id), std::string::npos) << superseded.error;
  Release();
  EXPECT_EQ(Ended(third.run_id).state, kRunSucceeded);
}

TEST_P(PipelineServiceTest, AServerStopFailsTheRunningRunAndItResumes) {
  Apply(Holding("p", "queue"));
  PipelineRunInfo run = Must(service_->StartRun("p", {}, {}));
  WaitForStep(run.run_id, "running");
  service_->Stop();
  PipelineRunInfo stopped = Must(service_->Run(run.run_id));
  EXPECT_EQ(stopped.state, kRunFailed);
  EXPECT_EQ(stopped.error, "the server stopped during the run");
  service_ = NewService();
  ASSERT_TRUE(service_->Start().ok());
  PipelineRunInfo resumed = Must(service_->Resume(run.run_id));
  Release();
  EXPECT_EQ(Ended(resumed.run_id).state, kRunSucceeded);
}

TEST_P(PipelineServiceTest, ARunLeftRunningByAStoppedServerIsMarkedFailed) {
  Apply("name: p\nsteps:\n  - {name: a, run: 'true'}\n");
  PipelineStore store(db_.db(), clock_);
  PipelineRunInfo orphan;
  orphan.run_id = "orphan";
  orphan.pipeline = "p";
  orphan.version = 1;
  orphan.state = kRunRunning;
  orphan.trigger_kind = "manual";
  orphan.trigger_detail = "{}";
  orphan.run_dir = (workspace_ / "runs" / "orphan").string();
  orphan.steps.push_back({.step = "a", .state = "running", .log_path = "/nonexistent"});
  ASSERT_TRUE((store.CreateRun(orphan)).ok());
  ASSERT_TRUE((store.UpdateStep("orphan", orphan.steps[0])).ok());
  ASSERT_TRUE((service_->Start()).ok());
  PipelineRunInfo run = Must(service_->Run("orphan"));
  EXPECT_EQ(run.state, kRunFailed);
  EXPECT_EQ(run.error, "the server stopped during the run");
  EXPECT_EQ(run.steps[0].state, "failed");
  PipelineRunInfo resumed = Must(service_->Resume("orphan"));
  EXPECT_EQ(Ended(resumed.run_id).state, kRunSucceeded);
}

TEST_P(PipelineServiceTest, ADueScheduleStartsOneRunAndMovesOn) {
  Apply("name: nightly\ntriggers: {schedule: '0 3 * * *'}\nsteps:\n  - {name: a, run: 'true'}\n");
  PipelineInfo info = Must(service_->Pipeline("nightly"));
  ASSERT_TRUE(info.next_schedule_ms.has_value());
  PipelineTriggers triggers(*service_, clock_);
  EXPECT_EQ(triggers.Pass(), 0);                      // not due yet
  clock_.now = *info.next_schedule_ms + 3 * 86'400'000;  // three due times missed: one run
  EXPECT_EQ(triggers.Pass(), 1);
  EXPECT_EQ(triggers.Pass(), 0);
  PipelineInfo after = Must(service_->Pipeline("nightly"));
  EXPECT_GT(*after.next_schedule_ms, clock_.now.load());
  auto runs = Must(service_->Runs("nightly", 10));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].trigger_kind, "schedule");
  EXPECT_EQ(Ended(runs[0].run_id).state, kRunSucceeded);
}

TEST_P(PipelineServiceTest, EventsStartThePipelinesThatNameThem) {
  Apply("name: on-drift\ntriggers:\n  on:\n    - alert: drift\nsteps:\n  - {name: a, run: 'true'}\n");
  Apply("name: on-alias\ntriggers:\n  on:\n    - registry: {model: m, action: set_alias}\nsteps:\n"
        "  - {name: a, run: 'true'}\n");
  PipelineTriggers triggers(*service_, clock_);
  triggers.OnEvent({"alert", "other-rule", "", {}});
  triggers.OnEvent({"registry", "m", "create_version", {}});
  EXPECT_EQ(triggers.Pass(), 0);
  triggers.OnEvent({"alert", "drift", "", {{"deployment", "d"}}});
  triggers.OnEvent({"registry", "m", "set_alias", {{"version", 2}}});
  EXPECT_EQ(triggers.Pass(), 2);
  auto runs = Must(service_->Runs("on-drift", 10));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].trigger_kind, "alert");
  EXPECT_NE(runs[0].trigger_detail.find("\"deployment\":\"d\""), std::string::npos);
  triggers.OnEvent({"alert", "unlisted-rule", "", {}, "on-alias"});  // a rule's `pipeline:` names it
  EXPECT_EQ(triggers.Pass(), 1);
  for (const char* p : {"on-drift", "on-alias"}) {
    auto list = Must(service_->Runs(p, 10));
    EXPECT_EQ(Ended(list[0].run_id).state, kRunSucceeded);
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, PipelineServiceTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

TEST(BuiltinArgv, PassesStructuredValuesAsJsonAndTheRestAsText) {
  std::vector<std::string> argv =
      BuiltinArgv({"/bin/ferry", "step"}, "train-xgboost",
                  {{"data", "d.csv"}, {"rounds", "30"}, {"params", "{\"max_depth\":3}"}, {"on", "true"}});
  ASSERT_EQ(argv.size(), 5u);
  EXPECT_EQ(argv[2], "train-xgboost");
  EXPECT_EQ(argv[3], "--with");
  EXPECT_EQ(argv[4], R"({"data":"d.csv","on":"true","params":{"max_depth":3},"rounds":"30"})");
}

TEST(Matches, KindNameAndOptionalAction) {
  EXPECT_TRUE(Matches({"registry", "m", ""}, {"registry", "m", "set_alias", {}}));
  EXPECT_TRUE(Matches({"registry", "m", "set_alias"}, {"registry", "m", "set_alias", {}}));
  EXPECT_FALSE(Matches({"registry", "m", "set_alias"}, {"registry", "m", "create_version", {}}));
  EXPECT_FALSE(Matches({"alert", "m", ""}, {"registry", "m", "", {}}));
  EXPECT_FALSE(Matches({"dataset", "a", ""}, {"dataset", "b", "", {}}));
}

}  // namespace
}  // namespace ferry::pipelines
