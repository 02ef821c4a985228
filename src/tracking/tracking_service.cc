#include "tracking/tracking_service.h"

#include <charconv>

#include "core/ids.h"
#include "core/paging.h"

namespace ferry::tracking {
namespace {

Status ValidateMaxResults(int64_t max_results) {
  return CheckMaxResults(max_results, kMaxSearchResults);
}

Status CheckActive(const RunInfo& info) {
  if (info.lifecycle_stage != kActive) {
    return InvalidArgument("The run " + info.run_id +
                           " must be in the 'active' state. Current state is " +
                           info.lifecycle_stage + ".");
  }
  return Status::Ok();
}

Status ValidateLength(std::string_view field, std::string_view value,
                      size_t max) {
  if (value.size() > max) {
    return InvalidArgument("'" + std::string(field) + "' exceeds the maximum "
                           "length of " + std::to_string(max) +
                           " characters (got " + std::to_string(value.size()) +
                           ")");
  }
  return Status::Ok();
}

std::string RandomRunName() {
  static constexpr const char* kAdjectives[] = {
      "amber", "brisk", "calm", "deft", "eager", "fleet", "gentle", "hardy",
      "keen", "lucid", "merry", "nimble", "proud", "quiet", "rapid", "sunny"};
  static constexpr const char* kNouns[] = {
      "otter", "heron", "lynx", "finch", "trout", "ibis", "badger", "crane",
      "gecko", "hare", "koala", "newt", "owl", "panda", "raven", "seal"};
  std::string id = NewRunId();  // random hex
  auto nibble = [&](int i) { return std::stoi(id.substr(i, 1), nullptr, 16); };
  return std::string(kAdjectives[nibble(0)]) + "-" + kNouns[nibble(1)] + "-" +
         std::to_string(std::stoi(id.substr(2, 3), nullptr, 16) % 1000);
}

// Keys made only of [A-Za-z0-9_-] are always valid: checked without
// allocating; anything else goes through ValidateKey.
bool IsPlainKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Status ValidateKey(std::string_view field, std::string_view key) {
  if (key.empty()) {
    return InvalidArgument("Missing value for required parameter '" +
                           std::string(field) + "'");
  }
  RETURN_IF_ERROR(ValidateLength(field, key, kMaxEntityKeyLength));
  for (unsigned char c : key) {
    bool ok = std::isalnum(c) || c == '_' || c == '-' || c == '.' ||
              c == ' ' || c == ':' || c == '/' || c >= 0x80;
    if (!ok) {
      return InvalidArgument(
          "Invalid value '" + std::string(key) + "' for parameter '" +
          std::string(field) +
          "': names may only contain alphanumerics, underscores (_), dashes "
          "(-), periods (.), spaces ( ), colons (:) and slashes (/)");
    }
  }
  bool bad_path = key.front() == '/' || key.back() == '/' ||
                  key.find("//") != std::string_view::npos;
  size_t start = 0;
  while (!bad_path && start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view seg = key.substr(start, end - start);
    if ((seg == "." || seg == "..") && key != ".") bad_path = true;
    start = end + 1;
  }
  if (bad_path) {
    return InvalidArgument("Invalid value '" + std::string(key) +
                           "' for parameter '" + std::string(field) +
                           "': names must be normalized relative paths");
  }
  return Status::Ok();
}

Status ValidateBatchLimits(size_t metrics, size_t params, size_t tags) {
  if (metrics > kMaxMetricsPerBatch || params > kMaxParamsPerBatch ||
      tags > kMaxTagsPerBatch || metrics + params + tags > kMaxEntitiesPerBatch) {
    return InvalidArgument(
        "A batch logging request can contain at most " +
        std::to_string(kMaxMetricsPerBatch) + " metrics, " +
        std::to_string(kMaxParamsPerBatch) + " params, and " +
        std::to_string(kMaxTagsPerBatch) + " tags, and at most " +
        std::to_string(kMaxEntitiesPerBatch) +
        " entities in total. Got: metrics=" + std::to_string(metrics) +
        ", params=" + std::to_string(params) + ", tags=" + std::to_string(tags));
  }
  return Status::Ok();
}

bool IsValidRunStatus(std::string_view s) {
  return s == "RUNNING" || s == "SCHEDULED" || s == "FINISHED" ||
         s == "FAILED" || s == "KILLED";
}

Result<int64_t> TrackingService::ParseExperimentId(const std::string& id) {
  int64_t value = -1;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), value);
  if (id.empty() || ec != std::errc() || end != id.data() + id.size() ||
      value < 0) {
    return NotFound("No Experiment with id=" + id.substr(0, 64) + " exists");
  }
  return value;
}

