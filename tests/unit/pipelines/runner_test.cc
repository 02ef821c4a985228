// PipelineRun on the real LocalExecutor: /bin/sh steps in a temporary
// workspace, checked by the files they write and the records the run keeps.
#include "pipelines/runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "pipelines/local_executor.h"

namespace ferry::pipelines {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workspace_ = fs::temp_directory_path() / ("ferry-runner-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(workspace_);
    fs::create_directories(workspace_);
  }
  void TearDown() override {
    fs::remove_all(workspace_);
    fs::remove_all(cache_dir_);
  }

  PipelineSpec Spec(const std::string& yaml) {
    Result<PipelineSpec> spec = ParsePipeline(yaml, {});
    EXPECT_TRUE(spec.ok()) << spec.status().message();
    return spec.ok() ? *spec : PipelineSpec{};
  }

  Result<RunRecord> RunIt(const PipelineSpec& spec, std::map<std::string, std::string> params = {},
                          bool cache = false, PipelineRun** handle = nullptr) {
    RunOptions options;
    options.workspace = workspace_.string();
    options.run_dir = (workspace_ / ".ferry" / "runs" / std::to_string(runs_++)).string();
    options.params = std::move(params);
    if (cache) options.cache = &cache_;
    PipelineRun run(spec, options, executor_, Clock::System(), [this](const StepRecord& r) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(r.name + ":" + std::string(StepStateName(r.state)));
    });
    if (handle) *handle = &run;
    return run.Run();
  }

  const StepRecord& Step(const RunRecord& r, const std::string& name) {
    for (const StepRecord& s : r.steps) {
      if (s.name == name) return s;
    }
    ADD_FAILURE() << "no step " << name;
    return r.steps.front();
  }

  fs::path workspace_;
  LocalExecutor executor_{2};
  fs::path cache_dir_ = fs::temp_directory_path() / ("ferry-runner-cache-" + std::to_string(::getpid()));
  StepCache cache_{cache_dir_.string()};
  int runs_ = 0;
  std::mutex mu_;
  std::vector<std::string> events_;
};

