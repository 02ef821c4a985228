// Ferry's own registry API under /api/v1/models: resource paths over the
// same RegistryService and entity shapes as the MLflow routes, plus what
// MLflow has no endpoint for: lineage, the audit trail, gate policies,
// gate evaluation and gated promotion. Errors in Ferry's format.
#include <algorithm>
#include <charconv>

#include "api/handler.h"
#include "api/mlflow/mlflow_json.h"
#include "api/registry/registry_json.h"
#include "api/services.h"
#include "core/ids.h"

namespace ferry::api {
namespace {

using registry::Actor;

constexpr ErrorStyle kStyle = ErrorStyle::kFerry;
constexpr int64_t kDefaultMax = 100;

// A route body: services, input, path parameters, actor.
using RouteFn = Result<Json> (*)(Services&, const Json&, HttpRequest&, const Actor&);

Handler Handle(Services& s, RouteFn fn) {
  return JsonHandler(kStyle, [&s, fn](const Json& in, HttpRequest& r) -> Result<Json> {
    ASSIGN_OR_RETURN(Actor actor, ActorOf(in, r));
    return fn(s, in, r, actor);
  });
}

Result<Json> CreateModel(Services& s, const Json& in, HttpRequest&, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(auto description, GetOptString(in, "description"));
  ASSIGN_OR_RETURN(auto tags, TagsFromJson(in, "tags"));
  ASSIGN_OR_RETURN(auto m, s.registry.CreateModel(name, description.value_or(""), tags, actor));
  return Json{{"model", RegisteredModelToJson(m)}};
}

Result<Json> ListModels(Services& s, const Json& in, HttpRequest&, const Actor&) {
  ASSIGN_OR_RETURN(auto req, RegistrySearchFromJson(in, kDefaultMax));
  ASSIGN_OR_RETURN(auto page, s.registry.SearchModels(req));
  Json list = Json::array();
  for (const auto& m : page.items) list.push_back(RegisteredModelToJson(m));
  return Json{{"models", list}, {"next_page_token", page.next_page_token}};
}

Result<Json> GetModel(Services& s, const Json&, HttpRequest& r, const Actor&) {
  ASSIGN_OR_RETURN(auto m, s.registry.GetModel(r.path_params["name"]));
  Json out = {{"model", RegisteredModelToJson(m)}};
  out["model"]["gate_policy"] =
      m.gate_policy ? Json::parse(*m.gate_policy, nullptr, false) : Json(nullptr);
  return out;
}

// Rename and/or new description.
Result<Json> UpdateModel(Services& s, const Json& in, HttpRequest& r, const Actor& actor) {
  std::string name = r.path_params["name"];
  ASSIGN_OR_RETURN(auto description, GetOptString(in, "description"));
  ASSIGN_OR_RETURN(auto new_name, GetOptString(in, "new_name"));
  if (description) RETURN_IF_ERROR(s.registry.UpdateModel(name, *description, actor).status());
  if (new_name) {
    RETURN_IF_ERROR(s.registry.RenameModel(name, *new_name, actor).status());
    name = *new_name;
  }
  ASSIGN_OR_RETURN(auto m, s.registry.GetModel(name));
  return Json{{"model", RegisteredModelToJson(m)}};
}

Result<Json> SetModelTag(Services& s, const Json& in, HttpRequest& r, const Actor& actor) {
  ASSIGN_OR_RETURN(auto value, GetOptString(in, "value"));
  return EmptyOr(s.registry.SetModelTag(r.path_params["name"],
                                        {r.path_params["key"], value.value_or("")}, actor));
}

Result<Json> DeleteModelTag(Services& s, const Json&, HttpRequest& r, const Actor& actor) {
  return EmptyOr(s.registry.DeleteModelTag(r.path_params["name"], r.path_params["key"], actor));
}

// New description and/or stage (archive_existing moves the stage's other
// versions to Archived).
Result<Json> UpdateVersion(Services& s, const Json& in, HttpRequest& r, const Actor& actor) {
  const std::string& name = r.path_params["name"];
  const std::string& version = r.path_params["version"];
  ASSIGN_OR_RETURN(auto description, GetOptString(in, "description"));
  ASSIGN_OR_RETURN(auto stage, GetOptString(in, "stage"));
  auto archive = in.find("archive_existing");
  bool archive_existing = archive != in.end() && *archive == true;
  if (description) {
    RETURN_IF_ERROR(s.registry.UpdateVersion(name, version, *description, actor).status());
  }
  if (stage) {
    RETURN_IF_ERROR(
        s.registry.TransitionStage(name, version, *stage, archive_existing, actor).status());
  }
  ASSIGN_OR_RETURN(auto v, s.registry.GetVersion(name, version));
  return Json{{"model_version", ModelVersionToJson(v)}};
}

Result<Json> SetVersionTag(Services& s, const Json& in, HttpRequest& r, const Actor& actor) {
  ASSIGN_OR_RETURN(auto value, GetOptString(in, "value"));
  return EmptyOr(s.registry.SetVersionTag(r.path_params["name"], r.path_params["version"],
                                          {r.path_params["key"], value.value_or("")}, actor));
}

Result<Json> DeleteVersionTag(Services& s, const Json&, HttpRequest& r, const Actor& actor) {
  return EmptyOr(s.registry.DeleteVersionTag(r.path_params["name"], r.path_params["version"],
                                             r.path_params["key"], actor));
}

Result<Json> DeleteModel(Services& s, const Json&, HttpRequest& r, const Actor& actor) {
  return EmptyOr(s.registry.DeleteModel(r.path_params["name"], actor));
}

Result<Json> CreateVersion(Services& s, const Json& in, HttpRequest& r, const Actor& actor) {
  ASSIGN_OR_RETURN(registry::CreateVersionRequest req, CreateVersionRequestFromJson(in));
  req.name = r.path_params["name"];
  ASSIGN_OR_RETURN(auto v, s.registry.CreateVersion(req, actor));
  return Json{{"model_version", ModelVersionToJson(v)}};
}

Result<Json> ListVersions(Services& s, const Json& in, HttpRequest& r, const Actor&) {
  ASSIGN_OR_RETURN(auto req, RegistrySearchFromJson(in, kDefaultMax));
  // Quoted as a filter string literal: '' escapes a quote.
  std::string name;
  for (char c : r.path_params["name"]) name += c == '\'' ? std::string("''") : std::string(1, c);
  req.filter = "name = '" + name + "'" + (req.filter.empty() ? "" : " AND " + req.filter);
  if (req.order_by.empty()) req.order_by = {"version_number DESC"};
  ASSIGN_OR_RETURN(auto page, s.registry.SearchVersions(req));
  Json list = Json::array();
  for (const auto& v : page.items) list.push_back(ModelVersionToJson(v));
  return Json{{"model_versions", list}, {"next_page_token", page.next_page_token}};
}

Result<Json> GetVersion(Services& s, const Json&, HttpRequest& r, const Actor&) {
  ASSIGN_OR_RETURN(auto v, s.registry.GetVersion(r.path_params["name"], r.path_params["version"]));
  return Json{{"model_version", ModelVersionToJson(v)}};
}

Result<Json> DeleteVersion(Services& s, const Json& in, HttpRequest& r, const Actor& actor) {
  ASSIGN_OR_RETURN(bool forced, GetOptBool(in, "force"));
  return EmptyOr(
      s.registry.DeleteVersion(r.path_params["name"], r.path_params["version"], forced, actor));
}

Result<Json> VersionLineage(Services& s, const Json&, HttpRequest& r, const Actor&) {
  ASSIGN_OR_RETURN(auto lineage, s.registry.GetLineage(r.path_params["name"] + "/" +
                                                       r.path_params["version"]));
  return LineageToJson(lineage);
}

Result<Json> RefLineage(Services& s, const Json& in, HttpRequest&, const Actor&) {
  ASSIGN_OR_RETURN(std::string ref, GetString(in, "ref"));
  ASSIGN_OR_RETURN(auto lineage, s.registry.GetLineage(ref));
  return LineageToJson(lineage);
}

Result<Json> GetAlias(Services& s, const Json&, HttpRequest& r, const Actor&) {
  ASSIGN_OR_RETURN(auto v,
                   s.registry.GetVersionByAlias(r.path_params["name"], r.path_params["alias"]));
  return Json{{"model_version", ModelVersionToJson(v)}};
}

Result<Json> SetAlias(Services& s, const Json& in, HttpRequest& r, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string version, VersionOf(in, "version"));
  RETURN_IF_ERROR(
      s.registry.SetAlias(r.path_params["name"], r.path_params["alias"], version, actor));
  return GetAlias(s, in, r, actor);
}

Result<Json> DeleteAlias(Services& s, const Json&, HttpRequest& r, const Actor& actor) {
  return EmptyOr(s.registry.DeleteAlias(r.path_params["name"], r.path_params["alias"], actor));
}

Result<Json> ListEvents(Services& s, const Json& in, HttpRequest& r, const Actor&) {
  ASSIGN_OR_RETURN(auto max, GetOptInt(in, "max_results"));
  ASSIGN_OR_RETURN(auto token, GetOptString(in, "page_token"));
  ASSIGN_OR_RETURN(auto page, s.registry.ListEvents(r.path_params["name"],
                                                    max.value_or(kDefaultMax),
                                                    token.value_or("")));
  Json list = Json::array();
  for (const auto& e : page.items) list.push_back(RegistryEventToJson(e));
  return Json{{"events", list}, {"next_page_token", page.next_page_token}};
}

Result<Json> SetGate(Services& s, const Json& in, HttpRequest& r, const Actor& actor) {
  ASSIGN_OR_RETURN(auto policy, GetOptString(in, "policy"));
  RETURN_IF_ERROR(s.registry.SetGatePolicy(r.path_params["name"], policy.value_or(""), actor));
  return GetModel(s, in, r, actor);
}

Result<Json> EvaluateGate(Services& s, const Json& in, HttpRequest& r, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string candidate, VersionOf(in, "candidate"));
  ASSIGN_OR_RETURN(auto champion, GetOptString(in, "champion_alias"));
  ASSIGN_OR_RETURN(auto result, s.registry.EvaluateGate(r.path_params["name"], candidate,
                                                        champion.value_or("champion"), actor));
  return GateResultToJson(result);
}

