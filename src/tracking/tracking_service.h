// TrackingService: experiment tracking's one door. Validates every input the
// way MLflow does (names, lengths, batch limits, run state), then calls the
// TrackingStore. The MLflow-compatible routes, Ferry's /api/v1 routes and the
// CLI all call this class; none of them re-implements a rule.
//
// Errors: kInvalidArgument names the field; kNotFound for unknown ids;
// kAlreadyExists for duplicate experiment names. Thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "tracking/tracking_store.h"

namespace ferry::tracking {

// MLflow's limits (mlflow/utils/validation.py).
inline constexpr size_t kMaxEntityKeyLength = 250;
inline constexpr size_t kMaxParamValueLength = 6000;
inline constexpr size_t kMaxTagValueLength = 8000;
inline constexpr size_t kMaxExperimentNameLength = 500;
inline constexpr size_t kMaxMetricsPerBatch = 1000;
inline constexpr size_t kMaxParamsPerBatch = 100;
inline constexpr size_t kMaxTagsPerBatch = 100;
inline constexpr size_t kMaxEntitiesPerBatch = 1000;
inline constexpr int64_t kMaxSearchResults = 50000;

struct CreateRunRequest {
  std::string experiment_id;
  std::string user_id;
  std::string run_name;
  std::optional<int64_t> start_time;
  std::vector<Tag> tags;
};

struct UpdateRunRequest {
  std::string run_id;
  std::optional<std::string> status;
  std::optional<int64_t> end_time;
  std::optional<std::string> run_name;
};

struct SearchRunsRequest {
  std::vector<std::string> experiment_ids;
  std::string filter;
  std::vector<std::string> order_by;
  ViewType view = ViewType::kActiveOnly;
  int64_t max_results = 1000;
  std::string page_token;
};

struct SearchRunsResult {
  std::vector<Run> runs;
  std::string next_page_token;
};

// An offset-addressed page of a run search with the total it was cut from
// (the UI's runs table scrolls to any row of a large experiment).
struct RunPageRequest {
  std::vector<std::string> experiment_ids;
  std::string filter;
  std::vector<std::string> order_by;
  ViewType view = ViewType::kActiveOnly;
  int64_t offset = 0;
  int64_t limit = 100;          // at most kMaxRunPage
  bool top_level_only = false;  // leave out nested runs
  bool count_total = true;      // also count every match (a scan: ask once, on the first page)
};
inline constexpr int64_t kMaxRunPage = 1000;

struct RunPage {
  std::vector<Run> runs;
  int64_t total = -1;  // -1 when not counted
  std::map<std::string, int64_t> child_counts;  // by run id, only runs with children
};

struct SearchExperimentsRequest {
  std::string filter;
  std::vector<std::string> order_by;
  ViewType view = ViewType::kActiveOnly;
  int64_t max_results = 1000;
  std::string page_token;
};

struct SearchExperimentsResult {
  std::vector<Experiment> experiments;
  std::string next_page_token;
};

struct MetricHistoryResult {
  std::vector<Metric> metrics;
  std::string next_page_token;
};

class TrackingService {
 public:
  TrackingService(TrackingStore& store, const Clock& clock)
      : store_(store), clock_(clock) {}

  Result<std::string> CreateExperiment(const std::string& name,
                                       const std::string& artifact_location,
                                       const std::vector<Tag>& tags);
  Result<Experiment> GetExperiment(const std::string& experiment_id);
  Result<Experiment> GetExperimentByName(const std::string& name);
  Result<SearchExperimentsResult> SearchExperiments(
      const SearchExperimentsRequest& request);
  Status RenameExperiment(const std::string& experiment_id,
                          const std::string& new_name);
  Status DeleteExperiment(const std::string& experiment_id);
  Status RestoreExperiment(const std::string& experiment_id);
  Status SetExperimentTag(const std::string& experiment_id, const Tag& tag);
  Status DeleteExperimentTag(const std::string& experiment_id,
                             const std::string& key);

  Result<Run> CreateRun(const CreateRunRequest& request);
  Result<Run> GetRun(const std::string& run_id);
  Result<RunInfo> UpdateRun(const UpdateRunRequest& request);
  Status DeleteRun(const std::string& run_id);
  Status RestoreRun(const std::string& run_id);
  Result<SearchRunsResult> SearchRuns(const SearchRunsRequest& request);
  Result<RunPage> SearchRunPage(const RunPageRequest& request);
  // The metric, param and tag keys the experiments' runs use (at most 1000 each).
  Result<RunKeys> ExperimentKeys(const std::vector<std::string>& experiment_ids);

  // All or nothing: one invalid item rejects the batch before any write.
  Status LogBatch(const std::string& run_id, std::vector<Metric> metrics,
                  const std::vector<Param>& params, const std::vector<Tag>& tags);
  Status DeleteTag(const std::string& run_id, const std::string& key);
  Status LogInputs(const std::string& run_id,
                   const std::vector<DatasetInput>& inputs);
  Result<MetricHistoryResult> GetMetricHistory(const std::string& run_id,
                                               const std::string& key,
                                               int64_t max_results,
                                               const std::string& page_token);

  // Resolves a run's artifact URI to the path under the artifact root that
  // holds its artifacts ("<experiment>/<run>/artifacts").
  Result<RunInfo> GetActiveRunInfo(const std::string& run_id);

  // Records an uploaded artifact's digest (path in the artifact store).
  Status RecordArtifactFile(const std::string& path, uint64_t size,
                            const std::string& sha256);
  Result<std::optional<std::string>> ArtifactSha256(const std::string& path) {
    return store_.ArtifactSha256(path);
  }
  Result<std::vector<ArtifactDigest>> ArtifactDigests(const std::string& dir) {
    return store_.ArtifactDigests(dir);
  }

 private:
  Result<int64_t> ParseExperimentId(const std::string& experiment_id);
  Result<RunSearch> CompileSearch(const std::vector<std::string>& experiment_ids,
                                  const std::string& filter,
                                  const std::vector<std::string>& order_by, ViewType view);
  Result<Experiment> GetActiveExperiment(const std::string& experiment_id);

  TrackingStore& store_;
  const Clock& clock_;
};

// Validation helpers, exposed for the API layer and tests.
Status ValidateKey(std::string_view field, std::string_view key);
Status ValidateBatchLimits(size_t metrics, size_t params, size_t tags);
bool IsValidRunStatus(std::string_view status);

}  // namespace ferry::tracking