TEST_F(RunnerTest, DiamondRunsInDependencyOrderAndPassesOutputs) {
  PipelineSpec spec = Spec(R"(
name: diamond
params: {greeting: hello}
steps:
  - name: a
    run: echo ${params.greeting} > $FERRY_OUTPUT_TEXT
    outputs: {text: a.txt}
  - name: b
    run: cat ${steps.a.outputs.text} > $FERRY_OUTPUT_TEXT; echo b >> $FERRY_OUTPUT_TEXT
    needs: [a]
    outputs: {text: b.txt}
  - name: c
    run: [sh, -c, "echo c > \"$FERRY_OUTPUT_TEXT\""]
    needs: [a]
    outputs: {text: c.txt}
  - name: d
    run: cat ${steps.b.outputs.text} ${steps.c.outputs.text} > joined.txt
    needs: [b, c]
)");
  Result<RunRecord> r = RunIt(spec, {{"greeting", "bonjour"}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->succeeded);
  EXPECT_EQ(Read(workspace_ / "joined.txt"), "bonjour\nb\nc\n");  // d ran in the workspace, after b and c
  EXPECT_EQ(Step(*r, "a").attempts, 1);
  EXPECT_TRUE(fs::exists(Step(*r, "b").outputs.at("text")));
  EXPECT_LE(Step(*r, "a").ended_ms, Step(*r, "d").started_ms);
}

TEST_F(RunnerTest, AFailureSkipsWhatIsDownstreamAndTheRestRuns) {
  PipelineSpec spec = Spec(R"(
name: failing
steps:
  - {name: a, run: "echo to the log; exit 3"}
  - {name: b, run: "true", needs: [a]}
  - {name: c, run: "touch c.done"}
  - {name: d, run: "true", needs: [b, c]}
)");
  Result<RunRecord> r = RunIt(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->succeeded);
  EXPECT_EQ(Step(*r, "a").state, StepState::kFailed);
  EXPECT_EQ(Step(*r, "a").exit_code, 3);
  EXPECT_EQ(Step(*r, "a").error, "exited with code 3");
  EXPECT_EQ(Read(Step(*r, "a").log_path), "to the log\n");
  EXPECT_EQ(Step(*r, "b").state, StepState::kSkipped);
  EXPECT_EQ(Step(*r, "d").state, StepState::kSkipped);
  EXPECT_EQ(Step(*r, "c").state, StepState::kSucceeded);
  EXPECT_TRUE(fs::exists(workspace_ / "c.done"));
}

TEST_F(RunnerTest, RetriesUntilAnAttemptSucceeds) {
  PipelineSpec spec = Spec(R"(
name: flaky
steps:
  - name: a
    run: "echo x >> count; test $(wc -l < count) -ge 3"
    retries: 3
    retry_delay: 10ms
)");
  Result<RunRecord> r = RunIt(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->succeeded);
  EXPECT_EQ(Step(*r, "a").attempts, 3);
  EXPECT_NE(Read(Step(*r, "a").log_path).find("ferry: attempt 3 of 4"), std::string::npos);
}

TEST_F(RunnerTest, RetriesRunOutThenTheStepFails) {
  PipelineSpec spec = Spec("name: p\nsteps:\n  - {name: a, run: 'exit 1', retries: 1, retry_delay: 1ms}\n");
  Result<RunRecord> r = RunIt(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Step(*r, "a").state, StepState::kFailed);
  EXPECT_EQ(Step(*r, "a").attempts, 2);
}

TEST_F(RunnerTest, ATimeoutFailsTheStep) {
  PipelineSpec spec = Spec("name: p\nsteps:\n  - {name: slow, run: 'sleep 30', timeout: 200ms}\n");
  Result<RunRecord> r = RunIt(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Step(*r, "slow").state, StepState::kFailed);
  EXPECT_TRUE(Step(*r, "slow").timed_out);
  EXPECT_NE(Step(*r, "slow").error.find("timed out"), std::string::npos);
}

TEST_F(RunnerTest, UnchangedInputsAreCachedAndAChangeRunsAgain) {
  std::ofstream(workspace_ / "data.csv") << "a,b\n1,2\n";
  PipelineSpec spec = Spec(R"(
name: cached
steps:
  - name: train
    run: "echo ran >> runs.log; cp data.csv $FERRY_OUTPUT_MODEL"
    inputs: [data.csv]
    outputs: {model: model.bin}
  - name: report
    run: "cat ${steps.train.outputs.model} > report.txt"
    needs: [train]
)");
  ASSERT_TRUE(RunIt(spec, {}, true).ok());
  Result<RunRecord> again = RunIt(spec, {}, true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Step(*again, "train").state, StepState::kCached);
  EXPECT_EQ(Read(workspace_ / "runs.log"), "ran\n");  // the command ran once
  EXPECT_EQ(Read(workspace_ / "report.txt"), "a,b\n1,2\n");  // the cached output was passed on
  std::ofstream(workspace_ / "data.csv") << "a,b\n3,4\n";
  Result<RunRecord> changed = RunIt(spec, {}, true);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(Step(*changed, "train").state, StepState::kSucceeded);
  EXPECT_EQ(Read(workspace_ / "runs.log"), "ran\nran\n");
  EXPECT_EQ(Read(workspace_ / "report.txt"), "a,b\n3,4\n");
}

TEST_F(RunnerTest, AMissingOutputFailsTheStep) {
  PipelineSpec spec = Spec("name: p\nsteps:\n  - {name: a, run: 'true', outputs: {model: m.bin}}\n");
  Result<RunRecord> r = RunIt(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Step(*r, "a").state, StepState::kFailed);
  EXPECT_NE(Step(*r, "a").error.find("output 'model'"), std::string::npos) << Step(*r, "a").error;
}

TEST_F(RunnerTest, RefusesBuiltinsAndUnknownParams) {
  PipelineSpec builtin = Spec("name: p\nsteps:\n  - {name: a, uses: validate}\n");
  Result<RunRecord> r = RunIt(builtin);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("'a' (line 3)"), std::string::npos) << r.status().message();
  PipelineSpec plain = Spec("name: p\nparams: {x: 1}\nsteps:\n  - {name: a, run: 'true'}\n");
  r = RunIt(plain, {{"y", "2"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "param 'y' is not a param of pipeline 'p'");
}

TEST_F(RunnerTest, CancelStopsTheRunningStepAndWhatFollows) {
  PipelineSpec spec = Spec("name: p\nsteps:\n  - {name: a, run: 'touch started; sleep 30'}\n"
                           "  - {name: b, run: 'true', needs: [a]}\n");
  RunOptions options;
  options.workspace = workspace_.string();
  options.run_dir = (workspace_ / "run").string();
  PipelineRun run(spec, options, executor_, Clock::System());
  std::thread canceller([&] {
    while (!fs::exists(workspace_ / "started")) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    run.Cancel();
  });
  Result<RunRecord> r = run.Run();
  canceller.join();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cancelled);
  EXPECT_FALSE(r->succeeded);
  EXPECT_EQ(Step(*r, "a").state, StepState::kCancelled);
  EXPECT_NE(Step(*r, "b").state, StepState::kSucceeded);
}

}  // namespace
}  // namespace ferry::pipelines

