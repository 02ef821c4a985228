// MLflow REST API 2.0, model registry: registered-models/* and
// model-versions/*, each route parsing MLflow's fields, calling
// RegistryService and rendering MLflow's response shape.
#include "api/handler.h"
#include "api/mlflow/mlflow_json.h"
#include "api/registry/registry_json.h"
#include "api/services.h"

namespace ferry::api {
namespace {

using registry::Actor;

// MLflow's defaults for max_results.
constexpr int64_t kModelsDefaultMax = 100;
constexpr int64_t kVersionsDefaultMax = 10000;

// MLflow answers {} when the alias or tag to delete is already gone (but
// 404 for an unknown model or version): `owner` checks the owner exists.
Result<Json> IdempotentDelete(const Status& owner, const Status& deleted) {
  RETURN_IF_ERROR(owner);
  if (deleted.code() == StatusCode::kNotFound) return Json::object();
  return EmptyOr(deleted);
}

Result<Json> ModelOut(const Result<registry::RegisteredModel>& m) {
  if (!m.ok()) return m.status();
  return Json{{"registered_model", RegisteredModelToJson(*m)}};
}

Result<Json> VersionOut(const Result<registry::ModelVersion>& v) {
  if (!v.ok()) return v.status();
  return Json{{"model_version", ModelVersionToJson(*v)}};
}

Result<Json> CreateModel(Services& s, const Json& in, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(auto description, GetOptString(in, "description"));
  ASSIGN_OR_RETURN(auto tags, TagsFromJson(in, "tags"));
  return ModelOut(s.registry.CreateModel(name, description.value_or(""), tags, actor));
}

Result<Json> GetModel(Services& s, const Json& in, const Actor&) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  return ModelOut(s.registry.GetModel(name));
}

Result<Json> RenameModel(Services& s, const Json& in, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(std::string new_name, GetString(in, "new_name"));
  return ModelOut(s.registry.RenameModel(name, new_name, actor));
}

Result<Json> UpdateModel(Services& s, const Json& in, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(auto description, GetOptString(in, "description"));
  return ModelOut(s.registry.UpdateModel(name, description.value_or(""), actor));
}

Result<Json> DeleteModel(Services& s, const Json& in, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  return EmptyOr(s.registry.DeleteModel(name, actor));
}

Result<Json> SearchModels(Services& s, const Json& in, const Actor&) {
  ASSIGN_OR_RETURN(auto req, RegistrySearchFromJson(in, kModelsDefaultMax));
  ASSIGN_OR_RETURN(auto page, s.registry.SearchModels(req));
  Json list = Json::array();
  for (const auto& m : page.items) list.push_back(RegisteredModelToJson(m));
  Json out = {{"registered_models", list}};
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

Result<Json> LatestVersions(Services& s, const Json& in, const Actor&) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(auto stages, GetStringList(in, "stages"));
  ASSIGN_OR_RETURN(auto versions, s.registry.LatestVersions(name, stages));
  Json list = Json::array();
  for (const auto& v : versions) list.push_back(ModelVersionToJson(v));
  return Json{{"model_versions", list}};
}

Result<Json> SetModelTag(Services& s, const Json& in, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(std::string key, GetString(in, "key"));
  ASSIGN_OR_RETURN(auto value, GetOptString(in, "value"));
  return EmptyOr(s.registry.SetModelTag(name, {key, value.value_or("")}, actor));
}

Result<Json> DeleteModelTag(Services& s, const Json& in, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(std::string key, GetString(in, "key"));
  Status owner = s.registry.GetModel(name).status();
  return IdempotentDelete(owner, owner.ok() ? s.registry.DeleteModelTag(name, key, actor) : owner);
}

Result<Json> SetAlias(Services& s, const Json& in, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(std::string alias, GetString(in, "alias"));
  ASSIGN_OR_RETURN(std::string version, VersionOf(in, "version"));
  return EmptyOr(s.registry.SetAlias(name, alias, version, actor));
}

Result<Json> DeleteAlias(Services& s, const Json& in, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(std::string alias, GetString(in, "alias"));
  Status owner = s.registry.GetModel(name).status();
  return IdempotentDelete(owner, owner.ok() ? s.registry.DeleteAlias(name, alias, actor) : owner);
}

Result<Json> GetByAlias(Services& s, const Json& in, const Actor&) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(std::string alias, GetString(in, "alias"));
  return VersionOut(s.registry.GetVersionByAlias(name, alias));
}

Result<Json> CreateVersion(Services& s, const Json& in, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(registry::CreateVersionRequest req, CreateVersionRequestFromJson(in));
  req.name = std::move(name);
  return VersionOut(s.registry.CreateVersion(req, actor));
}

Result<Json> GetVersion(Services& s, const Json& in, const Actor&) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(std::string version, VersionOf(in, "version"));
  return VersionOut(s.registry.GetVersion(name, version));
}