Result<std::string> TrackingService::CreateExperiment(
    const std::string& name, const std::string& artifact_location,
    const std::vector<Tag>& tags) {
  if (name.empty()) {
    return InvalidArgument("Missing value for required parameter 'name'");
  }
  RETURN_IF_ERROR(ValidateLength("name", name, kMaxExperimentNameLength));
  for (const Tag& t : tags) {
    RETURN_IF_ERROR(ValidateKey("tags.key", t.key));
    RETURN_IF_ERROR(ValidateLength("tags.value", t.value, kMaxTagValueLength));
  }
  Experiment e;
  e.name = name;
  e.artifact_location = artifact_location;
  e.creation_time = clock_.NowMillis();
  e.tags = tags;
  ASSIGN_OR_RETURN(int64_t id, store_.CreateExperiment(e));
  return std::to_string(id);
}

Result<Experiment> TrackingService::GetExperiment(const std::string& id) {
  ASSIGN_OR_RETURN(int64_t parsed, ParseExperimentId(id));
  return store_.GetExperiment(parsed);
}

Result<Experiment> TrackingService::GetExperimentByName(const std::string& name) {
  if (name.empty()) {
    return InvalidArgument(
        "Missing value for required parameter 'experiment_name'");
  }
  return store_.GetExperimentByName(name);
}

Result<Experiment> TrackingService::GetActiveExperiment(const std::string& id) {
  ASSIGN_OR_RETURN(Experiment e, GetExperiment(id));
  if (e.lifecycle_stage != kActive) {
    return InvalidArgument("Experiment '" + e.name + "' (id=" + id +
                           ") must be in the 'active' state");
  }
  return e;
}

Result<SearchExperimentsResult> TrackingService::SearchExperiments(
    const SearchExperimentsRequest& request) {
  RETURN_IF_ERROR(ValidateMaxResults(request.max_results));
  ExperimentSearch search;
  if (!request.filter.empty()) {
    ASSIGN_OR_RETURN(search.filter, ParseExperimentFilter(request.filter));
  }
  for (const std::string& order : request.order_by) {
    ASSIGN_OR_RETURN(OrderBy parsed, ParseExperimentOrderBy(order));
    search.order_by.push_back(std::move(parsed));
  }
  search.view = request.view;
  ASSIGN_OR_RETURN(search.offset, ParsePageToken(request.page_token));
  search.limit = request.max_results + 1;
  search.dialect = store_.dialect();
  ASSIGN_OR_RETURN(std::vector<Experiment> found, store_.SearchExperiments(search));
  std::string token = TrimToPage(found, search.offset, request.max_results);
  SearchExperimentsResult result;
  result.next_page_token = std::move(token);
  result.experiments = std::move(found);
  return result;
}

Status TrackingService::RenameExperiment(const std::string& id,
                                         const std::string& new_name) {
  if (new_name.empty()) {
    return InvalidArgument("Missing value for required parameter 'new_name'");
  }
  RETURN_IF_ERROR(ValidateLength("new_name", new_name, kMaxExperimentNameLength));
  ASSIGN_OR_RETURN(Experiment e, GetActiveExperiment(id));
  return store_.RenameExperiment(e.experiment_id, new_name, clock_.NowMillis());
}

