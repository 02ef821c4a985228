// PipelineStore: pipelines (each applied file kept as a numbered version),
// pipeline runs and their step runs, in the metadata store (migration 9).
//
// A run and its steps are created in one transaction; each state change of
// a step is one write. Thread-safe (the Database is).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/database.h"

namespace ferry::pipelines {

struct PipelineInfo {
  std::string name;
  int64_t latest_version = 0;
  std::string workspace;
  std::optional<int64_t> next_schedule_ms;  // when the cron schedule is next due
  int64_t created_ms = 0, updated_ms = 0;
};

struct PipelineVersion {
  std::string name;
  int64_t version = 0;
  std::string yaml, digest;  // digest: SHA-256 of the YAML
  int64_t created_ms = 0;
};

// queued → running → succeeded | failed | cancelled; skipped: a trigger the
// concurrency policy turned away (kept so the history shows it).
inline constexpr const char* kRunQueued = "queued";
inline constexpr const char* kRunRunning = "running";
inline constexpr const char* kRunSucceeded = "succeeded";
inline constexpr const char* kRunFailed = "failed";
inline constexpr const char* kRunCancelled = "cancelled";
inline constexpr const char* kRunSkipped = "skipped";

bool RunEnded(const std::string& state);  // succeeded, failed, cancelled or skipped

struct StepRunInfo {
  std::string step;
  int64_t position = 0;  // in the file
  std::string state = "pending";
  int64_t attempts = 0, exit_code = 0;
  bool timed_out = false, reused = false;
  std::string error;
  std::optional<int64_t> start_ms, end_ms;
  std::string log_path, cache_key;
  std::map<std::string, std::string> outputs;
  std::string tracking_run_id;
};

struct PipelineRunInfo {
  std::string run_id, pipeline;
  int64_t version = 0;
  std::string state = kRunQueued;
  std::string trigger_kind;    // manual, schedule, alert, dataset, registry, resume
  std::string trigger_detail;  // JSON object: what fired
  std::map<std::string, std::string> params;
  std::string tracking_run_id, resumed_from, run_dir, error;
  int64_t created_ms = 0;
  std::optional<int64_t> start_ms, end_ms;
  std::vector<StepRunInfo> steps;  // in the file's order
};

struct Interrupted {
  int64_t runs = 0;
  std::vector<std::string> tracking_run_ids;  // of those runs and their running steps
};

class PipelineStore {
 public:
  PipelineStore(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Stores the file as a new version unless it equals the latest (same
  // digest); updates the workspace and the next schedule either way.
  // Returns the version that holds this file.
  Result<int64_t> Put(const std::string& name, const std::string& yaml, const std::string& digest,
                      const std::string& workspace, std::optional<int64_t> next_schedule_ms);
  Result<std::vector<PipelineInfo>> Pipelines();
  Result<PipelineInfo> Pipeline(const std::string& name);  // NotFound naming it
  Result<PipelineVersion> Version(const std::string& name, int64_t version);
  Status SetNextSchedule(const std::string& name, std::optional<int64_t> next_ms);

  Status CreateRun(const PipelineRunInfo& run);  // with its steps
  // Writes the run's own fields (not its steps).
  Status UpdateRun(const PipelineRunInfo& run);
  Status UpdateStep(const std::string& run_id, const StepRunInfo& step);
  Result<PipelineRunInfo> Run(const std::string& run_id);  // NotFound naming it
  // Newest first; `pipeline` empty: every pipeline; `states` empty: any.
  Result<std::vector<PipelineRunInfo>> Runs(const std::string& pipeline, const std::vector<std::string>& states,
                                            int64_t limit, bool with_steps);
  // Runs left running by a server that stopped: failed, with their running
  // and pending steps. Returns how many, and the tracked runs to end.
  Result<Interrupted> FailInterrupted(const std::string& why);

 private:
  Result<std::vector<StepRunInfo>> Steps(store::SqlConnection& conn, const std::string& run_id);

  store::Database& db_;
  const Clock& clock_;
};

}  // namespace ferry::pipelines