Result<Json> Promote(Services& s, const Json& in, HttpRequest& r, const Actor& actor) {
  ASSIGN_OR_RETURN(std::string candidate, VersionOf(in, "candidate"));
  ASSIGN_OR_RETURN(auto alias, GetOptString(in, "alias"));
  auto approve = in.find("approve");
  bool approved = approve != in.end() && *approve == true;
  ASSIGN_OR_RETURN(auto result, s.registry.Promote(r.path_params["name"], candidate,
                                                   alias.value_or("champion"), approved, actor));
  return GateResultToJson(result);
}

Json WebhookToJson(const registry::Webhook& w) {
  return {{"id", std::to_string(w.id)}, {"url", w.url}, {"model", w.model},
          {"events", w.actions}, {"created_time", w.created_time}};
}

Result<int64_t> WebhookId(HttpRequest& r) {
  const std::string& text = r.path_params["id"];
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id < 1) {
    return InvalidArgument("Invalid webhook id '" + text.substr(0, 64) + "'");
  }
  return id;
}

// The secret signs every delivery; generated when not given and answered
// only here, once.
Result<Json> CreateWebhook(Services& s, const Json& in, HttpRequest&, const Actor&) {
  ASSIGN_OR_RETURN(std::string url, GetString(in, "url"));
  ASSIGN_OR_RETURN(auto secret, GetOptString(in, "secret"));
  ASSIGN_OR_RETURN(auto model, GetOptString(in, "model"));
  ASSIGN_OR_RETURN(auto events, GetStringList(in, "events"));
  std::string key = secret.value_or(NewRunId());
  ASSIGN_OR_RETURN(auto hook, s.webhooks.Create(url, key, model.value_or(""), events));
  return Json{{"webhook", WebhookToJson(hook)}, {"secret", key}};
}

