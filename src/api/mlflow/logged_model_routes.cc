// MLflow REST API 2.0, MLflow 3 logged models: /mlflow/logged-models/* and
// /mlflow/runs/outputs, over tracking::LoggedModels.
#include "api/handler.h"
#include "api/mlflow/mlflow_json.h"
#include "api/services.h"

namespace ferry::api {
namespace {

using tracking::LoggedModel;

Json LoggedModelToJson(const LoggedModel& m) {
  Json info = {{"model_id", m.model_id},
               {"experiment_id", std::to_string(m.experiment_id)},
               {"name", m.name},
               {"creation_timestamp_ms", m.creation_time},
               {"last_updated_timestamp_ms", m.last_updated_time},
               {"artifact_uri", m.artifact_uri},
               {"status", m.status},
               {"model_type", m.model_type},
               {"source_run_id", m.source_run_id},
               {"status_message", m.status_message},
               {"tags", TagsToJson(m.tags)}};
  return {{"info", info},
          {"data", {{"params", ParamsToJson(m.params)}, {"metrics", Json::array()}}}};
}

Result<Json> ModelOut(const Result<LoggedModel>& m) {
  if (!m.ok()) return m.status();
  return Json{{"model", LoggedModelToJson(*m)}};
}

Result<Json> Create(Services& s, const Json& in, HttpRequest&) {
  tracking::CreateLoggedModelRequest req;
  ASSIGN_OR_RETURN(req.experiment_id, GetString(in, "experiment_id"));
  ASSIGN_OR_RETURN(auto name, GetOptString(in, "name"));
  req.name = name.value_or("");
  ASSIGN_OR_RETURN(auto type, GetOptString(in, "model_type"));
  req.model_type = type.value_or("");
  ASSIGN_OR_RETURN(auto run, GetOptString(in, "source_run_id"));
  req.source_run_id = run.value_or("");
  ASSIGN_OR_RETURN(req.tags, TagsFromJson(in, "tags"));
  ASSIGN_OR_RETURN(req.params, ParamsFromJson(in, "params"));
  return ModelOut(s.logged_models.Create(req));
}

Result<Json> Get(Services& s, const Json& in, HttpRequest& r) {
  ASSIGN_OR_RETURN(auto allow, GetOptString(in, "allow_deleted"));
  return ModelOut(s.logged_models.Get(r.path_params["model_id"], allow == "true"));
}

Result<Json> Delete(Services& s, const Json&, HttpRequest& r) {
  return EmptyOr(s.logged_models.Delete(r.path_params["model_id"]));
}

// Protobuf's JSON enum: the name, or its number.
Result<std::string> StatusOf(const Json& in) {
  auto it = in.find("status");
  if (it == in.end()) return MissingField("status");
  static const char* kNames[] = {"LOGGED_MODEL_STATUS_UNSPECIFIED", tracking::kLoggedModelPending,
                                 tracking::kLoggedModelReady,
                                 tracking::kLoggedModelUploadFailed};
  if (it->is_number_integer() && it->get<int64_t>() >= 0 && it->get<int64_t>() < 4) {
    return std::string(kNames[it->get<int64_t>()]);
  }
  return GetString(in, "status");
}

Result<Json> Finalize(Services& s, const Json& in, HttpRequest& r) {
  ASSIGN_OR_RETURN(std::string status, StatusOf(in));
  return ModelOut(s.logged_models.Finalize(r.path_params["model_id"], status));
}

Result<Json> SetTags(Services& s, const Json& in, HttpRequest& r) {
  ASSIGN_OR_RETURN(auto tags, TagsFromJson(in, "tags"));
  return EmptyOr(s.logged_models.SetTags(r.path_params["model_id"], tags));
}

Result<Json> DeleteTag(Services& s, const Json&, HttpRequest& r) {
  return EmptyOr(s.logged_models.DeleteTag(r.path_params["model_id"], r.path_params["key"]));
}

Result<Json> LogParams(Services& s, const Json& in, HttpRequest& r) {
  ASSIGN_OR_RETURN(auto params, ParamsFromJson(in, "params"));
  return EmptyOr(s.logged_models.LogParams(r.path_params["model_id"], params));
}

Result<Json> Search(Services& s, const Json& in, HttpRequest&) {
  tracking::SearchLoggedModelsRequest req;
  ASSIGN_OR_RETURN(req.experiment_ids, GetStringList(in, "experiment_ids"));
  ASSIGN_OR_RETURN(auto filter, GetOptString(in, "filter"));
  req.filter = filter.value_or("");
  ASSIGN_OR_RETURN(auto max, GetOptInt(in, "max_results"));
  req.max_results = max.value_or(100);
  ASSIGN_OR_RETURN(auto token, GetOptString(in, "page_token"));
  req.page_token = token.value_or("");
  ASSIGN_OR_RETURN(auto orders, GetObjectList(in, "order_by"));
  for (const Json& o : orders) {
    ASSIGN_OR_RETURN(std::string field, GetString(o, "field_name"));
    ASSIGN_OR_RETURN(tracking::OrderBy order, tracking::ParseLoggedModelOrderBy(field));
    auto asc = o.find("ascending");
    order.ascending = asc == o.end() || !asc->is_boolean() || asc->get<bool>();
    req.order_by.push_back(std::move(order));
  }
  ASSIGN_OR_RETURN(auto page, s.logged_models.Search(req));
  Json models = Json::array();
  for (const auto& m : page.first) models.push_back(LoggedModelToJson(m));
  Json out = {{"models", models}};
  if (!page.second.empty()) out["next_page_token"] = page.second;
  return out;
}

Result<Json> LogOutputs(Services& s, const Json& in, HttpRequest&) {
  ASSIGN_OR_RETURN(std::string run_id, GetString(in, "run_id"));
  ASSIGN_OR_RETURN(auto items, GetObjectList(in, "models"));
  std::vector<tracking::ModelOutput> outputs;
  for (const Json& item : items) {
    tracking::ModelOutput o;
    ASSIGN_OR_RETURN(o.model_id, GetString(item, "model_id"));
    ASSIGN_OR_RETURN(auto step, GetOptInt(item, "step"));
    o.step = step.value_or(0);
    outputs.push_back(std::move(o));
  }
  return EmptyOr(s.logged_models.LogOutputs(run_id, outputs));
}

using RouteFn = Result<Json> (*)(Services&, const Json&, HttpRequest&);

void Add(Router& router, Services& s, Method method, const std::string& path, RouteFn fn) {
  AddMlflowRoute(router, method, path, [&s, fn](const Json& in, HttpRequest& r) { return fn(s, in, r); });
}

}  // namespace

void AddLoggedModelRoutes(Router& router, Services& s) {
  Add(router, s, Method::kPost, "logged-models", Create);
  Add(router, s, Method::kPost, "logged-models/search", Search);
  Add(router, s, Method::kGet, "logged-models/{model_id}", Get);
  Add(router, s, Method::kDelete, "logged-models/{model_id}", Delete);
  Add(router, s, Method::kPatch, "logged-models/{model_id}", Finalize);
  Add(router, s, Method::kPatch, "logged-models/{model_id}/tags", SetTags);
  Add(router, s, Method::kDelete, "logged-models/{model_id}/tags/{key}", DeleteTag);
  Add(router, s, Method::kPost, "logged-models/{model_id}/params", LogParams);
  Add(router, s, Method::kPost, "runs/outputs", LogOutputs);
}

}  // namespace ferry::api
