// PipelineRun: one run of a pipeline, step by step in dependency order, on
// an Executor. Steps run in parallel as far as the DAG and the executor
// allow; a step that fails after its retries fails the run, its downstream
// steps are skipped (nothing after a failed step runs), and the others go
// on; a step whose cache key matches an earlier success is skipped as
// cached and its outputs reused.
//
// Each step runs in the workspace (relative inputs are read from there) with
// its own folder <run_dir>/steps/<name>/ for its declared outputs (paths
// relative to that folder) and its log at <run_dir>/logs/<name>.log. It gets
// FERRY_PIPELINE, FERRY_STEP, FERRY_RUN_DIR, FERRY_STEP_DIR and
// FERRY_OUTPUT_<NAME> (the absolute path of each declared output; the name
// upper-cased, other characters as '_'). ${params.X} and
// ${steps.S.outputs.O} are filled before the step starts. A declared output
// missing after the command succeeds fails the step.
//
// Built-in steps (`uses:`) run the command RunOptions::builtin makes from
// their `with:` arguments (the `ferry step` command); without it a run with
// one is refused up front (FailedPrecondition naming the step and line).
//
// Thread safety: Run blocks the calling thread; Cancel may be called from
// any other thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "pipelines/dag.h"
#include "pipelines/executor.h"
#include "pipelines/pipeline_spec.h"
#include "pipelines/step_cache.h"

namespace ferry::pipelines {

struct RunOptions {
  std::string workspace;                      // steps' working directory
  std::string run_dir;                        // this run's folder (created)
  std::map<std::string, std::string> params;  // overrides; an unknown name is InvalidArgument
  const StepCache* cache = nullptr;           // null: every step runs
  // A resumed run: steps an earlier run completed, with their outputs
  // (name → absolute path). They end at once as kCached, noted "reused".
  std::map<std::string, std::map<std::string, std::string>> reuse;
  // How a built-in step (`uses:`) runs: its argv from the name and the filled
  // `with:` arguments. Null: a run with a built-in step is refused up front.
  std::function<std::vector<std::string>(const std::string& uses, const std::map<std::string, std::string>& with)>
      builtin;
  std::map<std::string, std::string> env;  // added to every step's environment
  // More environment for one step, asked when it first starts (e.g. the id of
  // the step's tracked run); null: none.
  std::function<std::map<std::string, std::string>(const std::string& step)> step_env;
};

struct StepRecord {
  std::string name;
  StepState state = StepState::kPending;
  int attempts = 0;
  int exit_code = 0;
  bool timed_out = false;
  std::string error;  // why it failed or was skipped
  int64_t started_ms = 0, ended_ms = 0;
  std::string log_path;
  std::string cache_key;                        // empty when the step is not cached
  bool reused = false;                          // kCached from RunOptions::reuse (a resumed run)
  std::map<std::string, std::string> outputs;  // name → absolute path
};

struct RunRecord {
  bool succeeded = false;  // every step succeeded or was cached
  bool cancelled = false;
  std::vector<StepRecord> steps;  // in the spec's order
};

// Hears every step's state change (on the thread that made it).
using StepObserver = std::function<void(const StepRecord&)>;

class PipelineRun {
 public:
  // `spec`, `executor` and `clock` must outlive the run.
  PipelineRun(const PipelineSpec& spec, RunOptions options, Executor& executor, const Clock& clock,
              StepObserver observer = nullptr);

  Result<RunRecord> Run();
  void Cancel();

 private:
  struct Pending {  // a retry waiting for its delay
    size_t step;
    int64_t due_ms;
  };

  Status Prepare();
  void Launch(size_t step);                         // mu_ held
  Status LaunchAttempt(size_t step);                // mu_ held
  void Finished(size_t step, const StepExit& exit);  // from the executor
  void End(size_t step, StepState state, const std::string& error);  // mu_ held
  Result<CacheInputs> CacheInputsOf(size_t step);

  const PipelineSpec& spec_;
  RunOptions options_;
  Executor& executor_;
  const Clock& clock_;
  StepObserver observer_;
  std::map<std::string, std::string> params_;  // defaults with overrides
  std::unique_ptr<Dag> dag_;
  std::unique_ptr<Frontier> frontier_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<StepRecord> records_;                               // guarded by mu_
  std::vector<StepLaunch> launches_;                              // guarded by mu_
  std::map<std::string, std::map<std::string, std::string>> outputs_;  // step → outputs; guarded by mu_
  std::vector<Pending> retries_;                                  // guarded by mu_
  size_t running_ = 0;                                            // guarded by mu_
  bool cancelled_ = false;                                        // guarded by mu_
};

}  // namespace ferry::pipelines
