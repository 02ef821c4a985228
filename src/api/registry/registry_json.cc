#include "api/registry/registry_json.h"

#include "api/mlflow/mlflow_json.h"

namespace ferry::api {
namespace {

// An event's before/after text as JSON (null when empty or unreadable).
Json StateJson(const std::string& text) {
  if (text.empty()) return nullptr;
  Json parsed = Json::parse(text, nullptr, false);
  return parsed.is_discarded() ? Json(nullptr) : parsed;
}

}  // namespace

Json ModelVersionToJson(const registry::ModelVersion& v) {
  Json out = {{"name", v.name},
              {"version", std::to_string(v.version)},
              {"creation_timestamp", v.creation_time},
              {"last_updated_timestamp", v.last_updated_time},
              {"user_id", v.user_id},
              {"current_stage", v.current_stage},
              {"description", v.description},
              {"source", v.source},
              {"run_id", v.run_id},
              {"status", v.status},
              {"tags", TagsToJson(v.tags)},
              {"aliases", v.aliases}};
  if (!v.run_link.empty()) out["run_link"] = v.run_link;
  if (!v.status_message.empty()) out["status_message"] = v.status_message;
  if (!v.logged_model_id.empty()) out["model_id"] = v.logged_model_id;
  return out;
}

Json RegisteredModelToJson(const registry::RegisteredModel& m) {
  Json versions = Json::array();
  for (const auto& v : m.latest_versions) versions.push_back(ModelVersionToJson(v));
  Json aliases = Json::array();
  for (const auto& a : m.aliases) {
    aliases.push_back({{"alias", a.alias}, {"version", std::to_string(a.version)}});
  }
  Json out = {{"name", m.name},
              {"creation_timestamp", m.creation_time},
              {"last_updated_timestamp", m.last_updated_time},
              {"description", m.description},
              {"tags", TagsToJson(m.tags)},
              {"aliases", aliases}};
  if (!versions.empty()) out["latest_versions"] = versions;
  return out;
}

Json RegistryEventToJson(const registry::RegistryEvent& e) {
  Json out = {{"event_id", e.event_id}, {"time", e.time},     {"model", e.model},
              {"action", e.action},     {"actor", e.actor},   {"reason", e.reason},
              {"before", StateJson(e.before)}, {"after", StateJson(e.after)}};
  out["version"] = e.version ? Json(std::to_string(*e.version)) : Json(nullptr);
  return out;
}

Json LineageToJson(const registry::Lineage& lineage) {
  Json files = Json::array();
  for (const auto& f : lineage.files) {
    files.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
  }
  Json out = {{"model_version", ModelVersionToJson(lineage.version)},
              {"files", files},
              {"code_version", lineage.code_version},
              {"source_name", lineage.source_name},
              {"aliases", lineage.aliases}};
  if (lineage.run) {
    const tracking::Run& run = *lineage.run;
    Json datasets = Json::array();
    for (const auto& in : run.inputs) {
      datasets.push_back({{"name", in.dataset.name},
                          {"digest", in.dataset.digest},
                          {"source_type", in.dataset.source_type},
                          {"source", in.dataset.source}});
    }
    out["run"] = RunToJson(run);
    out["datasets"] = datasets;
  } else {
    out["run"] = nullptr;
    out["datasets"] = Json::array();
  }
  return out;
}

Json GateResultToJson(const registry::GateResult& result) {
  Json decision = Json::parse(registry::GateDecisionToJson(result.decision), nullptr, false);
  return {{"name", result.name},
          {"candidate", std::to_string(result.candidate)},
          {"champion", result.champion ? Json(std::to_string(*result.champion)) : Json(nullptr)},
          {"decision", decision},
          {"promoted", result.promoted}};
}

Result<registry::SearchRequest> RegistrySearchFromJson(const Json& in, int64_t default_max) {
  registry::SearchRequest req;
  ASSIGN_OR_RETURN(auto filter, GetOptString(in, "filter"));
  req.filter = filter.value_or("");
  ASSIGN_OR_RETURN(auto max, GetOptInt(in, "max_results"));
  req.max_results = max.value_or(default_max);
  ASSIGN_OR_RETURN(req.order_by, GetStringList(in, "order_by"));
  ASSIGN_OR_RETURN(auto token, GetOptString(in, "page_token"));
  req.page_token = token.value_or("");
  return req;
}

Result<registry::CreateVersionRequest> CreateVersionRequestFromJson(const Json& in) {
  registry::CreateVersionRequest req;
  ASSIGN_OR_RETURN(req.source, GetString(in, "source"));
  ASSIGN_OR_RETURN(auto run_id, GetOptString(in, "run_id"));
  req.run_id = run_id.value_or("");
  ASSIGN_OR_RETURN(auto run_link, GetOptString(in, "run_link"));
  req.run_link = run_link.value_or("");
  ASSIGN_OR_RETURN(auto description, GetOptString(in, "description"));
  req.description = description.value_or("");
  ASSIGN_OR_RETURN(req.tags, TagsFromJson(in, "tags"));
  return req;
}

Result<registry::Actor> ActorOf(const Json& in, const HttpRequest& request) {
  registry::Actor actor;
  std::string user = request.Header("x-ferry-user");
  if (!user.empty()) actor.name = user.substr(0, 256);
  ASSIGN_OR_RETURN(auto reason, GetOptString(in, "reason"));
  actor.reason = reason.value_or("");
  return actor;
}

Result<std::string> VersionOf(const Json& in, std::string_view field) {
  auto it = in.find(field);
  if (it != in.end() && it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return GetString(in, field);
}

}  // namespace ferry::api
