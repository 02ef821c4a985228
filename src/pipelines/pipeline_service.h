// PipelineService: pipelines on the server. Applies pipeline files (each
// change a new version), starts runs (manually, on a schedule, on events),
// runs them on an Executor in the background, records every step's state in
// the store and as tracked runs, and follows each pipeline's concurrency
// policy when a run is asked for while another is running:
//   skip   — the new run is recorded as skipped and does not run;
//   queue  — it waits (state queued) and starts when the running one ends;
//   cancel — the running one is cancelled and the new one starts after it.
// A run left running by a server that stopped is marked failed at Start();
// Resume() starts a new run of the same version and params that reuses the
// outputs of the steps the earlier run completed.
//
// Runs live in <runs_root>/<pipeline>/<run id>/ (steps/ and logs/ as in
// runner.h); the step cache is the workspace's (<workspace>/.ferry/cache),
// shared with `ferry pipeline run`.
//
// Thread-safe. Each running pipeline run has a thread; Stop() cancels them
// and joins.
#pragma once

#include <cstdint>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "pipelines/executor.h"
#include "pipelines/pipeline_spec.h"
#include "pipelines/pipeline_store.h"
#include "pipelines/run_tracking.h"
#include "store/database.h"

namespace ferry::pipelines {

class PipelineRun;
class StepCache;

struct PipelineServiceOptions {
  std::string runs_root;                  // where run folders go
  // Run folders in <workspace>/.ferry/runs/ instead: for executors whose steps
  // see only the workspace (a Kubernetes volume), not the server's disk.
  bool runs_in_workspace = false;
  std::vector<std::string> step_command;  // argv before "<uses> --with JSON" for built-in steps; empty: none
  std::map<std::string, std::string> env;  // given to every step (the server's URL)
};

struct Applied {
  std::string name;
  int64_t version = 0;
  bool changed = false;  // a new version was stored
  PipelineSpec spec;
};

struct LogChunk {
  std::string text;  // the log's bytes from `offset`
  int64_t next_offset = 0;
  bool complete = false;  // the step has ended and everything was read
};

// Who or what asked for a run.
struct Trigger {
  std::string kind = "manual";  // manual, schedule, alert, dataset, registry, resume
  nlohmann::json detail = nlohmann::json::object();
};

class PipelineService {
 public:
  PipelineService(store::Database& db, tracking::TrackingService* tracking, Executor& executor, const Clock& clock,
                  PipelineServiceOptions options);
  ~PipelineService();

  // Marks runs a previous server left running as failed, and starts the
  // queued ones.
  Status Start();
  // Cancels the running runs and waits for them to end.
  void Stop();
  // Environment given to every step from now on (the server's URL, known
  // once it listens), added to PipelineServiceOptions::env.
  void SetStepEnv(const std::map<std::string, std::string>& env);

  // Parses and validates the file (inputs relative to `workspace`, which
  // must be an existing directory) and stores it.
  Result<Applied> Apply(const std::string& yaml, const std::string& workspace);
  Result<std::vector<PipelineInfo>> Pipelines();
  Result<PipelineInfo> Pipeline(const std::string& name);
  // `version` 0: the latest.
  Result<PipelineVersion> Version(const std::string& name, int64_t version);

  // Starts (or queues, or skips) a run of the latest version.
  Result<PipelineRunInfo> StartRun(const std::string& name, const std::map<std::string, std::string>& params,
                                   const Trigger& trigger);
  // A failed or cancelled run again from where it stopped.
  Result<PipelineRunInfo> Resume(const std::string& run_id);
  Status Cancel(const std::string& run_id);
  Result<PipelineRunInfo> Run(const std::string& run_id);
  Result<std::vector<PipelineRunInfo>> Runs(const std::string& pipeline, int64_t limit);
  // Up to `max_bytes` of a step's log from `offset`.
  Result<LogChunk> StepLog(const std::string& run_id, const std::string& step, int64_t offset, int64_t max_bytes);

  // Blocks until the run has ended (for tests and `--wait`); false on timeout.
  bool WaitForEnd(const std::string& run_id, int64_t timeout_ms);

  // The specs of every pipeline's latest version (for the triggers loop).
  Result<std::vector<std::pair<PipelineInfo, PipelineSpec>>> LatestSpecs();
  Status SetNextSchedule(const std::string& name, std::optional<int64_t> next_ms);

 private:
  struct Active {  // a run with a thread
    std::unique_ptr<PipelineSpec> spec;
    std::unique_ptr<StepCache> cache;
    std::unique_ptr<PipelineRun> run;
    std::shared_ptr<std::string> tracking_parent;  // the run's tracked run, set when it starts
    std::thread thread;
    bool cancel_requested = false;
  };

  Result<PipelineSpec> SpecOf(const std::string& name, int64_t version, const std::string& workspace);
  Result<PipelineRunInfo> Create(const std::string& name, int64_t version,
                                 const std::map<std::string, std::string>& params, const Trigger& trigger,
                                 const std::string& resumed_from);
  Status Launch(PipelineRunInfo run);                      // mu_ held
  void Execute(PipelineRunInfo run, PipelineRun* runner);  // on the run's thread
  void Finished(const PipelineRunInfo& run);               // on the run's thread
  void StartNextQueued(const std::string& pipeline);       // mu_ held
  void JoinDone();                                         // mu_ held
  bool RunningFor(const std::string& pipeline);            // mu_ held

  PipelineStore store_;
  RunTracking tracking_;
  Executor& executor_;
  const Clock& clock_;
  PipelineServiceOptions options_;

  std::mutex mu_;
  std::condition_variable ended_;
  std::map<std::string, Active> active_;       // run id → its thread; guarded by mu_
  std::map<std::string, std::string> active_pipeline_;  // run id → pipeline; guarded by mu_
  std::vector<std::thread> done_;              // ended threads to join; guarded by mu_
  bool stopping_ = false;                      // guarded by mu_
};

// The argv of a built-in step: `prefix` + <uses> --with <JSON of `with`>.
// A map or list from the file (JSON text) is passed as that JSON; a scalar
// as the text written (the steps read "50" as 50 where they want a number),
// so a quoted "true" or "2024" is never turned into a boolean or number.
std::vector<std::string> BuiltinArgv(const std::vector<std::string>& prefix, const std::string& uses,
                                     const std::map<std::string, std::string>& with);

}  // namespace ferry::pipelines