Result<Json> UpdateVersion(Services& s, const Json& in, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(std::string version, VersionOf(in, "version"));
  ASSIGN_OR_RETURN(auto description, GetOptString(in, "description"));
  return VersionOut(s.registry.UpdateVersion(name, version, description.value_or(""), actor));
}

Result<Json> DeleteVersion(Services& s, const Json& in, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(std::string version, VersionOf(in, "version"));
  return EmptyOr(s.registry.DeleteVersion(name, version, false, actor));
}

Result<Json> SearchVersions(Services& s, const Json& in, const Actor&) {
  ASSIGN_OR_RETURN(auto req, RegistrySearchFromJson(in, kVersionsDefaultMax));
  ASSIGN_OR_RETURN(auto page, s.registry.SearchVersions(req));
  Json list = Json::array();
  for (const auto& v : page.items) list.push_back(ModelVersionToJson(v));
  Json out = {{"model_versions", list}};
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

Result<Json> DownloadUri(Services& s, const Json& in, const Actor&) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(std::string version, VersionOf(in, "version"));
  ASSIGN_OR_RETURN(std::string uri, s.registry.DownloadUri(name, version));
  return Json{{"artifact_uri", uri}};
}

Result<Json> TransitionStage(Services& s, const Json& in, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(std::string version, VersionOf(in, "version"));
  ASSIGN_OR_RETURN(std::string stage, GetString(in, "stage"));
  ASSIGN_OR_RETURN(bool archive, GetOptBool(in, "archive_existing_versions"));
  return VersionOut(s.registry.TransitionStage(name, version, stage, archive, actor));
}

Result<Json> SetVersionTag(Services& s, const Json& in, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(std::string version, VersionOf(in, "version"));
  ASSIGN_OR_RETURN(std::string key, GetString(in, "key"));
  ASSIGN_OR_RETURN(auto value, GetOptString(in, "value"));
  return EmptyOr(s.registry.SetVersionTag(name, version, {key, value.value_or("")}, actor));
}

Result<Json> DeleteVersionTag(Services& s, const Json& in, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(std::string version, VersionOf(in, "version"));
  ASSIGN_OR_RETURN(std::string key, GetString(in, "key"));
  Status owner = s.registry.GetVersion(name, version).status();
  return IdempotentDelete(
      owner, owner.ok() ? s.registry.DeleteVersionTag(name, version, key, actor) : owner);
}

using RouteFn = Result<Json> (*)(Services&, const Json&, const Actor&);

void Add(Router& router, Services& s, Method method, const std::string& path, RouteFn fn) {
  AddMlflowRoute(router, method, path, [&s, fn](const Json& in, HttpRequest& request) -> Result<Json> {
    ASSIGN_OR_RETURN(Actor actor, ActorOf(in, request));
    return fn(s, in, actor);
  });
}

}  // namespace

void AddMlflowRegistryRoutes(Router& router, Services& s) {
  const Method kGet = Method::kGet, kPost = Method::kPost, kPatch = Method::kPatch,
               kDelete = Method::kDelete;
  Add(router, s, kPost, "registered-models/create", CreateModel);
  Add(router, s, kGet, "registered-models/get", GetModel);
  Add(router, s, kPost, "registered-models/rename", RenameModel);
  Add(router, s, kPatch, "registered-models/update", UpdateModel);
  Add(router, s, kDelete, "registered-models/delete", DeleteModel);
  Add(router, s, kGet, "registered-models/search", SearchModels);
  Add(router, s, kPost, "registered-models/get-latest-versions", LatestVersions);
  Add(router, s, kGet, "registered-models/get-latest-versions", LatestVersions);
  Add(router, s, kPost, "registered-models/set-tag", SetModelTag);
  Add(router, s, kDelete, "registered-models/delete-tag", DeleteModelTag);
  Add(router, s, kPost, "registered-models/alias", SetAlias);
  Add(router, s, kDelete, "registered-models/alias", DeleteAlias);
  Add(router, s, kGet, "registered-models/alias", GetByAlias);
  Add(router, s, kPost, "model-versions/create", CreateVersion);
  Add(router, s, kGet, "model-versions/get", GetVersion);
  Add(router, s, kPatch, "model-versions/update", UpdateVersion);
  Add(router, s, kDelete, "model-versions/delete", DeleteVersion);
  Add(router, s, kGet, "model-versions/search", SearchVersions);
  Add(router, s, kGet, "model-versions/get-download-uri", DownloadUri);
  Add(router, s, kPost, "model-versions/transition-stage", TransitionStage);
  Add(router, s, kPost, "model-versions/set-tag", SetVersionTag);
  Add(router, s, kDelete, "model-versions/delete-tag", DeleteVersionTag);
}

}  // namespace ferry::api
