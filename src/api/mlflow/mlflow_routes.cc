// MLflow REST API 2.0, tracking: each route parses MLflow's request fields,
// calls TrackingService, renders MLflow's response shape.
#include "api/handler.h"
#include "api/mlflow/mlflow_json.h"
#include "api/services.h"
#include "api/tracking_requests.h"

namespace ferry::api {
namespace {

using tracking::TrackingService;

// MLflow accepts run_id and the older run_uuid.
Result<std::string> RunIdOf(const Json& in) {
  ASSIGN_OR_RETURN(std::optional<std::string> id, GetOptString(in, "run_id"));
  if (!id || id->empty()) {
    ASSIGN_OR_RETURN(id, GetOptString(in, "run_uuid"));
  }
  if (!id || id->empty()) return MissingField("run_id");
  return *std::move(id);
}

Result<Json> CreateExperiment(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, CreateExperimentFromJson(s, in));
  return Json{{"experiment_id", id}};
}

Result<Json> GetExperiment(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, GetString(in, "experiment_id"));
  ASSIGN_OR_RETURN(auto e, s.tracking.GetExperiment(id));
  return Json{{"experiment", ExperimentToJson(e)}};
}

Result<Json> GetExperimentByName(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "experiment_name"));
  ASSIGN_OR_RETURN(auto e, s.tracking.GetExperimentByName(name));
  return Json{{"experiment", ExperimentToJson(e)}};
}

Result<Json> SearchExperiments(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(auto req, SearchExperimentsRequestFromJson(in));
  ASSIGN_OR_RETURN(auto result, s.tracking.SearchExperiments(req));
  Json list = Json::array();
  for (const auto& e : result.experiments) list.push_back(ExperimentToJson(e));
  Json out = {{"experiments", list}};
  if (!result.next_page_token.empty()) out["next_page_token"] = result.next_page_token;
  return out;
}

Result<Json> UpdateExperiment(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, GetString(in, "experiment_id"));
  ASSIGN_OR_RETURN(std::string name, GetString(in, "new_name"));
  return EmptyOr(s.tracking.RenameExperiment(id, name));
}

Result<Json> DeleteExperiment(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, GetString(in, "experiment_id"));
  return EmptyOr(s.tracking.DeleteExperiment(id));
}

Result<Json> RestoreExperiment(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, GetString(in, "experiment_id"));
  return EmptyOr(s.tracking.RestoreExperiment(id));
}

Result<Json> SetExperimentTag(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, GetString(in, "experiment_id"));
  ASSIGN_OR_RETURN(std::string key, GetString(in, "key"));
  ASSIGN_OR_RETURN(auto value, GetOptString(in, "value"));
  return EmptyOr(s.tracking.SetExperimentTag(id, {key, value.value_or("")}));
}

Result<Json> DeleteExperimentTag(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, GetString(in, "experiment_id"));
  ASSIGN_OR_RETURN(std::string key, GetString(in, "key"));
  return EmptyOr(s.tracking.DeleteExperimentTag(id, key));
}

Result<Json> CreateRun(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(auto req, CreateRunRequestFromJson(in));
  ASSIGN_OR_RETURN(auto run, s.tracking.CreateRun(req));
  return Json{{"run", RunToJson(run)}};
}

Result<Json> UpdateRun(Services& s, const Json& in) {
  tracking::UpdateRunRequest req;
  ASSIGN_OR_RETURN(req.run_id, RunIdOf(in));
  ASSIGN_OR_RETURN(req.status, GetOptString(in, "status"));
  ASSIGN_OR_RETURN(req.end_time, GetOptInt(in, "end_time"));
  ASSIGN_OR_RETURN(req.run_name, GetOptString(in, "run_name"));
  ASSIGN_OR_RETURN(auto info, s.tracking.UpdateRun(req));
  return Json{{"run_info", RunInfoToJson(info)}};
}

Result<Json> GetRun(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, RunIdOf(in));
  ASSIGN_OR_RETURN(auto run, s.tracking.GetRun(id));
  return Json{{"run", RunToJson(run)}};
}

Result<Json> DeleteRun(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, RunIdOf(in));
  return EmptyOr(s.tracking.DeleteRun(id));
}

Result<Json> RestoreRun(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, RunIdOf(in));
  return EmptyOr(s.tracking.RestoreRun(id));
}

Result<Json> LogMetric(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, RunIdOf(in));
  ASSIGN_OR_RETURN(int64_t timestamp, GetInt(in, "timestamp"));  // required
  Json wrapped = {{"metric", Json::array({in})}};
  ASSIGN_OR_RETURN(auto metrics, MetricsFromJson(wrapped, "metric", timestamp));
  return EmptyOr(s.tracking.LogBatch(id, std::move(metrics), {}, {}));
}

Result<Json> LogParam(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, RunIdOf(in));
  ASSIGN_OR_RETURN(std::string key, GetString(in, "key"));
  ASSIGN_OR_RETURN(auto value, GetOptString(in, "value"));
  return EmptyOr(s.tracking.LogBatch(id, {}, {{key, value.value_or("")}}, {}));
}