Status TrackingService::DeleteExperiment(const std::string& id) {
  ASSIGN_OR_RETURN(Experiment e, GetExperiment(id));
  if (e.experiment_id == 0) {
    return InvalidArgument("Cannot delete the default experiment '0'");
  }
  return store_.SetExperimentLifecycle(e.experiment_id, kDeleted,
                                       clock_.NowMillis());
}

Status TrackingService::RestoreExperiment(const std::string& id) {
  ASSIGN_OR_RETURN(Experiment e, GetExperiment(id));
  return store_.SetExperimentLifecycle(e.experiment_id, kActive,
                                       clock_.NowMillis());
}

Status TrackingService::SetExperimentTag(const std::string& id, const Tag& tag) {
  RETURN_IF_ERROR(ValidateKey("key", tag.key));
  RETURN_IF_ERROR(ValidateLength("value", tag.value, kMaxTagValueLength));
  ASSIGN_OR_RETURN(Experiment e, GetActiveExperiment(id));
  return store_.SetExperimentTag(e.experiment_id, tag);
}

Status TrackingService::DeleteExperimentTag(const std::string& id,
                                            const std::string& key) {
  RETURN_IF_ERROR(ValidateKey("key", key));
  ASSIGN_OR_RETURN(Experiment e, GetActiveExperiment(id));
  return store_.DeleteExperimentTag(e.experiment_id, key);
}

Result<Run> TrackingService::CreateRun(const CreateRunRequest& request) {
  std::string experiment_id =
      request.experiment_id.empty() ? "0" : request.experiment_id;
  ASSIGN_OR_RETURN(Experiment e, GetActiveExperiment(experiment_id));
  Run run;
  RunInfo& info = run.info;
  info.run_id = NewRunId();
  info.experiment_id = e.experiment_id;
  info.user_id = request.user_id;
  info.status = "RUNNING";
  info.start_time = request.start_time.value_or(clock_.NowMillis());
  info.lifecycle_stage = kActive;
  info.artifact_uri = e.artifact_location + "/" + info.run_id + "/artifacts";
  info.run_name = request.run_name;
  for (const Tag& t : request.tags) {
    RETURN_IF_ERROR(ValidateKey("tags.key", t.key));
    RETURN_IF_ERROR(ValidateLength("tags.value", t.value, kMaxTagValueLength));
    if (t.key == "mlflow.runName" && info.run_name.empty()) info.run_name = t.value;
    if (t.key == "mlflow.user" && info.user_id.empty()) info.user_id = t.value;
  }
  if (info.run_name.empty()) info.run_name = RandomRunName();
  run.tags = request.tags;
  std::erase_if(run.tags, [](const Tag& t) { return t.key == "mlflow.runName"; });
  run.tags.push_back({"mlflow.runName", info.run_name});
  RETURN_IF_ERROR(ValidateBatchLimits(0, 0, 0));
  RETURN_IF_ERROR(store_.CreateRun(run));
  return store_.GetRun(info.run_id);
}

Result<Run> TrackingService::GetRun(const std::string& run_id) {
  if (run_id.empty()) {
    return InvalidArgument("Missing value for required parameter 'run_id'");
  }
  return store_.GetRun(run_id);
}

Result<RunInfo> TrackingService::GetActiveRunInfo(const std::string& run_id) {
  if (run_id.empty()) {
    return InvalidArgument("Missing value for required parameter 'run_id'");
  }
  ASSIGN_OR_RETURN(RunInfo info, store_.GetRunInfo(run_id));
  RETURN_IF_ERROR(CheckActive(info));
  return info;
}