Result<Json> ListWebhooks(Services& s, const Json&, HttpRequest&, const Actor&) {
  ASSIGN_OR_RETURN(auto hooks, s.webhooks.List());
  Json list = Json::array();
  for (const auto& h : hooks) list.push_back(WebhookToJson(h));
  return Json{{"webhooks", list}};
}

Result<Json> DeleteWebhook(Services& s, const Json&, HttpRequest& r, const Actor&) {
  ASSIGN_OR_RETURN(int64_t id, WebhookId(r));
  return EmptyOr(s.webhooks.Delete(id));
}

Result<Json> WebhookDeliveries(Services& s, const Json& in, HttpRequest& r, const Actor&) {
  ASSIGN_OR_RETURN(int64_t id, WebhookId(r));
  ASSIGN_OR_RETURN(auto max, GetOptInt(in, "max_results"));
  ASSIGN_OR_RETURN(auto deliveries, s.webhooks.Deliveries(id, std::clamp<int64_t>(
                                                                   max.value_or(1000), 1, 10000)));
  Json list = Json::array();
  for (const auto& d : deliveries) {
    list.push_back({{"id", d.id}, {"event_id", d.event_id}, {"attempt", d.attempt},
                    {"status_code", d.status_code}, {"error", d.error},
                    {"delivered", d.delivered}, {"time", d.time}});
  }
  return Json{{"deliveries", list}};
}

}  // namespace