Result<Json> SetTag(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, RunIdOf(in));
  ASSIGN_OR_RETURN(std::string key, GetString(in, "key"));
  ASSIGN_OR_RETURN(auto value, GetOptString(in, "value"));
  if (key == "mlflow.runName") {
    tracking::UpdateRunRequest rename{id, std::nullopt, std::nullopt, value};
    RETURN_IF_ERROR(s.tracking.UpdateRun(rename).status());
  }
  return EmptyOr(s.tracking.LogBatch(id, {}, {}, {{key, value.value_or("")}}));
}

Result<Json> DeleteTag(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, RunIdOf(in));
  ASSIGN_OR_RETURN(std::string key, GetString(in, "key"));
  return EmptyOr(s.tracking.DeleteTag(id, key));
}

Result<Json> LogBatch(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, RunIdOf(in));
  return EmptyOr(LogBatchFromJson(s, id, in, std::nullopt));
}

Result<Json> LogInputs(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, RunIdOf(in));
  ASSIGN_OR_RETURN(auto inputs, DatasetInputsFromJson(in, "datasets"));
  return EmptyOr(s.tracking.LogInputs(id, inputs));
}

// MLflow stores logged-model metadata as a JSON list in a run tag.
Result<Json> LogModel(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, RunIdOf(in));
  ASSIGN_OR_RETURN(std::string model, GetString(in, "model_json"));
  Json parsed = Json::parse(model, nullptr, false);
  if (parsed.is_discarded()) return InvalidArgument("'model_json' is not valid JSON");
  ASSIGN_OR_RETURN(auto run, s.tracking.GetRun(id));
  Json history = Json::array();
  for (const auto& t : run.tags) {
    if (t.key == "mlflow.log-model.history") {
      Json old = Json::parse(t.value, nullptr, false);
      if (old.is_array()) history = old;
    }
  }
  history.push_back(parsed);
  return EmptyOr(s.tracking.LogBatch(
      id, {}, {}, {{"mlflow.log-model.history", Dump(history)}}));
}

Result<Json> SearchRuns(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(auto req, SearchRunsRequestFromJson(in));
  ASSIGN_OR_RETURN(auto result, s.tracking.SearchRuns(req));
  Json runs = Json::array();
  for (const auto& r : result.runs) runs.push_back(RunToJson(r));
  Json out = Json::object();
  if (!runs.empty()) out["runs"] = runs;
  if (!result.next_page_token.empty()) out["next_page_token"] = result.next_page_token;
  return out;
}

Result<Json> GetMetricHistory(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, RunIdOf(in));
  ASSIGN_OR_RETURN(std::string key, GetString(in, "metric_key"));
  ASSIGN_OR_RETURN(auto max, GetOptInt(in, "max_results"));
  ASSIGN_OR_RETURN(auto token, GetOptString(in, "page_token"));
  ASSIGN_OR_RETURN(auto result, s.tracking.GetMetricHistory(
                                    id, key, max.value_or(0), token.value_or("")));
  Json metrics = Json::array();
  for (const auto& m : result.metrics) {
    Json item = MetricToJson(m);
    item["run_id"] = id;
    metrics.push_back(std::move(item));
  }
  Json out = {{"metrics", metrics}};
  if (!result.next_page_token.empty()) out["next_page_token"] = result.next_page_token;
  return out;
}

using RouteFn = Result<Json> (*)(Services&, const Json&);

void Add(Router& router, Services& s, Method method, const std::string& path,
         RouteFn fn) {
  AddMlflowRoute(router, method, path, [&s, fn](const Json& in, HttpRequest&) { return fn(s, in); });
}

}  // namespace

void AddMlflowRoutes(Router& router, Services& s) {
  const Method kGet = Method::kGet, kPost = Method::kPost;
  Add(router, s, kPost, "experiments/create", CreateExperiment);
  Add(router, s, kGet, "experiments/get", GetExperiment);
  Add(router, s, kGet, "experiments/get-by-name", GetExperimentByName);
  Add(router, s, kPost, "experiments/search", SearchExperiments);
  Add(router, s, kGet, "experiments/search", SearchExperiments);
  Add(router, s, kPost, "experiments/update", UpdateExperiment);
  Add(router, s, kPost, "experiments/delete", DeleteExperiment);
  Add(router, s, kPost, "experiments/restore", RestoreExperiment);
  Add(router, s, kPost, "experiments/set-experiment-tag", SetExperimentTag);
  Add(router, s, kPost, "experiments/delete-experiment-tag", DeleteExperimentTag);
  Add(router, s, kPost, "runs/create", CreateRun);
  Add(router, s, kPost, "runs/update", UpdateRun);
  Add(router, s, kGet, "runs/get", GetRun);
  Add(router, s, kPost, "runs/delete", DeleteRun);
  Add(router, s, kPost, "runs/restore", RestoreRun);
  Add(router, s, kPost, "runs/log-metric", LogMetric);
  Add(router, s, kPost, "runs/log-parameter", LogParam);
  Add(router, s, kPost, "runs/set-tag", SetTag);
  Add(router, s, kPost, "runs/delete-tag", DeleteTag);
  Add(router, s, kPost, "runs/log-batch", LogBatch);
  Add(router, s, kPost, "runs/log-inputs", LogInputs);
  Add(router, s, kPost, "runs/log-model", LogModel);
  Add(router, s, kPost, "runs/search", SearchRuns);
  Add(router, s, kGet, "metrics/get-history", GetMetricHistory);
}

}  // namespace ferry::api