Result<RunInfo> TrackingService::UpdateRun(const UpdateRunRequest& request) {
  ASSIGN_OR_RETURN(RunInfo info, GetActiveRunInfo(request.run_id));
  if (request.status) {
    if (!IsValidRunStatus(*request.status)) {
      return InvalidArgument("Invalid value '" + *request.status +
                             "' for parameter 'status': expected one of "
                             "RUNNING, SCHEDULED, FINISHED, FAILED, KILLED");
    }
    info.status = *request.status;
  }
  if (request.end_time) info.end_time = *request.end_time;
  if (request.run_name && !request.run_name->empty()) {
    RETURN_IF_ERROR(ValidateLength("run_name", *request.run_name,
                                   kMaxTagValueLength));
    info.run_name = *request.run_name;
  }
  RETURN_IF_ERROR(store_.UpdateRun(info));
  return info;
}

Status TrackingService::DeleteRun(const std::string& run_id) {
  ASSIGN_OR_RETURN(RunInfo info, store_.GetRunInfo(run_id));
  return store_.SetRunLifecycle(info.run_id, kDeleted, clock_.NowMillis());
}

Status TrackingService::RestoreRun(const std::string& run_id) {
  ASSIGN_OR_RETURN(RunInfo info, store_.GetRunInfo(run_id));
  return store_.SetRunLifecycle(info.run_id, kActive, std::nullopt);
}

Result<SearchRunsResult> TrackingService::SearchRuns(
    const SearchRunsRequest& request) {
  RETURN_IF_ERROR(ValidateMaxResults(request.max_results));
  ASSIGN_OR_RETURN(RunSearch search, CompileSearch(request.experiment_ids, request.filter,
                                                   request.order_by, request.view));
  ASSIGN_OR_RETURN(search.offset, ParsePageToken(request.page_token));
  search.limit = request.max_results + 1;
  SearchRunsResult result;
  if (search.experiment_ids.empty()) return result;
  ASSIGN_OR_RETURN(std::vector<Run> runs, store_.SearchRuns(search));
  result.next_page_token = TrimToPage(runs, search.offset, request.max_results);
  result.runs = std::move(runs);
  return result;
}

Result<RunSearch> TrackingService::CompileSearch(const std::vector<std::string>& experiment_ids,
                                                 const std::string& filter,
                                                 const std::vector<std::string>& order_by,
                                                 ViewType view) {
  RunSearch search;
  for (const std::string& id : experiment_ids) {
    ASSIGN_OR_RETURN(int64_t parsed, ParseExperimentId(id));
    search.experiment_ids.push_back(parsed);
  }
  if (!filter.empty()) {
    ASSIGN_OR_RETURN(search.filter, ParseRunFilter(filter));
  }
  for (const std::string& order : order_by) {
    ASSIGN_OR_RETURN(OrderBy parsed, ParseRunOrderBy(order));
    search.order_by.push_back(std::move(parsed));
  }
  search.view = view;
  search.dialect = store_.dialect();
  return search;
}

Result<RunPage> TrackingService::SearchRunPage(const RunPageRequest& request) {
  if (request.limit < 1 || request.limit > kMaxRunPage) {
    return InvalidArgument("limit must be between 1 and " + std::to_string(kMaxRunPage) +
                           ", got " + std::to_string(request.limit));
  }
  if (request.offset < 0) {
    return InvalidArgument("offset must not be negative, got " + std::to_string(request.offset));
  }
  ASSIGN_OR_RETURN(RunSearch search, CompileSearch(request.experiment_ids, request.filter,
                                                   request.order_by, request.view));
  search.offset = request.offset;
  search.limit = request.limit;
  search.top_level_only = request.top_level_only;
  RunPage page;
  if (search.experiment_ids.empty()) return page;
  ASSIGN_OR_RETURN(auto counted, store_.SearchRunsCounted(search, request.count_total));
  page.runs = std::move(counted.first);
  page.total = counted.second;
  std::vector<std::string> ids;
  for (const Run& r : page.runs) ids.push_back(r.info.run_id);
  ASSIGN_OR_RETURN(page.child_counts, store_.ChildCounts(ids, search.experiment_ids));
  return page;
}