void AddV1RegistryRoutes(Router& router, Services& s) {
  const std::string m = "/api/v1/models";
  router.Add(Method::kPost, m, Handle(s, CreateModel));
  router.Add(Method::kGet, m, Handle(s, ListModels));
  router.Add(Method::kGet, m + "/{name}", Handle(s, GetModel));
  router.Add(Method::kDelete, m + "/{name}", Handle(s, DeleteModel));
  router.Add(Method::kPatch, m + "/{name}", Handle(s, UpdateModel));
  router.Add(Method::kPut, m + "/{name}/tags/{key}", Handle(s, SetModelTag));
  router.Add(Method::kDelete, m + "/{name}/tags/{key}", Handle(s, DeleteModelTag));
  router.Add(Method::kPatch, m + "/{name}/versions/{version}", Handle(s, UpdateVersion));
  router.Add(Method::kPut, m + "/{name}/versions/{version}/tags/{key}", Handle(s, SetVersionTag));
  router.Add(Method::kDelete, m + "/{name}/versions/{version}/tags/{key}",
             Handle(s, DeleteVersionTag));
  router.Add(Method::kPost, m + "/{name}/versions", Handle(s, CreateVersion));
  router.Add(Method::kGet, m + "/{name}/versions", Handle(s, ListVersions));
  router.Add(Method::kGet, m + "/{name}/versions/{version}", Handle(s, GetVersion));
  router.Add(Method::kDelete, m + "/{name}/versions/{version}", Handle(s, DeleteVersion));
  router.Add(Method::kGet, m + "/{name}/versions/{version}/lineage", Handle(s, VersionLineage));
  router.Add(Method::kGet, m + "/{name}/aliases/{alias}", Handle(s, GetAlias));
  router.Add(Method::kPut, m + "/{name}/aliases/{alias}", Handle(s, SetAlias));
  router.Add(Method::kDelete, m + "/{name}/aliases/{alias}", Handle(s, DeleteAlias));
  router.Add(Method::kGet, m + "/{name}/events", Handle(s, ListEvents));
  router.Add(Method::kPut, m + "/{name}/gate", Handle(s, SetGate));
  router.Add(Method::kPost, m + "/{name}/gate/evaluate", Handle(s, EvaluateGate));
  router.Add(Method::kPost, m + "/{name}/promote", Handle(s, Promote));
  router.Add(Method::kGet, "/api/v1/lineage", Handle(s, RefLineage));
  router.Add(Method::kPost, "/api/v1/webhooks", Handle(s, CreateWebhook));
  router.Add(Method::kGet, "/api/v1/webhooks", Handle(s, ListWebhooks));
  router.Add(Method::kDelete, "/api/v1/webhooks/{id}", Handle(s, DeleteWebhook));
  router.Add(Method::kGet, "/api/v1/webhooks/{id}/deliveries", Handle(s, WebhookDeliveries));
}

}  // namespace ferry::api