namespace ferry::pipelines {
namespace {

// Built-in steps get their `with` filled: a map's string leaves one by one,
// so a param holding quotes stays one string and adds no key.
TEST_F(RunnerTest, BuiltinStepsGetTheirArgumentsFilledLeafByLeaf) {
  PipelineSpec spec = Spec(
      "name: p\nparams: {q: x}\nsteps:\n  - name: b\n    uses: validate\n    with:\n"
      "      data: ${params.q}.csv\n      nested: {a: '${params.q}', n: 3}\n");
  std::map<std::string, std::string> seen;
  RunOptions options;
  options.workspace = workspace_.string();
  options.run_dir = (workspace_ / ".ferry" / "runs" / "b").string();
  options.params = {{"q", "x\", \"evil\": \"1"}};
  options.builtin = [&](const std::string& uses, const std::map<std::string, std::string>& with) {
    seen = with;
    seen["uses"] = uses;
    return std::vector<std::string>{"/bin/true"};
  };
  PipelineRun run(spec, options, executor_, Clock::System());
  Result<RunRecord> r = run.Run();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->succeeded);
  EXPECT_EQ(seen["uses"], "validate");
  EXPECT_EQ(seen["data"], "x\", \"evil\": \"1.csv");
  EXPECT_EQ(seen["nested"], R"({"a":"x\", \"evil\": \"1","n":3})");
}

TEST_F(RunnerTest, AResumedRunReusesOutputsAndSkipsTheStep) {
  PipelineSpec spec = Spec(
      "name: p\nsteps:\n  - name: a\n    run: echo ran >> ran.txt\n    outputs: {o: o.txt}\n"
      "  - name: b\n    needs: [a]\n    run: cat ${steps.a.outputs.o}\n");
  std::ofstream(workspace_ / "earlier.txt") << "from before\n";
  RunOptions options;
  options.workspace = workspace_.string();
  options.run_dir = (workspace_ / ".ferry" / "runs" / "r").string();
  options.reuse = {{"a", {{"o", (workspace_ / "earlier.txt").string()}}}};
  PipelineRun run(spec, options, executor_, Clock::System());
  Result<RunRecord> r = run.Run();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->succeeded);
  EXPECT_EQ(r->steps[0].state, StepState::kCached);
  EXPECT_TRUE(r->steps[0].reused);
  EXPECT_FALSE(fs::exists(workspace_ / "ran.txt"));
  EXPECT_EQ(Read(r->steps[1].log_path), "from before\n");
}

}  // namespace
}  // namespace ferry::pipelines