Result<RunKeys> TrackingService::ExperimentKeys(const std::vector<std::string>& experiment_ids) {
  std::vector<int64_t> ids;
  for (const std::string& id : experiment_ids) {
    ASSIGN_OR_RETURN(Experiment e, GetExperiment(id));  // a missing experiment is a 404
    ids.push_back(e.experiment_id);
  }
  return store_.DistinctKeys(ids, 1000);
}

Status TrackingService::LogBatch(const std::string& run_id,
                                 std::vector<Metric> metrics,
                                 const std::vector<Param>& params,
                                 const std::vector<Tag>& tags) {
  RETURN_IF_ERROR(ValidateBatchLimits(metrics.size(), params.size(), tags.size()));
  for (size_t i = 0; i < metrics.size(); ++i) {
    if (metrics[i].key.size() <= kMaxEntityKeyLength && IsPlainKey(metrics[i].key)) {
      continue;  // the common case, without building a field name
    }
    RETURN_IF_ERROR(ValidateKey("metrics[" + std::to_string(i) + "].key",
                                metrics[i].key));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    std::string field = "params[" + std::to_string(i) + "]";
    RETURN_IF_ERROR(ValidateKey(field + ".key", params[i].key));
    RETURN_IF_ERROR(ValidateLength(field + ".value", params[i].value,
                                   kMaxParamValueLength));
  }
  for (size_t i = 0; i < tags.size(); ++i) {
    std::string field = "tags[" + std::to_string(i) + "]";
    RETURN_IF_ERROR(ValidateKey(field + ".key", tags[i].key));
    RETURN_IF_ERROR(
        ValidateLength(field + ".value", tags[i].value, kMaxTagValueLength));
  }
  ASSIGN_OR_RETURN(RunInfo info, GetActiveRunInfo(run_id));
  return store_.LogBatch(info.run_id, metrics, params, tags);
}

Status TrackingService::DeleteTag(const std::string& run_id,
                                  const std::string& key) {
  RETURN_IF_ERROR(ValidateKey("key", key));
  ASSIGN_OR_RETURN(RunInfo info, GetActiveRunInfo(run_id));
  return store_.DeleteTag(info.run_id, key);
}

Status TrackingService::LogInputs(const std::string& run_id,
                                  const std::vector<DatasetInput>& inputs) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Dataset& d = inputs[i].dataset;
    std::string field = "datasets[" + std::to_string(i) + "].dataset";
    if (d.name.empty()) {
      return InvalidArgument("Missing value for required parameter '" + field +
                             ".name'");
    }
    if (d.digest.empty()) {
      return InvalidArgument("Missing value for required parameter '" + field +
                             ".digest'");
    }
    RETURN_IF_ERROR(ValidateLength(field + ".name", d.name, 500));
    RETURN_IF_ERROR(ValidateLength(field + ".digest", d.digest, 36));
  }
  ASSIGN_OR_RETURN(RunInfo info, GetActiveRunInfo(run_id));
  return store_.LogInputs(info.run_id, info.experiment_id, inputs);
}

Result<MetricHistoryResult> TrackingService::GetMetricHistory(
    const std::string& run_id, const std::string& key, int64_t max_results,
    const std::string& page_token) {
  if (key.empty()) {
    return InvalidArgument("Missing value for required parameter 'metric_key'");
  }
  ASSIGN_OR_RETURN(RunInfo info, store_.GetRunInfo(run_id));
  ASSIGN_OR_RETURN(int64_t offset, ParsePageToken(page_token));
  if (max_results <= 0) max_results = 25000000;
  ASSIGN_OR_RETURN(std::vector<Metric> metrics,
                   store_.GetMetricHistory(info.run_id, key, max_results + 1,
                                           offset));
  std::string token = TrimToPage(metrics, offset, max_results);
  MetricHistoryResult result;
  result.next_page_token = std::move(token);
  result.metrics = std::move(metrics);
  return result;
}

Status TrackingService::RecordArtifactFile(const std::string& path,
                                           uint64_t size,
                                           const std::string& sha256) {
  return store_.RecordArtifactFile(path, size, sha256, clock_.NowMillis());
}

}  // namespace ferry::tracking
