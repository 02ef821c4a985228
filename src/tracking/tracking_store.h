// TrackingStore: the tracking subsystem's typed queries over a
// store::Database. No validation here (that is TrackingService's job); every
// value is bound, never spliced into SQL. Thread-safe (the Database is).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "store/database.h"
#include "tracking/search/filter.h"
#include "tracking/types.h"

namespace ferry::tracking {

class TrackingStore {
 public:
  explicit TrackingStore(store::Database& db) : db_(db) {}

  store::Dialect dialect() const { return db_.dialect(); }

  // Experiments.
  Result<int64_t> CreateExperiment(const Experiment& experiment);
  Result<Experiment> GetExperiment(int64_t experiment_id);
  Result<Experiment> GetExperimentByName(const std::string& name);
  Result<std::vector<Experiment>> SearchExperiments(
      const ExperimentSearch& search);
  Status RenameExperiment(int64_t experiment_id, const std::string& name,
                          int64_t now);
  Status SetExperimentLifecycle(int64_t experiment_id, const char* stage,
                                int64_t now);
  Status SetExperimentTag(int64_t experiment_id, const Tag& tag);
  Status DeleteExperimentTag(int64_t experiment_id, const std::string& key);

  // Runs.
  Status CreateRun(const Run& run);
  Result<Run> GetRun(const std::string& run_id);
  Result<RunInfo> GetRunInfo(const std::string& run_id);
  Status UpdateRun(const RunInfo& info);
  Status SetRunLifecycle(const std::string& run_id, const char* stage,
                         std::optional<int64_t> deleted_time);
  Result<std::vector<Run>> SearchRuns(const RunSearch& search);
  // The page of `search` and, when `count`, the number of runs it matches in
  // all (else -1), read together.
  Result<std::pair<std::vector<Run>, int64_t>> SearchRunsCounted(const RunSearch& search,
                                                                 bool count);
  // How many active child runs (mlflow.parentRunId tags) in the experiments
  // each of `run_ids` has; absent = none.
  Result<std::map<std::string, int64_t>> ChildCounts(const std::vector<std::string>& run_ids,
                                                     const std::vector<int64_t>& experiment_ids);
  // The distinct metric, param and tag keys of the experiments' active runs
  // (each list sorted, at most `limit` keys).
  Result<RunKeys> DistinctKeys(const std::vector<int64_t>& experiment_ids, int64_t limit);

  // Logs a whole batch in one transaction: all of it or none. Params that
  // exist with another value fail the batch with kInvalidArgument.
  Status LogBatch(const std::string& run_id, const std::vector<Metric>& metrics,
                  const std::vector<Param>& params,
                  const std::vector<Tag>& tags);
  Status DeleteTag(const std::string& run_id, const std::string& key);
  Status LogInputs(const std::string& run_id, int64_t experiment_id,
                   const std::vector<DatasetInput>& inputs);
  Result<std::vector<Metric>> GetMetricHistory(const std::string& run_id,
                                               const std::string& key,
                                               int64_t limit, int64_t offset);

  // Artifact files: size and SHA-256 by artifact-store path.
  Status RecordArtifactFile(const std::string& path, uint64_t size,
                            const std::string& sha256, int64_t now);
  Result<std::optional<std::string>> ArtifactSha256(const std::string& path);
  // Every recorded file under the folder `dir`, by path.
  Result<std::vector<ArtifactDigest>> ArtifactDigests(const std::string& dir);

 private:
  store::Database& db_;
};

}  // namespace ferry::tracking
